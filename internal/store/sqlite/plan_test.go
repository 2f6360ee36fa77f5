package sqlite

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/store"
)

// The filters serve's provider APIs list with (an id lookup, a page after
// a cursor) read through the migration-4 indexes: SQLite's plan searches
// the index and never scans the table or sorts it.
func TestSubscriptionMetaPlans(t *testing.T) {
	s := openTemp(t)
	ctx := context.Background()
	for i := 0; i < 200; i++ {
		m := map[string]string{"stripe_id": fmt.Sprintf("we_%d", i)}
		if i%2 == 1 {
			m = map[string]string{"svix_id": fmt.Sprintf("ep_%d", i), "app_id": fmt.Sprintf("app_%d", i%3), "uid": fmt.Sprint(i)}
		}
		if err := s.CreateSubscription(ctx, &store.Subscription{CallbackURL: "http://x", Metadata: m}); err != nil {
			t.Fatal(err)
		}
	}
	c := &store.Subscription{ID: "x", CreatedAt: time.Now()}
	app := func(kv ...string) map[string]string {
		m := map[string]string{"app_id": "app_1"}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return m
	}
	for _, tc := range []struct {
		name, index string
		f           store.SubscriptionFilter
	}{
		{"stripe: retrieve", "subscriptions_meta_stripe_id (<expr>=?)", store.SubscriptionFilter{Meta: map[string]string{"stripe_id": "we_4"}, Limit: 1}},
		{"stripe: list cursor", "subscriptions_meta_stripe_id (<expr>=?)", store.SubscriptionFilter{Meta: map[string]string{"stripe_id": "we_4"}, MetaSet: []string{"stripe_id"}, Newest: true, Limit: 1}},
		{"stripe: list", "subscriptions_meta_stripe_created", store.SubscriptionFilter{MetaSet: []string{"stripe_id"}, Newest: true, Limit: 11}},
		{"stripe: list starting_after", "subscriptions_meta_stripe_created ((created_at,id)<(?,?))", store.SubscriptionFilter{MetaSet: []string{"stripe_id"}, Newest: true, Limit: 11, OlderThan: c}},
		{"stripe: list ending_before", "subscriptions_meta_stripe_created ((created_at,id)>(?,?))", store.SubscriptionFilter{MetaSet: []string{"stripe_id"}, Limit: 10, NewerThan: c}},
		{"svix: endpoint by id", "subscriptions_meta_svix_id (<expr>=? AND <expr>=?)", store.SubscriptionFilter{Meta: app("svix_id", "ep_7"), MetaSet: []string{"svix_id"}, Limit: 1}},
		{"svix: endpoint by uid", "subscriptions_meta_uid (<expr>=? AND <expr>=?)", store.SubscriptionFilter{Meta: app("uid", "7"), MetaSet: []string{"svix_id"}, Limit: 1}},
		{"svix: list", "subscriptions_meta_app_id (<expr>=?)", store.SubscriptionFilter{Meta: app(), MetaSet: []string{"svix_id"}, Limit: 51}},
		{"svix: list after iterator", "subscriptions_meta_app_id (<expr>=? AND (created_at,id)>(?,?))", store.SubscriptionFilter{Meta: app(), MetaSet: []string{"svix_id"}, Limit: 51, NewerThan: c}},
		{"svix: application", "subscriptions_meta_app_id (<expr>=?)", store.SubscriptionFilter{Meta: app(), Limit: 1}},
	} {
		q, args, err := subscriptionQuery(tc.f)
		if err != nil {
			t.Fatal(err)
		}
		searchesOnly(t, s, tc.name, tc.index, q, args)
	}
}

// A Svix application's messages, its eventId de-duplication and an
// application restored from its messages read through the migration-5
// indexes: a search of the index, never a scan of every event.
func TestEventHeaderPlans(t *testing.T) {
	s := openTemp(t)
	ctx := context.Background()
	for i := 0; i < 200; i++ {
		e := &store.Event{ID: fmt.Sprintf("evt_%d", i), Type: "order.created", Payload: []byte(`{}`)}
		if i%2 == 0 {
			e.Headers = map[string][]string{"X-Hookctl-Svix-App": {fmt.Sprintf("app_%d", i%3)}, "X-Hookctl-Svix-App-Uid": {"shop"},
				"X-Hookctl-Svix-Event-Id": {fmt.Sprint(i)}}
		}
		if err := s.CreateEvent(ctx, e, nil); err != nil {
			t.Fatal(err)
		}
	}
	c := &store.EventCursor{CreatedAt: time.Now(), Seq: 100}
	app := func(kv ...string) map[string]string {
		m := map[string]string{"X-Hookctl-Svix-App": "app_1"}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return m
	}
	for _, tc := range []struct {
		name, index string
		f           store.EventFilter
		before      *store.EventCursor
	}{
		{"messages", "events_svix_app (<expr>=?)", store.EventFilter{Source: store.SourceTriggered, Header: app(), Limit: 51, NoCounts: true}, nil},
		{"messages after iterator", "events_svix_app (<expr>=? AND created_at<?)", store.EventFilter{Source: store.SourceTriggered, Header: app(), Limit: 51, NoCounts: true}, c},
		{"eventId", "events_svix_event_id (<expr>=?)", store.EventFilter{Source: store.SourceTriggered, Header: app("X-Hookctl-Svix-Event-Id", "42"), Limit: 1, NoCounts: true}, nil},
		{"application by uid", "events_svix_app_uid (<expr>=?)", store.EventFilter{Source: store.SourceTriggered, Header: map[string]string{"X-Hookctl-Svix-App-Uid": "shop"}, Oldest: true, Limit: 1, NoCounts: true}, nil},
	} {
		q, args, err := eventSQL.Query(eventCols, tc.f, tc.before, nil)
		if err != nil {
			t.Fatal(err)
		}
		searchesOnly(t, s, tc.name, tc.index, q, args)
	}
}

// searchesOnly checks that q's plan is one search of index.
func searchesOnly(t *testing.T, s *Store, name, index, q string, args []any) {
	t.Helper()
	plan := queryPlan(t, s, q, args)
	got := strings.Join(plan, " | ")
	if len(plan) != 1 || !strings.Contains(got, "USING INDEX "+index) {
		t.Errorf("%s: plan %q, want only a search of %s\n(%s)", name, got, index, q)
	}
}

// queryPlan is EXPLAIN QUERY PLAN's detail lines for q.
func queryPlan(t *testing.T, s *Store, q string, args []any) []string {
	t.Helper()
	rows, err := s.r.QueryContext(context.Background(), "EXPLAIN QUERY PLAN "+q, args...)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var plan []string
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			t.Fatal(err)
		}
		plan = append(plan, detail)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return plan
}

// A provider's deliveries (Mambu's message search) are read newest first
// in Seq order, each delivery's event found by its primary key: no sort
// and no pass over the events, so a page stops reading once it is full.
// No index on the events' provider: one would need a schema migration,
// which earlier hookctl versions refuse to open, and a page of the
// newest deliveries needs none.
func TestDeliveriesByProviderPlan(t *testing.T) {
	s := openTemp(t)
	for _, f := range []store.DeliveryFilter{
		{Provider: "mambu", Newest: true, Limit: 201},
		{Provider: "mambu", Newest: true, Limit: 201, BeforeSeq: 1000},
		{Provider: "mambu", Limit: 201, AfterSeq: 1000},
	} {
		q, args := listDeliveriesSQL(f)
		plan := queryPlan(t, s, q, args)
		got := strings.Join(plan, " | ")
		if len(plan) != 2 || !strings.HasPrefix(plan[0], "SEARCH d USING INTEGER PRIMARY KEY") && plan[0] != "SCAN d" ||
			plan[1] != "SEARCH e USING INTEGER PRIMARY KEY (rowid=?)" {
			t.Errorf("%+v: plan %q, want the deliveries in Seq order and each one's event by its key\n(%s)", f, got, q)
		}
	}
}

// deliveries show, the inspector and replay read a delivery's copies and
// forwards (OriginID) through the partial index deliveries_origin: a
// bound value alone does not let SQLite use it, and the read scanned
// every delivery for one with no copies (220 ms at 1M).
func TestDeliveriesByOriginPlan(t *testing.T) {
	s := openTemp(t)
	for _, f := range []store.DeliveryFilter{
		{OriginID: "d-1", Limit: 1000, Newest: true},
		{OriginID: "d-1", Limit: 20, Newest: true},
		{OriginID: "d-1"},
	} {
		q, args := listDeliveriesSQL(f)
		plan := queryPlan(t, s, q, args)
		got := strings.Join(plan, " | ")
		if !strings.Contains(got, "SEARCH d USING INDEX deliveries_origin (origin_id=?)") {
			t.Errorf("%+v: plan %q, want a search of deliveries_origin\n(%s)", f, got, q)
		}
	}
}

// An object (a Svix application) found by its key (its uid) is read
// through the partial index objects_key, not by reading every object of
// its kind (a bound value alone does not let SQLite use the index).
func TestObjectByKeyPlan(t *testing.T) {
	s := openTemp(t)
	for _, q := range []string{objectByKeySQL, keyTakenSQL, objectKeyHolderSQL} {
		plan := queryPlan(t, s, q, []any{"svix.app", "shop", "app_1"})
		if got := strings.Join(plan, " | "); !strings.Contains(got, "USING INDEX objects_key (kind=? AND key=?)") {
			t.Errorf("plan %q, want a search of objects_key\n(%s)", got, q)
		}
	}
}
