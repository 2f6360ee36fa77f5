package web_test

import (
	"context"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/hookctl/hookctl/internal/store"
	"github.com/hookctl/hookctl/internal/store/postgres"
	"github.com/hookctl/hookctl/internal/store/postgres/pgtest"
	"github.com/hookctl/hookctl/internal/web"
)

// uifix2Backends runs fn on SQLite, and on PostgreSQL when a test server
// is set (HOOKCTL_TEST_POSTGRES; skipped otherwise).
func uifix2Backends(t *testing.T, fn func(t *testing.T, newEnv func(t *testing.T) *liveReplayEnv)) {
	t.Run("sqlite", func(t *testing.T) { fn(t, newLiveReplayEnv) })
	t.Run("postgres", func(t *testing.T) {
		fn(t, func(t *testing.T) *liveReplayEnv {
			st, err := postgres.OpenDB(context.Background(), pgtest.URL(t))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { st.Close() })
			srv := httptest.NewUnstartedServer(nil)
			h, err := web.New(web.Config{Store: st, Addr: srv.Listener.Addr().String(), Poll: 50 * time.Millisecond})
			if err != nil {
				t.Fatal(err)
			}
			srv.Config.Handler = h
			srv.Start()
			t.Cleanup(srv.Close)
			return &liveReplayEnv{t: t, ctx: context.Background(), st: st, url: srv.URL}
		})
	})
}

// TestLiveEventsOnlyReset: a log of events without deliveries (what
// listen received and did not forward) emptied under an open stream
// (serve --allow-reset's POST /_hookctl/reset, store prune): on SQLite
// the new events take the seqs from 1 again, below the stream's event
// cursor. The stream says so (event: reset) and sends every new event,
// whether fewer or more of them are stored than the cursor was. Before,
// the reset check keyed on a delivery only: no reset was said, and the
// new events below the old cursor were never sent.
func TestLiveEventsOnlyReset(t *testing.T) { uifix2Backends(t, testLiveEventsOnlyReset) }

func testLiveEventsOnlyReset(t *testing.T, newLiveReplayEnv func(t *testing.T) *liveReplayEnv) {
	for _, tc := range []struct {
		name  string
		query func(e *liveReplayEnv) string
		after int // events stored after the reset
	}{
		{"from now, fewer", func(*liveReplayEnv) string { return "" }, 1},
		{"from now, more", func(*liveReplayEnv) string { return "" }, 5},
		{"page cursor", func(e *liveReplayEnv) string {
			top, err := e.st.(store.Inspector).MaxEventSeq(e.ctx)
			if err != nil {
				t.Fatal(err)
			}
			return "?after=0&etop=" + strconv.FormatInt(top, 10) + "&shown=3"
		}, 2},
		{"filtered", func(*liveReplayEnv) string { return "?type=card.*" }, 5},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newLiveReplayEnv(t)
			var old []string
			for range 3 {
				old = append(old, e.received())
			}
			ch := openEvents(t, e.url+"/live"+tc.query(e))
			nextEvent(t, ch, "hello")
			// One tick reads the cursor before the reset (a stream
			// from now takes it at its start; the page's is its own).
			if err := e.st.(store.Resetter).Reset(e.ctx); err != nil {
				t.Fatal(err)
			}
			var ids []string
			for range tc.after {
				ids = append(ids, e.received())
			}
			nextEvent(t, ch, "reset")
			got := sentAfterReset(t, ch, ids)
			for _, id := range old {
				if strings.Contains(got, id) {
					t.Errorf("%s, deleted by the reset, was sent after it", id)
				}
			}
		})
	}
}

// TestLiveEventsOnlyResetBeforeStream: a log of events without
// deliveries emptied between the page's load and its stream's start:
// the page's newest event is gone when the stream opens, which says so
// (event: reset) and sends the new events. The new events' seqs are
// above the page's cursor (no seq is given again: SQLite schema 12, as
// PostgreSQL always did), so the stream's open tells the page's newest
// event is gone by reading it, as for a delivery (see
// TestLiveResetBeforeStream); on SQLite before schema 12 the new event
// took seq 1 again, below the cursor.
func TestLiveEventsOnlyResetBeforeStream(t *testing.T) {
	t.Parallel()
	e := newLiveReplayEnv(t)
	for range 3 {
		e.received()
	}
	top, err := e.st.(store.Inspector).MaxEventSeq(e.ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.st.(store.Resetter).Reset(e.ctx); err != nil {
		t.Fatal(err)
	}
	id := e.received()
	ch := openEvents(t, e.url+"/live?after=0&etop="+strconv.FormatInt(top, 10)+"&shown=3")
	nextEvent(t, ch, "hello")
	nextEvent(t, ch, "reset")
	if ev := first(nextEvent(t, ch, "rows")); !strings.Contains(ev.data, id) {
		t.Errorf("the event stored after the reset is not sent: %.300s", ev.data)
	}
}

// TestBrowserLiveEventsOnlyReset: a page of events without deliveries
// whose log is emptied under it reloads: the events deleted are gone and
// one stored after the reset is shown. Before, the page kept the deleted
// rows and never showed a new one (its event cursor was above the new
// seqs).
func TestBrowserLiveEventsOnlyReset(t *testing.T) {
	t.Parallel()
	path := needBrowser(t)
	e := newEnv(t)
	r := &liveReplayEnv{t: t, ctx: context.Background(), st: e.st}
	old := []string{r.received(), r.received()}
	ctx := newBrowser(t, path)
	do(t, ctx, 10*sec, chromedp.Navigate(e.url+"/"), chromedp.WaitVisible(`tr[data-event-id="`+old[1]+`"]`),
		chromedp.WaitVisible(`[data-testid="live-indicator"].on`))
	if err := e.st.(store.Resetter).Reset(context.Background()); err != nil {
		t.Fatal(err)
	}
	id := r.received()
	do(t, ctx, 10*sec, chromedp.WaitVisible(`tr[data-event-id="`+id+`"]`))
	if n := get(t, ctx, chromedp.Evaluate[int](`document.querySelectorAll('#rows tr').length`)); n != 1 {
		t.Errorf("after the reset the page shows %d rows, want the new one only", n)
	}
}
