package web_test

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/hookctl/hookctl/internal/store"
)

// TestLiveAfterStoreReset: the log is emptied under an open stream
// (serve --allow-reset's POST /_hookctl/reset between two tests of a
// suite): the stream's rows are gone (before SQLite schema 11 the new
// deliveries also took the seqs from 1 again, below its cursor). The stream says so (event: reset) and follows the
// log from its start: each new delivery is sent, also when more of them
// were stored than the cursor was before. Before, none was ever sent.
func TestLiveAfterStoreReset(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		query func(e *liveReplayEnv) string
	}{
		{"from now", func(*liveReplayEnv) string { return "" }},
		{"page cursor", func(e *liveReplayEnv) string {
			pg, err := e.st.(store.Inspector).InspectDeliveries(e.ctx, store.InspectQuery{Limit: 1})
			if err != nil {
				t.Fatal(err)
			}
			return "?after=" + strconv.FormatInt(pg.Rows[0].Seq, 10) + "&etop=0&shown=3"
		}},
		{"filtered", func(*liveReplayEnv) string { return "?type=card.*" }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newLiveReplayEnv(t)
			for range 3 {
				e.failed()
			}
			ch := openEvents(t, e.url+"/live"+tc.query(e))
			nextEvent(t, ch, "hello")
			if err := e.st.(store.Resetter).Reset(e.ctx); err != nil {
				t.Fatal(err)
			}
			var ids []string
			for range 5 { // more than the cursor was
				ids = append(ids, e.failed())
			}
			nextEvent(t, ch, "reset")
			sentAfterReset(t, ch, ids)
		})
	}
}

// TestBrowserLiveAfterStoreReset: a page whose log is emptied under it
// reloads: the rows deleted are gone and a delivery stored after the
// reset is shown. Before, the page kept the deleted rows and never
// showed a new one (its cursor was above the new seqs).
func TestBrowserLiveAfterStoreReset(t *testing.T) {
	t.Parallel()
	path := needBrowser(t)
	e := newLiveReplayEnv(t)
	old := []string{e.failed(), e.failed()}
	ctx := newBrowser(t, path)
	do(t, ctx, 10*sec, chromedp.Navigate(e.url+"/"), chromedp.WaitVisible(`tr[data-delivery-id="`+old[1]+`"]`),
		chromedp.WaitVisible(`[data-testid="live-indicator"].on`))
	if err := e.st.(store.Resetter).Reset(context.Background()); err != nil {
		t.Fatal(err)
	}
	id := e.failed()
	do(t, ctx, 10*sec, chromedp.WaitVisible(`tr[data-delivery-id="`+id+`"]`))
	if n := get(t, ctx, chromedp.Evaluate[int](`document.querySelectorAll('#rows tr').length`)); n != 1 {
		t.Errorf("after the reset the page shows %d rows, want the new one only", n)
	}
}

// TestLiveResetBeforeStream: the log is emptied between the page's load
// and the start of its stream: the page's newest row is gone when the
// stream opens, which says so (event: reset) and sends the new
// deliveries.
func TestLiveResetBeforeStream(t *testing.T) {
	t.Parallel()
	e := newLiveReplayEnv(t)
	for range 3 {
		e.failed()
	}
	pg, err := e.st.(store.Inspector).InspectDeliveries(e.ctx, store.InspectQuery{Limit: 1})
	if err != nil {
		t.Fatal(err)
	}
	top := strconv.FormatInt(pg.Rows[0].Seq, 10)
	if err := e.st.(store.Resetter).Reset(e.ctx); err != nil {
		t.Fatal(err)
	}
	id := e.failed()
	ch := openEvents(t, e.url+"/live?after="+top+"&etop=0&shown=3")
	nextEvent(t, ch, "hello")
	nextEvent(t, ch, "reset")
	if ev := first(nextEvent(t, ch, "rows")); !strings.Contains(ev.data, id) {
		t.Errorf("the delivery stored after the reset is not sent: %.300s", ev.data)
	}
}

// sentAfterReset reads ch until each of ids (stored after a reset) was
// sent, 5 s at most, and returns the data it read.
func sentAfterReset(t *testing.T, ch <-chan sseEvent, ids []string) string {
	t.Helper()
	var got strings.Builder
	deadline := time.After(5 * time.Second)
	for _, id := range ids {
		for !strings.Contains(got.String(), id) {
			select {
			case ev, ok := <-ch:
				if !ok {
					t.Fatal("the stream ended")
				}
				got.WriteString(ev.data)
			case <-deadline:
				t.Fatalf("%s, stored after the reset, not sent in 5s: %.500s", id, got.String())
			}
		}
	}
	return got.String()
}
