package storetest

import (
	"reflect"
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/store"
)

// testSubscriptionMetaFilter: SubscriptionFilter's metadata, provider,
// order, limit and cursor fields (what `hookctl serve`'s provider APIs
// look their ids up with) select the same subscriptions in every store.
func testSubscriptionMetaFilter(t *testing.T, s store.Store) {
	odd := `it's "quoted" \ back ü 日本 <&> ' OR 1=1 --`
	mk := func(id, url string, provider, status string, at time.Time, meta map[string]string, events ...string) *store.Subscription {
		sub := newSub(url, events...)
		sub.ID, sub.Provider, sub.Status, sub.CreatedAt, sub.Metadata = id, provider, status, at, meta
		must(t, s.CreateSubscription(ctx, sub))
		return sub
	}
	// Creation order a, b, c, d, e; d and e share a creation time (then
	// ordered by ID).
	mk("00000000-0000-4000-8000-00000000000a", "http://127.0.0.1/a", "bond", store.StatusEnabled, base,
		map[string]string{"stripe_id": "we_1", "created_by": "serve:stripe", "stripe_meta:k.x": "v"}, "card.*")
	mk("00000000-0000-4000-8000-00000000000b", "http://127.0.0.1/b", "saas", store.StatusDisabled, base.Add(time.Second),
		map[string]string{"stripe_id": "we_2", "uid": odd}, "card.created")
	mk("00000000-0000-4000-8000-00000000000c", "http://127.0.0.1/c", "", store.StatusEnabled, base.Add(2*time.Second),
		nil, "*")
	mk("00000000-0000-4000-8000-00000000000e", "http://127.0.0.1/e", "standard", store.StatusEnabled, base.Add(3*time.Second),
		map[string]string{"svix_id": "ep_2", "app_id": "app_1", "uid": ""}, "order.created")
	mk("00000000-0000-4000-8000-00000000000d", "http://127.0.0.1/d", "standard", store.StatusEnabled, base.Add(3*time.Second),
		map[string]string{"svix_id": "ep_1", "app_id": "app_1", "uid": "ünï"}, "kyc.*")

	list := func(name string, f store.SubscriptionFilter) []*store.Subscription {
		t.Helper()
		l, err := s.ListSubscriptions(ctx, f)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		return l
	}
	check := func(name string, f store.SubscriptionFilter, want ...string) {
		t.Helper()
		var got []string
		for _, sub := range list(name, f) {
			got = append(got, sub.CallbackURL[len("http://127.0.0.1/"):])
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s = %v, want %v", name, got, want)
		}
	}
	meta := func(kv ...string) map[string]string {
		m := map[string]string{}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return m
	}

	check("all", store.SubscriptionFilter{}, "a", "b", "c", "d", "e")
	check("match", store.SubscriptionFilter{Meta: meta("stripe_id", "we_2")}, "b")
	check("no match", store.SubscriptionFilter{Meta: meta("stripe_id", "we_3")})
	check("no match: a prefix", store.SubscriptionFilter{Meta: meta("stripe_id", "we_")})
	check("key absent everywhere", store.SubscriptionFilter{Meta: meta("nope", "x")})
	check("several keys", store.SubscriptionFilter{Meta: meta("app_id", "app_1", "svix_id", "ep_2")}, "e")
	check("several keys, one wrong", store.SubscriptionFilter{Meta: meta("app_id", "app_2", "svix_id", "ep_2")})
	check("key with : and .", store.SubscriptionFilter{Meta: meta("stripe_meta:k.x", "v")}, "a")
	check("quotes and unicode", store.SubscriptionFilter{Meta: meta("uid", odd)}, "b")
	check("unicode", store.SubscriptionFilter{Meta: meta("uid", "ünï")}, "d")
	check(`"" matches absent or empty`, store.SubscriptionFilter{Meta: meta("uid", "")}, "a", "c", "e")
	check("set", store.SubscriptionFilter{MetaSet: []string{"uid"}}, "b", "d")
	check("set and match", store.SubscriptionFilter{Meta: meta("app_id", "app_1"), MetaSet: []string{"svix_id"}}, "d", "e")
	check("with Status", store.SubscriptionFilter{Status: store.StatusEnabled, MetaSet: []string{"stripe_id"}}, "a")
	check("with Status, none", store.SubscriptionFilter{Status: store.StatusDisabled, Meta: meta("stripe_id", "we_1")})
	check("with Event", store.SubscriptionFilter{Event: "card.created", MetaSet: []string{"stripe_id"}}, "a", "b")
	check("with Event, none", store.SubscriptionFilter{Event: "kyc.verification.success", MetaSet: []string{"stripe_id"}})
	check("providers", store.SubscriptionFilter{Providers: []string{"bond", ""}}, "a", "c")
	check("providers and meta", store.SubscriptionFilter{Providers: []string{"standard"}, Meta: meta("svix_id", "ep_2")}, "e")

	// Order, limit and cursors.
	check("newest", store.SubscriptionFilter{Newest: true}, "e", "d", "c", "b", "a")
	check("limit", store.SubscriptionFilter{Limit: 2}, "a", "b")
	check("newest limit", store.SubscriptionFilter{Newest: true, Limit: 2}, "e", "d")
	check("limit with Event", store.SubscriptionFilter{Event: "card.created", Limit: 2}, "a", "b")
	check("limit with Event, newest", store.SubscriptionFilter{Event: "card.created", Newest: true, Limit: 2}, "c", "b")
	all := list("all", store.SubscriptionFilter{})
	b, d := all[1], all[3]
	check("newer than b", store.SubscriptionFilter{NewerThan: b}, "c", "d", "e")
	check("newer than d (same time, ID after)", store.SubscriptionFilter{NewerThan: d}, "e")
	check("older than d", store.SubscriptionFilter{OlderThan: d, Newest: true}, "c", "b", "a")
	check("between", store.SubscriptionFilter{NewerThan: b, OlderThan: all[4]}, "c", "d")
	check("between, none", store.SubscriptionFilter{NewerThan: d, OlderThan: b})
	check("cursor, meta, limit", store.SubscriptionFilter{MetaSet: []string{"svix_id"}, NewerThan: all[0], Limit: 1}, "d")

	// Keys are checked, never quoted into SQL.
	for _, k := range []string{"", `a'b`, `a"b`, "a b", "ü", "a)--"} {
		if _, err := s.ListSubscriptions(ctx, store.SubscriptionFilter{Meta: meta(k, "x")}); err == nil {
			t.Errorf("Meta key %q accepted", k)
		}
		if _, err := s.ListSubscriptions(ctx, store.SubscriptionFilter{MetaSet: []string{k}}); err == nil {
			t.Errorf("MetaSet key %q accepted", k)
		}
	}
	// The filter sees updates.
	e := all[4]
	e.Metadata = meta("svix_id", "ep_9", "app_id", "app_1")
	must(t, s.UpdateSubscription(ctx, e))
	check("after update, old id", store.SubscriptionFilter{Meta: meta("svix_id", "ep_2")})
	check("after update, new id", store.SubscriptionFilter{Meta: meta("svix_id", "ep_9")}, "e")
}
