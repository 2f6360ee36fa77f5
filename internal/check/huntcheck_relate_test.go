package check

import (
	"strings"
	"testing"

	"github.com/tidwall/gjson"

	"github.com/hookctl/hookctl/internal/catalog"
)

// TestRelateRenamesEmbeddedIDs: an id relate copies into the older event
// is also replaced where that event names it inside another string, so
// its references agree as a catalog event's do. Before, the older
// subscription.created of saas kept its own subscription id in
// items.url ("/v1/subscription_items?subscription=sub_…") while its id
// and items' subscription were the newer event's.
func TestRelateRenamesEmbeddedIDs(t *testing.T) {
	cat, err := catalog.Load(catalog.Options{})
	if err != nil {
		t.Fatal(err)
	}
	build := func(name string) *catalog.Event {
		et, err := cat.Lookup(name, "")
		if err != nil {
			t.Fatal(err)
		}
		ev, err := cat.Build(et, catalog.BuildOptions{})
		if err != nil {
			t.Fatal(err)
		}
		return ev
	}
	older, newer := build("saas:subscription.created"), build("saas:subscription.updated")
	rel := relate(older.Body, newer.Body, older.ID, newer.ID)
	sub := gjson.GetBytes(newer.Body, "data.object.id").Str
	for _, p := range []string{"data.object.id", "data.object.items.data.0.subscription"} {
		if got := gjson.GetBytes(rel, p).Str; got != sub {
			t.Errorf("%s = %q, want %q", p, got, sub)
		}
	}
	if u := gjson.GetBytes(rel, "data.object.items.url").Str; !strings.HasSuffix(u, "subscription="+sub) {
		t.Errorf("items.url = %q, want it to name %s\n%s", u, sub, rel)
	}
	if gjson.GetBytes(rel, "id").Str != older.ID {
		t.Errorf("the older event's id changed: %s", rel)
	}
}
