package postgres

import (
	"context"
	"net/url"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/hookctl/hookctl/internal/store"
	"github.com/hookctl/hookctl/internal/store/postgres/pgtest"
)

// A delivery inserted without its event type (store import's writer, or
// a tool's INSERT) gets it from its event through the trigger of schema
// 17, whatever the inserting session's search_path: schema 17's function
// read events unqualified, so a session whose path did not start with
// the store's schema (psql, a restore with an empty search_path) failed
// ("relation events does not exist") or read another schema's events
// table. Schema 18 names the store's schema in the function's body.
func TestEvidxTriggerIgnoresSearchPath(t *testing.T) {
	ctx := context.Background()
	storeURL := pgtest.URL(t)
	db, err := OpenDB(ctx, storeURL)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.CreateEvent(ctx, &store.Event{ID: "evt_evidx", Type: "card.created", Payload: []byte(`{}`)}, nil); err != nil {
		t.Fatal(err)
	}
	u, err := url.Parse(storeURL)
	if err != nil {
		t.Fatal(err)
	}
	schema := pgx.Identifier{u.Query().Get("search_path")}.Sanitize()
	conn, err := pgx.Connect(ctx, pgtest.ServerURL(t))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	// Another schema whose events table has the same id, another type.
	other := pgx.Identifier{u.Query().Get("search_path") + "_other"}.Sanitize()
	if _, err := conn.Exec(ctx, `CREATE SCHEMA `+other+`; CREATE TABLE `+other+`.events (id text, type text);
		INSERT INTO `+other+`.events VALUES ('evt_evidx', 'wrong.type')`); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _, _ = conn.Exec(context.Background(), `DROP SCHEMA `+other+` CASCADE`) })
	for i, path := range []string{`''`, other, `public`} {
		if _, err := conn.Exec(ctx, `SET search_path = `+path); err != nil {
			t.Fatal(err)
		}
		id := "d_evidx_" + string(rune('a'+i))
		now := time.Now()
		if _, err := conn.Exec(ctx, `INSERT INTO `+schema+`.deliveries (id, event_id, url, created_at, updated_at)
			VALUES ($1, 'evt_evidx', 'http://x', $2, $2)`, id, now); err != nil {
			t.Errorf("search_path %s: insert of a delivery without its type: %v", path, err)
			continue
		}
		var typ *string
		if err := conn.QueryRow(ctx, `SELECT event_type FROM `+schema+`.deliveries WHERE id = $1`, id).Scan(&typ); err != nil {
			t.Fatal(err)
		}
		if typ == nil {
			t.Errorf("search_path %s: the delivery's event_type is NULL, want card.created (its event's, in the store's schema)", path)
		} else if *typ != "card.created" {
			t.Errorf("search_path %s: the delivery's event_type is %q, want card.created (its event's, in the store's schema)", path, *typ)
		}
	}
}

// The insert trigger lists the deliveries stored late (created more than
// store.InspectRangeSlack before the newest stored before them), and only
// those: a batch of old deliveries in creation order is not late, nor is
// one stamped as it is written.
func TestEvidxLateMarks(t *testing.T) {
	ctx := context.Background()
	db, err := OpenDB(ctx, pgtest.URL(t))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	base := time.Now().Add(-time.Hour).UTC().Truncate(time.Microsecond)
	ev := func(id string, at time.Time) (*store.Event, []*store.Delivery) {
		return &store.Event{ID: id, Type: "card.created", Payload: []byte(`{}`), CreatedAt: at},
			[]*store.Delivery{{ID: "d-" + id, URL: "http://x", CreatedAt: at, UpdatedAt: at, Status: store.DeliverySucceeded}}
	}
	var evs []*store.Event
	var dss [][]*store.Delivery
	for i := 0; i < 50; i++ {
		e, ds := ev("inorder-"+strconv.Itoa(i), base.Add(time.Duration(i)*time.Second))
		evs, dss = append(evs, e), append(dss, ds)
	}
	if err := db.CreateEvents(ctx, evs, dss); err != nil {
		t.Fatal(err)
	}
	e, ds := ev("fresh", time.Now())
	if err := db.CreateEvent(ctx, e, ds); err != nil {
		t.Fatal(err)
	}
	e, ds = ev("late-create", base.Add(10*time.Second))
	if err := db.CreateEvent(ctx, e, ds); err != nil {
		t.Fatal(err)
	}
	e, ds = ev("late-import", base.Add(20*time.Second))
	ds[0].EventID = e.ID
	if err := db.Import(ctx, store.Record{Event: e}); err != nil {
		t.Fatal(err)
	}
	if err := db.Import(ctx, store.Record{Delivery: ds[0]}); err != nil {
		t.Fatal(err)
	}
	rows, err := db.pool.Query(ctx, `SELECT d.id FROM deliveries_late l JOIN deliveries d ON d.seq = l.seq ORDER BY d.id`)
	if err != nil {
		t.Fatal(err)
	}
	got, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"d-late-create", "d-late-import"}; !slices.Equal(got, want) {
		t.Errorf("deliveries listed late: %v, want %v", got, want)
	}
}
