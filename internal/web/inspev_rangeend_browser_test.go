package web_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/hookctl/hookctl/internal/store/sqlite"
	"github.com/hookctl/hookctl/internal/web"
)

// TestBrowserInspevRangeEnds: in headless Chromium, a log whose To is
// still to come is live, streams in a delivery of its range, and once To
// has passed says the range ended and closes its stream (the server
// counts the streams open); a past window's page showing a pending row
// opens a stream for it alone, the row turns succeeded when its delivery
// settles (without a reload), and the stream then closes. Before, the
// first page stayed "live" with its stream open after To, and the second
// opened no stream: its row stayed pending.
func TestBrowserInspevRangeEnds(t *testing.T) {
	t.Parallel()
	path := needBrowser(t)
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "hookctl.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	var open atomic.Int64
	srv := httptest.NewUnstartedServer(nil)
	h, err := web.New(web.Config{Store: st, Addr: srv.Listener.Addr().String(), Poll: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	srv.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/live" {
			open.Add(1)
			defer open.Add(-1)
		}
		h.ServeHTTP(w, r)
	})
	srv.Start()
	t.Cleanup(srv.Close)
	ctx := newBrowser(t, path)
	waitJS := func(cond string) {
		t.Helper()
		get(t, ctx, chromedp.Poll[bool](cond, chromedp.WithPollingTimeout(20*time.Second)))
	}
	waitOpen := func(n int64) {
		t.Helper()
		for deadline := time.Now().Add(20 * time.Second); open.Load() != n; time.Sleep(20 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("%d streams open, want %d", open.Load(), n)
			}
		}
	}
	// To in 3 s: live, then ended.
	to := time.Now().Add(3 * time.Second)
	do(t, ctx, 10*sec, chromedp.Navigate(srv.URL+"/?"+url.Values{"from": {"1h"}, "to": {to.UTC().Format(time.RFC3339Nano)}}.Encode()),
		chromedp.WaitVisible(`[data-testid="live-indicator"].on`))
	id, _ := inspevPending(t, st, time.Now())
	waitJS(`document.querySelector('tr[data-delivery-id="` + id + `"]') !== null`)
	inspevSettle(t, st, id)
	waitJS(`(document.querySelector('tr[data-delivery-id="` + id + `"]')||{dataset:{}}).dataset.status === 'succeeded'`)
	waitJS(`document.getElementById('live').textContent === ` + jsString("not live: the time range ended at "+to.Local().Format("15:04:05")) +
		` && document.getElementById('live').className === 'live paused'`)
	if time.Now().Before(to) {
		t.Errorf("the page said the range ended before To")
	}
	waitOpen(0)
	// A past window with a pending row.
	pend, _ := inspevPending(t, st, time.Now().Add(-90*time.Minute))
	do(t, ctx, 10*sec, chromedp.Navigate(srv.URL+"/?from=2h&to=1h"), chromedp.WaitVisible(`tr[data-delivery-id="`+pend+`"]`))
	waitJS(`document.getElementById('live').textContent.indexOf('not live: the time range ended') === 0 && document.querySelector('tr[data-delivery-id="` + pend + `"]').dataset.status === 'pending'`)
	waitOpen(1)
	inspevSettle(t, st, pend)
	waitJS(`document.querySelector('tr[data-delivery-id="` + pend + `"]').dataset.status === 'succeeded' && document.getElementById('live').textContent.indexOf('not live: the time range ended') === 0`)
	waitOpen(0)
}
