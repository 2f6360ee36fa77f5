package postgres

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/hookctl/hookctl/internal/store"
	"github.com/hookctl/hookctl/internal/store/postgres/pgtest"
)

// The filters serve's provider APIs list with (an id lookup, a page after
// a cursor) read through the migration-5 indexes: each plan scans the
// index meant (2,000 subscriptions, 50 Svix applications). Sequential
// scans are disabled, so the plan shows that the index matches the
// filter's expressions whatever a small table costs; so are incremental
// sorts: for a Stripe page after a cursor PostgreSQL otherwise may take,
// at about the same cost, subscriptions_created with an incremental sort,
// which also reads only about a page of rows.
func TestSubscriptionMetaPlans(t *testing.T) {
	ctx := context.Background()
	db := planDB(t) // after planConn's release (a pool closes once its connections are back)
	for i := 0; i < 2000; i++ {
		m := map[string]string{"stripe_id": fmt.Sprintf("we_%d", i)}
		if i%2 == 1 {
			m = map[string]string{"svix_id": fmt.Sprintf("ep_%d", i), "app_id": fmt.Sprintf("app_%d", i%50), "uid": fmt.Sprint(i)}
		}
		if err := db.CreateSubscription(ctx, &store.Subscription{CallbackURL: "http://x", Metadata: m}); err != nil {
			t.Fatal(err)
		}
	}
	conn := planConn(t, db, "subscriptions")
	all, err := db.ListSubscriptions(ctx, store.SubscriptionFilter{})
	if err != nil {
		t.Fatal(err)
	}
	c := all[len(all)/2] // a cursor in the middle
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
		{"stripe: retrieve", "subscriptions_meta_stripe_id", store.SubscriptionFilter{Meta: map[string]string{"stripe_id": "we_4"}, Limit: 1}},
		{"stripe: list cursor", "subscriptions_meta_stripe_id", store.SubscriptionFilter{Meta: map[string]string{"stripe_id": "we_4"}, MetaSet: []string{"stripe_id"}, Newest: true, Limit: 1}},
		{"stripe: list", "subscriptions_meta_stripe_created", store.SubscriptionFilter{MetaSet: []string{"stripe_id"}, Newest: true, Limit: 11}},
		{"stripe: list starting_after", "subscriptions_meta_stripe_created", store.SubscriptionFilter{MetaSet: []string{"stripe_id"}, Newest: true, Limit: 11, OlderThan: c}},
		{"stripe: list ending_before", "subscriptions_meta_stripe_created", store.SubscriptionFilter{MetaSet: []string{"stripe_id"}, Limit: 10, NewerThan: c}},
		{"svix: endpoint by id", "subscriptions_meta_svix_id", store.SubscriptionFilter{Meta: app("svix_id", "ep_7"), MetaSet: []string{"svix_id"}, Limit: 1}},
		{"svix: endpoint by uid", "subscriptions_meta_uid", store.SubscriptionFilter{Meta: app("uid", "7"), MetaSet: []string{"svix_id"}, Limit: 1}},
		{"svix: list", "subscriptions_meta_app_id", store.SubscriptionFilter{Meta: app(), MetaSet: []string{"svix_id"}, Limit: 51}},
		{"svix: list after iterator", "subscriptions_meta_app_id", store.SubscriptionFilter{Meta: app(), MetaSet: []string{"svix_id"}, Limit: 51, NewerThan: c}},
		{"svix: application", "subscriptions_meta_app_id", store.SubscriptionFilter{Meta: app(), Limit: 1}},
	} {
		q, args, err := subscriptionQuery(tc.f)
		if err != nil {
			t.Fatal(err)
		}
		scansIndex(t, conn, tc.name, tc.index, q, args)
	}
}

// A Svix application's messages, its eventId de-duplication and an
// application restored from its messages read through the migration-6
// indexes (2,000 events, 50 applications; sequential scans disabled, as
// above).
func TestEventHeaderPlans(t *testing.T) {
	ctx := context.Background()
	db := planDB(t) // after planConn's release (a pool closes once its connections are back)
	for i := 0; i < 2000; i++ {
		e := &store.Event{ID: fmt.Sprintf("evt_%d", i), Type: "order.created", Payload: []byte(`{}`)}
		if i%2 == 0 {
			e.Headers = map[string][]string{"X-Hookctl-Svix-App": {fmt.Sprintf("app_%d", i%50)}, "X-Hookctl-Svix-App-Uid": {fmt.Sprintf("uid_%d", i%50)},
				"X-Hookctl-Svix-Event-Id": {fmt.Sprint(i)}}
		}
		if err := db.CreateEvent(ctx, e, nil); err != nil {
			t.Fatal(err)
		}
	}
	conn := planConn(t, db, "events")
	c := &store.EventCursor{CreatedAt: time.Now(), Seq: 1000}
	app := map[string]string{"X-Hookctl-Svix-App": "app_2"}
	for _, tc := range []struct {
		name, index string
		f           store.EventFilter
		before      *store.EventCursor
	}{
		{"messages", "events_svix_app", store.EventFilter{Source: store.SourceTriggered, Header: app, Limit: 51, NoCounts: true}, nil},
		{"messages after iterator", "events_svix_app", store.EventFilter{Source: store.SourceTriggered, Header: app, Limit: 51, NoCounts: true}, c},
		{"eventId", "events_svix_event_id", store.EventFilter{Source: store.SourceTriggered, Header: map[string]string{"X-Hookctl-Svix-App": "app_2", "X-Hookctl-Svix-Event-Id": "42"}, Limit: 1, NoCounts: true}, nil},
		{"application by uid", "events_svix_app_uid", store.EventFilter{Source: store.SourceTriggered, Header: map[string]string{"X-Hookctl-Svix-App-Uid": "uid_2"}, Oldest: true, Limit: 1, NoCounts: true}, nil},
	} {
		q, args, err := eventSQL.Query("e.*", tc.f, tc.before, nil)
		if err != nil {
			t.Fatal(err)
		}
		scansIndex(t, conn, tc.name, tc.index, q, args)
	}
}

// scansIndex checks that q's plan scans index and no table sequentially.
func scansIndex(t *testing.T, conn *pgxpool.Conn, name, index, q string, args []any) {
	t.Helper()
	rows, err := conn.Query(context.Background(), "EXPLAIN "+q, args...)
	if err != nil {
		t.Fatal(err)
	}
	got := planText(t, rows)
	if testing.Verbose() {
		t.Logf("%s:\n%s", name, got)
	}
	if strings.Contains(got, "Seq Scan") || !strings.Contains(got, " using "+index+" ") && !strings.Contains(got, "Bitmap Index Scan on "+index+" ") {
		t.Errorf("%s: plan\n%s\nwant a scan of %s\n(%s)", name, got, index, q)
	}
}

// planDB is a store in a fresh schema, closed after the test (and after
// planConn's release: a pool closes once its connections are back).
func planDB(t *testing.T) *DB {
	t.Helper()
	pgtest.ServerURL(t)
	db, err := OpenDB(context.Background(), pgtest.URL(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// planText is an EXPLAIN's lines, trimmed.
func planText(t *testing.T, rows pgx.Rows) string {
	t.Helper()
	defer rows.Close()
	var plan []string
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			t.Fatal(err)
		}
		plan = append(plan, strings.TrimSpace(line))
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return strings.Join(plan, "\n")
}

// planConn is a connection for EXPLAIN over table, freshly analysed, with
// sequential scans and incremental sorts off (see TestSubscriptionMetaPlans);
// it is released at the end of the test.
func planConn(t *testing.T, db *DB, table string) *pgxpool.Conn {
	t.Helper()
	ctx := context.Background()
	conn, err := db.pool.Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(conn.Release)
	if _, err := conn.Exec(ctx, `ANALYZE `+table+`; SET enable_seqscan = off; SET enable_incremental_sort = off`); err != nil {
		t.Fatal(err)
	}
	return conn
}

// Lists of failed deliveries (deliveries list --status failed, the
// inspector's failure counts) read the migration-8 partial index, not the
// table (2,000 deliveries, one in ten failed; sequential scans disabled,
// as above).
func TestFailedDeliveryPlans(t *testing.T) {
	ctx := context.Background()
	db := planDB(t) // after planConn's release (a pool closes once its connections are back)
	for i := 0; i < 200; i++ {
		ds := make([]*store.Delivery, 10)
		for j := range ds {
			ds[j] = &store.Delivery{URL: "http://x", Status: store.DeliverySucceeded}
		}
		ds[i%10].Status = store.DeliveryFailed
		if err := db.CreateEvent(ctx, &store.Event{Type: "order.created", Payload: []byte(`{}`)}, ds); err != nil {
			t.Fatal(err)
		}
	}
	conn := planConn(t, db, "deliveries")
	q, args := deliveryListQuery(store.DeliveryFilter{Status: store.DeliveryFailed, Newest: true, Limit: 50})
	scansIndex(t, conn, "failed, newest first", "deliveries_failed", q, args)
	scansIndex(t, conn, "failed in a range", "deliveries_failed",
		`SELECT count(*) FROM deliveries WHERE status = 'failed' AND seq >= $1 AND seq < $2`, []any{100, 900})
}

// A claim reads the due deliveries in index order and stops at its LIMIT,
// whatever the table's statistics say: here the table was never analysed
// (as after a burst enqueued into a fresh store, or one analysed while
// nothing was pending), where PostgreSQL's own estimate (a dozen due rows)
// made it read all 2,000 pending deliveries through a bitmap scan and sort
// them for each claim of 16. The plan is explained after claimSettings, in
// one pipeline, as ClaimDue runs it.
func TestClaimPlanReadsDueInOrder(t *testing.T) {
	ctx := context.Background()
	db := planDB(t)
	past := time.Now().Add(-time.Minute)
	for i := 0; i < 200; i++ {
		ds := make([]*store.Delivery, 10)
		for j := range ds {
			ds[j] = &store.Delivery{URL: "http://x", Status: store.DeliveryPending, NextAttemptAt: past, RunID: fmt.Sprintf("run-%d", i%2)}
		}
		if err := db.CreateEvent(ctx, &store.Event{Type: "order.created", Payload: []byte(`{}`)}, ds); err != nil {
			t.Fatal(err)
		}
	}
	conn, err := db.pool.Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Release()
	for _, tc := range []struct {
		name, index string
		run         string
	}{
		{"any due", "deliveries_due", ""},
		{"a run's due", "deliveries_run_due", "run-1"},
	} {
		b := &pgx.Batch{}
		b.Queue(claimSettings)
		b.Queue("EXPLAIN "+claimSQL(tc.run != ""), db.claimArgs("w", time.Now(), time.Minute, 16, tc.run)...)
		br := conn.SendBatch(ctx, b)
		if _, err := br.Exec(); err != nil {
			t.Fatal(err)
		}
		rows, err := br.Query()
		if err != nil {
			t.Fatal(err)
		}
		got := planText(t, rows)
		if err := br.Close(); err != nil {
			t.Fatal(err)
		}
		if testing.Verbose() {
			t.Logf("%s:\n%s", tc.name, got)
		}
		// A run's due are in run_id, next_attempt_at order; their seq
		// order is an incremental sort of each group of equal times.
		if !strings.Contains(got, "Index Scan using "+tc.index+" ") || strings.Contains(got, "Bitmap") ||
			strings.Contains(got, "Seq Scan") || strings.Contains(got, "->  Sort  (") ||
			strings.Contains(got, "Incremental Sort") && !strings.Contains(got, "Presorted Key: deliveries_1.next_attempt_at") {
			t.Errorf("%s: plan\n%s\nwant %s read in order, no full sort", tc.name, got, tc.index)
		}
		// The lease-wait lock is tried only on the batch, above its
		// LIMIT (claimSQL): tried as the index is read, a claim of a run
		// took one for every due row of the incremental sort's group.
		lines := strings.Split(got, "\n")
		for i, l := range lines {
			if strings.Contains(l, "pg_try_advisory") && (i == 0 || !strings.HasPrefix(lines[i-1], "->  Subquery Scan on c ")) {
				t.Errorf("%s: plan\n%s\nwant the lease-wait lock tried only above the LIMIT (Subquery Scan on c)", tc.name, got)
			}
		}
	}
	// The claims themselves: the oldest due first, a run's own only.
	got, err := db.ClaimDue(ctx, "w", time.Now(), time.Minute, 16, "run-1")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 16 {
		t.Fatalf("claimed %d of run-1's deliveries, want 16", len(got))
	}
	for i, d := range got {
		if d.RunID != "run-1" || d.LeaseOwner != "w" || i > 0 && d.Seq < got[i-1].Seq {
			t.Fatalf("claim %d: %+v", i, d)
		}
	}
}

// Subscription IDs compare byte-wise (migration 9), as event and delivery
// IDs do: the column's collation is C whatever the database's, and a
// prefix lookup reads the primary key in order (the text_pattern_ops
// index that served it under the database's collation is gone).
func TestSubscriptionIDsByteOrdered(t *testing.T) {
	ctx := context.Background()
	db := planDB(t)
	for _, table := range []struct{ table, column string }{{"subscriptions", "id"}, {"deliveries", "subscription_id"}} {
		var coll *string
		if err := db.pool.QueryRow(ctx, `SELECT collation_name FROM information_schema.columns
			WHERE table_schema = current_schema() AND table_name = $1 AND column_name = $2`, table.table, table.column).Scan(&coll); err != nil {
			t.Fatal(err)
		}
		if coll == nil || *coll != "C" {
			t.Errorf("%s.%s collation %v, want C", table.table, table.column, coll)
		}
	}
	for i := 0; i < 2000; i++ {
		if err := db.CreateSubscription(ctx, &store.Subscription{CallbackURL: "http://x"}); err != nil {
			t.Fatal(err)
		}
	}
	conn := planConn(t, db, "subscriptions")
	scansIndex(t, conn, "id prefix", "subscriptions_pkey", `SELECT id FROM subscriptions WHERE id LIKE $1 ORDER BY id LIMIT 4`, []any{"ab%"})
}

// serve and the inspector run the same list queries again and again:
// after five runs PostgreSQL may keep a generic plan, which cannot tell
// what a parameter holds. The partial indexes must stay usable by one: a
// status is a literal, and an origin or run id filter states the index's
// condition (a generic plan of "status = $1" or "origin_id = $1" cannot
// use them: deliveries show scanned every delivery for its copies).
func TestGenericPlansUsePartialIndexes(t *testing.T) {
	ctx := context.Background()
	db := planDB(t)
	for i := 0; i < 200; i++ {
		ds := make([]*store.Delivery, 10)
		for j := range ds {
			ds[j] = &store.Delivery{URL: "http://x", Status: store.DeliverySucceeded, RunID: fmt.Sprintf("run-%d", i)}
		}
		ds[i%10].Status = store.DeliveryFailed
		if err := db.CreateEvent(ctx, &store.Event{Type: "order.created", Payload: []byte(`{}`)}, ds); err != nil {
			t.Fatal(err)
		}
	}
	conn := planConn(t, db, "deliveries")
	if _, err := conn.Exec(ctx, `SET plan_cache_mode = force_generic_plan`); err != nil {
		t.Fatal(err)
	}
	for i, tc := range []struct {
		name, index string
		f           store.DeliveryFilter
	}{
		{"failed, newest first", "deliveries_failed", store.DeliveryFilter{Status: store.DeliveryFailed, Newest: true, Limit: 50}},
		{"a delivery's copies", "deliveries_origin", store.DeliveryFilter{OriginID: "d-1", Newest: true, Limit: 1000}},
		{"a run's deliveries", "deliveries_run", store.DeliveryFilter{RunID: "run-7"}},
	} {
		q, args := deliveryListQuery(tc.f)
		name := fmt.Sprintf("generic_%d", i)
		if _, err := conn.Exec(ctx, "PREPARE "+name+" AS "+q); err != nil {
			t.Fatal(err)
		}
		// EXECUTE's arguments as literals (it takes no parameters itself).
		lits := make([]string, len(args))
		for j, a := range args {
			switch v := a.(type) {
			case string:
				lits[j] = "'" + strings.ReplaceAll(v, "'", "''") + "'"
			default:
				lits[j] = fmt.Sprint(v)
			}
		}
		exec := "EXPLAIN EXECUTE " + name
		if len(lits) > 0 {
			exec += "(" + strings.Join(lits, ", ") + ")"
		}
		rows, err := conn.Query(ctx, exec)
		if err != nil {
			t.Fatal(err)
		}
		got := planText(t, rows)
		if testing.Verbose() {
			t.Logf("%s:\n%s", tc.name, got)
		}
		if !strings.Contains(got, tc.index) {
			t.Errorf("%s: generic plan\n%s\nwant a scan of %s\n(%s)", tc.name, got, tc.index, q)
		}
	}
}
