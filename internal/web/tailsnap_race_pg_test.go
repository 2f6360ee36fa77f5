package web_test

import (
	"context"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/hookctl/hookctl/internal/store"
	"github.com/hookctl/hookctl/internal/store/postgres"
	"github.com/hookctl/hookctl/internal/store/postgres/pgtest"
	"github.com/hookctl/hookctl/internal/web"
)

// commitAfterSnapshot is a PostgreSQL store that commits tx right after
// the next transaction snapshot it takes (TxSnapshot, or the snapshot of
// InspectDeliveriesSnapshot, after its read), and notes whether the log
// page's read of its rows ran after that commit (pageSaw: the read
// returned the slow writer's delivery, or put it on an older page).
type commitAfterSnapshot struct {
	*postgres.DB
	mu                  sync.Mutex
	tx                  pgx.Tx
	committed, pageRead bool
	pageSaw             bool
}

func (c *commitAfterSnapshot) commit(ctx context.Context) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.tx == nil {
		return nil
	}
	err := c.tx.Commit(ctx)
	c.tx, c.committed = nil, true
	return err
}

func (c *commitAfterSnapshot) page(saw bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.pageRead {
		c.pageRead, c.pageSaw = true, saw
	}
}

func (c *commitAfterSnapshot) TxSnapshot(ctx context.Context) (string, error) {
	s, err := c.DB.TxSnapshot(ctx)
	if err := c.commit(ctx); err != nil {
		return "", err
	}
	return s, err
}

func (c *commitAfterSnapshot) InspectDeliveriesSnapshot(ctx context.Context, q store.InspectQuery) (*store.InspectPage, string, error) {
	p, s, err := c.DB.InspectDeliveriesSnapshot(ctx, q)
	c.mu.Lock()
	saw := c.committed
	c.mu.Unlock()
	c.page(saw)
	if err := c.commit(ctx); err != nil {
		return nil, "", err
	}
	return p, s, err
}

func (c *commitAfterSnapshot) InspectDeliveries(ctx context.Context, q store.InspectQuery) (*store.InspectPage, error) {
	c.mu.Lock()
	saw := c.committed
	c.mu.Unlock()
	if !q.Tail && q.AfterSeq == 0 && q.Limit > 1 {
		c.page(saw) // the page's rows
	}
	return c.DB.InspectDeliveries(ctx, q)
}

// TestTailsnapLivePageSnapshotRacePostgres: the log page took its
// transaction snapshot, then read its rows; a slow writer's delivery (a
// seq far below the page's rows: on an older page) committed between the
// two. The page's read saw it — it is on the older page — but the snapshot
// handed to the stream did not, so the stream sent it as committed late:
// at the top of the page, above newer rows, out of order. The page now
// takes its snapshot and reads its rows in one transaction (the snapshot
// is the read's): the delivery commits after both, and the stream sends it
// (a late commit, once); it never sends one the page's read saw.
func TestTailsnapLivePageSnapshotRacePostgres(t *testing.T) {
	t.Parallel()
	u := pgtest.URL(t)
	ctx := context.Background()
	db, err := postgres.OpenDB(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	conn, err := pgx.Connect(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(ctx) })
	st := &commitAfterSnapshot{DB: db}
	srv := httptest.NewUnstartedServer(nil)
	h, err := web.New(web.Config{Store: st, Addr: srv.Listener.Addr().String(), Poll: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	srv.Config.Handler = h
	srv.Start()
	t.Cleanup(srv.Close)
	e := &livegapEnv{t: t, ctx: ctx, db: db, conn: conn, srv: srv}

	first := e.publish("card.first")
	tx := e.slowWriter(slowDeliverySQL, first)
	e.bulkDeliveries(first, 120) // the page's 50 rows are all above it
	st.mu.Lock()
	st.tx = tx // committed right after the page's snapshot
	st.mu.Unlock()
	live := e.livePage("")
	st.mu.Lock()
	if st.tx != nil {
		t.Fatal("the page took no transaction snapshot")
	}
	st.mu.Unlock()
	sctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	var got func() string
	wait := e.streamOut(sctx, live, &got)
	wait("hello", "event: hello")
	wait("a delivery made after the page", e.publish("card.after"))
	wait("the next one (a tick later)", e.publish("card.next"))
	st.mu.Lock()
	read, saw := st.pageRead, st.pageSaw
	st.mu.Unlock()
	if !read {
		t.Fatal("the page's read of its rows was not seen")
	}
	sent := strings.Count(got(), `data-delivery-id=\"slow-writer-delivery\"`)
	switch {
	case saw && sent > 0:
		t.Errorf("the stream sent the slow writer's delivery, which the page's read saw (on an older page), at the top as committed late:\n%s", got())
	case !saw && sent != 1:
		t.Errorf("the slow writer's delivery, committed after the page's read, sent %d times, want once:\n%s", sent, got())
	}
}
