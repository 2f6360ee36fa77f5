package web_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/hookctl/hookctl/internal/store/sqlite"
	"github.com/hookctl/hookctl/internal/web"
)

// TestBrowserInsptimeRange: in headless Chromium, From and To set in
// the log's form show the deliveries of the range only, put it in the
// address, say what it stands for, and a range that ended closes the
// page's stream and opens none (the server counts the streams: a page
// with no stream open gets no live rows), while a delivery stored
// meanwhile stays out; a bad value is said under the form; Back goes to
// the log before the range, which shows the new delivery; a range with
// only a start streams it in.
func TestBrowserInsptimeRange(t *testing.T) {
	t.Parallel()
	path := needBrowser(t)
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "hookctl.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	var started, open atomic.Int64
	srv := httptest.NewUnstartedServer(nil)
	h, err := web.New(web.Config{Store: st, Addr: srv.Listener.Addr().String(), Poll: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	srv.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/live" {
			started.Add(1)
			open.Add(1)
			defer open.Add(-1)
		}
		h.ServeHTTP(w, r)
	})
	srv.Start()
	t.Cleanup(srv.Close)
	now := time.Now()
	old, mid, recent := now.Add(-3*time.Hour), now.Add(-90*time.Minute), now.Add(-5*time.Minute)
	ids, _ := insptimeSeed(t, st, 2, old, mid, recent)
	ctx := newBrowser(t, path)
	rowsJS := `Array.from(document.querySelectorAll('[data-testid="delivery-row"]')).map(function(r){return r.dataset.deliveryId}).sort().join(',')`
	setRange := func(from, to string) {
		t.Helper()
		get(t, ctx, chromedp.Evaluate[bool](`(function(){var f=document.querySelector('input[name="from"]'),t=document.querySelector('input[name="to"]');
			f.value=`+jsString(from)+`;t.value=`+jsString(to)+`;t.dispatchEvent(new Event('change',{bubbles:true}));return true})()`))
	}
	waitJS := func(cond string) {
		t.Helper()
		get(t, ctx, chromedp.Poll[bool](cond, chromedp.WithPollingTimeout(10*time.Second)))
	}
	joined := func(v []string) string {
		s := append([]string(nil), v...)
		for i := range s {
			for j := i + 1; j < len(s); j++ {
				if s[j] < s[i] {
					s[i], s[j] = s[j], s[i]
				}
			}
		}
		return strings.Join(s, ",")
	}
	do(t, ctx, 10*sec, chromedp.Navigate(srv.URL+"/"), chromedp.WaitVisible(`[data-testid="live-indicator"].on`))
	// The last two hours to the last hour: the middle rows only.
	setRange("2h", "1h")
	waitJS(`location.search === '?from=2h&to=1h' && ` + rowsJS + ` === ` + jsString(joined(ids[mid])))
	waitJS(`document.getElementById('live').textContent.indexOf('not live: the time range ended') === 0 && !document.getElementById('range').hidden`)
	// The stream the page had is closed, and none opened since.
	before := started.Load()
	for deadline := time.Now().Add(10 * time.Second); open.Load() != 0; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%d streams still open for a range that ended", open.Load())
		}
	}
	fresh, _ := insptimeSeed(t, st, 1, time.Now())
	var freshID string
	for _, v := range fresh {
		freshID = v[0]
	}
	if n := started.Load(); n != before || open.Load() != 0 {
		t.Errorf("a range that ended: %d streams opened, %d open, want none", n-before, open.Load())
	}
	if got := get(t, ctx, chromedp.Evaluate[string](rowsJS)); got != joined(ids[mid]) {
		t.Errorf("rows of the range changed: %s", got)
	}
	// The same page loaded from its address opens no stream either.
	before = started.Load()
	do(t, ctx, 10*sec, chromedp.Navigate(srv.URL+"/?from=2h&to=1h"), chromedp.WaitVisible(`[data-testid="range"]`))
	waitJS(rowsJS + ` === ` + jsString(joined(ids[mid])) + ` && document.querySelector('input[name="from"]').value === '2h'`)
	if n := started.Load(); n != before {
		t.Errorf("the page of a range that ended opened %d streams", n-before)
	}
	// A bad value: said under the form, the field marked.
	setRange("yesterday", "")
	waitJS(`(document.querySelector('[data-testid="filter-error"]')||{}).textContent === 'From: invalid time "yesterday": want a duration ago (1h, 7d) or an RFC 3339 date or time (2026-11-30, 2026-11-30T12:00:00Z)' &&
		document.querySelector('input[name="from"]').getAttribute('aria-invalid') === 'true' && !document.querySelector('input[name="to"]').hasAttribute('aria-invalid') && ` + rowsJS + ` === ''`)
	// Back: the page before (the range that ended, from its address).
	get(t, ctx, chromedp.Evaluate[bool](`setTimeout(function(){history.back()}, 0), true`))
	// The page reloads (popstate): polled again across the navigation.
	backed := `location.search === '?from=2h&to=1h' && document.readyState === 'complete' && document.querySelector('input[name="from"]').value === '2h'`
	for deadline := time.Now().Add(10 * time.Second); ; {
		c, cancel := context.WithTimeout(ctx, 2*time.Second)
		_, err := chromedp.Run(c, chromedp.Poll[bool](backed, chromedp.WithPollingTimeout(2*time.Second)))
		cancel()
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("back: %v", err)
		}
	}
	// Only a start: the recent rows, and the new delivery streams in.
	setRange("10m", "")
	waitJS(`location.search === '?from=10m' && document.querySelector('[data-testid="live-indicator"].on') !== null`)
	waitJS(rowsJS + ` === ` + jsString(joined(append(append([]string{}, ids[recent]...), freshID))))
	more, _ := insptimeSeed(t, st, 1, time.Now())
	for _, v := range more {
		waitJS(`document.querySelector('tr[data-delivery-id="` + v[0] + `"]') !== null`)
	}
}

// jsString is s as a JavaScript string literal.
func jsString(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `'`, `\'`, "\n", `\n`)
	return "'" + r.Replace(s) + "'"
}
