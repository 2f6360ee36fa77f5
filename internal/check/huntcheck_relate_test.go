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

// TestRelateMonoAccount: Mono's account_connected names the account
// data.id, its account_updated data.account._id; the older event of the
// pair is about the newer one's account. Before, the two were about two
// unrelated accounts, so the out-of-order probe sent nothing related.
func TestRelateMonoAccount(t *testing.T) {
	cat, err := catalog.Load(catalog.Options{})
	if err != nil {
		t.Fatal(err)
	}
	base, err := cat.Lookup("mono.events.account_connected", "mono")
	if err != nil {
		t.Fatal(err)
	}
	first, later := relatedPair(cat, base)
	if first == nil || first.Type != "mono.events.account_connected" || later.Type != "mono.events.account_updated" {
		t.Fatalf("mono pair: %v %v", first, later)
	}
	bf, _ := cat.Build(first, catalog.BuildOptions{})
	bl, _ := cat.Build(later, catalog.BuildOptions{})
	rel := relate(bf.Body, bl.Body, bf.ID, bl.ID)
	if got, want := gjson.GetBytes(rel, "data.id").Str, gjson.GetBytes(bl.Body, "data.account._id").Str; got != want || want == "" {
		t.Errorf("account_connected data.id = %q, want account_updated's data.account._id %q\n%s", got, want, rel)
	}
	if gjson.GetBytes(rel, "data.customer").Str == gjson.GetBytes(rel, "data.id").Str {
		t.Errorf("the customer became the account: %s", rel)
	}
}
