package postgres

import (
	"context"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/hookctl/hookctl/internal/store"
	"github.com/hookctl/hookctl/internal/store/postgres/pgtest"
)

// TestPgjsonInspectTypeReadsDeliveryColumn: the inspector's log filtered
// by event type (/?type=card.created, card.*) tests the delivery's own
// event_type (schema 17) as it reads the deliveries, and looks up the
// events of the rows it shows only. On e.type every delivery scanned had
// its event read first: for a type of 1 in 5, 5 event lookups per row
// shown (1 in 100: 100). The plans are the server's own (auto_explain,
// EXPLAIN ANALYZE of every statement of the real page read, sent back as
// notices); the rows are those the pool's read returns.
func TestPgjsonInspectTypeReadsDeliveryColumn(t *testing.T) {
	ctx := context.Background()
	u := pgtest.URL(t)
	db, err := OpenDB(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	pgpageSeed(t, db, 5000) // 5 types in turn, 1 in 100 "rare.type"
	if _, err := db.pool.Exec(ctx, `ANALYZE deliveries; ANALYZE events`); err != nil {
		t.Fatal(err)
	}
	cfg, err := pgx.ParseConfig(u)
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var notices []string
	cfg.OnNotice = func(_ *pgconn.PgConn, n *pgconn.Notice) {
		mu.Lock()
		notices = append(notices, n.Message)
		mu.Unlock()
	}
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	if _, err := conn.Exec(ctx, `LOAD 'auto_explain'; SET auto_explain.log_min_duration = 0; SET auto_explain.log_analyze = on;
		SET auto_explain.log_timing = off; SET auto_explain.log_level = notice`); err != nil {
		t.Skipf("no auto_explain: %v", err)
	}
	var top int64
	if err := conn.QueryRow(ctx, `SELECT max(seq) FROM deliveries`).Scan(&top); err != nil {
		t.Fatal(err)
	}
	lookups := regexp.MustCompile(`Index Scan using events_pkey on events e \(actual rows=\d+ loops=(\d+)\)`)
	for _, q := range []store.InspectQuery{
		{TypePattern: "card.created", Limit: 50},
		{TypePattern: "card.created", Limit: 50, BeforeSeq: top / 2},
		{TypePattern: "card.created", Limit: 50, Status: store.DeliverySucceeded},
		{TypePattern: "card.*", Limit: 50, BeforeSeq: top / 2},
		{TypePattern: "rare.type", Limit: 20},
		{TypePattern: "rare.type", Limit: 20, AfterSeq: top / 2},
	} {
		mu.Lock()
		notices = nil
		mu.Unlock()
		page, err := db.inspectDeliveries(ctx, conn, q)
		if err != nil {
			t.Fatal(err)
		}
		want, err := db.InspectDeliveries(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(page, want) {
			t.Errorf("%+v: the read through the explained connection differs from the pool's", q)
		}
		if len(page.Rows) == 0 {
			t.Fatalf("%+v: no rows", q)
		}
		for _, r := range page.Rows {
			if !store.MatchEvent(q.TypePattern, r.EventType) {
				t.Errorf("%+v: row of type %q", q, r.EventType)
			}
		}
		mu.Lock()
		var plan string
		for _, n := range notices {
			if strings.Contains(n, "JOIN events e") {
				plan = n
			}
		}
		mu.Unlock()
		if plan == "" {
			t.Fatalf("%+v: no plan of the page's read among %d notices", q, len(notices))
		}
		if testing.Verbose() {
			t.Logf("%+v: %d rows\n%s", q, len(page.Rows), plan)
		}
		body := plan[strings.Index(plan, "\n"):] // the plan, after its query text
		if !strings.Contains(body, "event_type") || strings.Contains(body, "(e.type") || strings.Contains(body, "Filter: (type") {
			t.Errorf("%+v: plan\n%s\nwant the type tested on the delivery (event_type), not on its event", q, plan)
		}
		for _, m := range lookups.FindAllStringSubmatch(body, -1) {
			if n, _ := strconv.Atoi(m[1]); n > len(page.Rows) {
				t.Errorf("%+v: %d event lookups for %d rows shown:\n%s", q, n, len(page.Rows), plan)
			}
		}
	}
}
