package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/hookctl/hookctl/internal/store"
	"github.com/hookctl/hookctl/internal/store/sqlite"
	"github.com/hookctl/hookctl/internal/web"
)

// inspevPage waits for the events stream's next page event and returns
// its rows (ok false: the stream ended first); the events met on the way
// are counted in seen.
func inspevPage(t *testing.T, ch <-chan inspevSSE, seen map[string]int) (rows string, ok bool) {
	t.Helper()
	for {
		ev := inspevNext(t, ch)
		seen[ev.name]++
		switch ev.name {
		case "":
			return "", false
		case "page":
			var b struct{ Rows string }
			if err := json.Unmarshal([]byte(ev.data), &b); err != nil {
				t.Fatal(err)
			}
			return b.Rows, true
		}
	}
}

// inspevEvent stores an event of type typ (provider bond, received,
// valid) created at, with one delivery in status (none: "").
func inspevEvent(t *testing.T, st store.Store, id, typ, status string, at time.Time) string {
	t.Helper()
	e := &store.Event{ID: id, Type: typ, Provider: "bond", Payload: []byte(`{}`), ContentType: "application/json",
		Source: store.SourceReceived, Verdict: "valid", CreatedAt: at}
	var ds []*store.Delivery
	if status != "" {
		ds = append(ds, &store.Delivery{URL: "http://127.0.0.1:9/x", Status: status, MaxAttempts: 3, CreatedAt: at, UpdatedAt: at, NextAttemptAt: at})
	}
	if err := st.CreateEvent(context.Background(), e, ds); err != nil {
		t.Fatal(err)
	}
	if len(ds) > 0 {
		return ds[0].ID
	}
	return ""
}

// TestInspevEventsLive: the events page's stream (/live/events, with the
// page's filters) sends the first page again when it changed: a new
// event that matches the filters appears, one that does not never does,
// and an event's pending delivery turns succeeded. Before, the events
// page was not live (no stream: 404).
func TestInspevEventsLive(t *testing.T) {
	t.Parallel()
	_, srv, st := newHandler(t)
	inspevEventsLive(t, srv.URL, st)
}

func inspevEventsLive(t *testing.T, base string, st store.Store) {
	inspevEvent(t, st, "evt_inspev_live_old", "card.created", "", time.Now())
	ch := inspevStreamAt(t, base+"/live/events?type=card.*")
	seen := map[string]int{}
	rows, ok := inspevPage(t, ch, seen)
	if !ok || seen["hello"] != 1 || !strings.Contains(rows, "evt_inspev_live_old") {
		t.Fatalf("first page %v %v: %.300s", ok, seen, rows)
	}
	inspevEvent(t, st, "evt_inspev_live_kyc", "kyc.verification.success", "", time.Now())
	pend := inspevEvent(t, st, "evt_inspev_live_new", "card.created", store.DeliveryPending, time.Now())
	for !strings.Contains(rows, "evt_inspev_live_new") {
		if rows, ok = inspevPage(t, ch, seen); !ok {
			t.Fatal("the stream ended")
		}
		if strings.Contains(rows, "evt_inspev_live_kyc") {
			t.Fatal("an event the filters leave out was sent")
		}
	}
	if !strings.Contains(rows, `1 pending`) {
		t.Errorf("the new event's pending delivery is not shown: %.500s", rows)
	}
	inspevSettle(t, st, pend)
	for !strings.Contains(rows, "1 succeeded") {
		if rows, ok = inspevPage(t, ch, seen); !ok {
			t.Fatal("the stream ended")
		}
	}
	if seen["ended"]+seen["done"] != 0 {
		t.Errorf("a stream without a range end ended: %v", seen)
	}
}

// TestInspevEventsLiveRangeEnds: the events stream of a range whose To
// is to come says it ended once To passed and ends (nothing pending);
// that of a past window says so at once, sends the page again when an
// event's pending delivery settles, then ends; one whose filters cannot
// be used is a 400.
func TestInspevEventsLiveRangeEnds(t *testing.T) {
	t.Parallel()
	_, srv, st := newHandler(t)
	inspevEventsLiveRangeEnds(t, srv.URL, st)
}

func inspevEventsLiveRangeEnds(t *testing.T, base string, st store.Store) {
	to := time.Now().Add(time.Second)
	ch := inspevStreamAt(t, base+"/live/events?"+url.Values{"to": {to.UTC().Format(time.RFC3339Nano)}}.Encode())
	seen := map[string]int{}
	for {
		if _, ok := inspevPage(t, ch, seen); !ok {
			break
		}
	}
	if seen["ended"] != 1 || seen["done"] != 1 || time.Now().Before(to) {
		t.Errorf("a range to come: events %v, want it ended and done after To", seen)
	}
	pend := inspevEvent(t, st, "evt_inspev_live_past", "card.created", store.DeliveryPending, time.Now().Add(-90*time.Minute))
	ch = inspevStreamAt(t, base+"/live/events?from=2h&to=1h")
	if ev := inspevNext(t, ch); ev.name != "hello" || !strings.Contains(ev.data, `"ended":"not live: the time range ended at `) {
		t.Fatalf("past window: first event %+v", ev)
	}
	seen = map[string]int{}
	rows, _ := inspevPage(t, ch, seen)
	if !strings.Contains(rows, "1 pending") {
		t.Fatalf("past window: first page %.300s", rows)
	}
	inspevSettle(t, st, pend)
	if rows, ok := inspevPage(t, ch, seen); !ok || !strings.Contains(rows, "1 succeeded") {
		t.Errorf("past window: the settled delivery was not sent (%v): %.300s", ok, rows)
	}
	if ev := inspevNext(t, ch); ev.name != "done" {
		t.Errorf("past window: %+v after the last pending settled, want done", ev)
	}
	req, _ := http.NewRequest("GET", base+"/live/events?type=card*", nil)
	if code, body, _ := send(t, req); code != 400 || !strings.Contains(body, "card*") {
		t.Errorf("a type that cannot match: %d %s", code, body)
	}
	// Filters that match nothing: the page says so, as the page does.
	ch = inspevStreamAt(t, base+"/live/events?type=loan.*")
	if rows, ok := inspevPage(t, ch, seen); !ok || !strings.Contains(rows, "No events match these filters.") {
		t.Errorf("an empty filtered page: %v %.300s", ok, rows)
	}
}

// TestBrowserInspevEventsLive: in headless Chromium the events page's
// first page is live: an event that matches its filters appears at the
// top without a reload, one that does not stays out, and an event's
// pending delivery turns succeeded; an older page opens no stream.
func TestBrowserInspevEventsLive(t *testing.T) {
	t.Parallel()
	path := needBrowser(t)
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "hookctl.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	var started atomic.Int64
	srv := httptest.NewUnstartedServer(nil)
	h, err := web.New(web.Config{Store: st, Addr: srv.Listener.Addr().String(), Poll: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	srv.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/live/events" {
			started.Add(1)
		}
		h.ServeHTTP(w, r)
	})
	srv.Start()
	t.Cleanup(srv.Close)
	for i := range 101 {
		inspevEvent(t, st, fmt.Sprintf("evt_inspev_b%03d", i), "card.created", "", time.Now().Add(-time.Hour))
	}
	ctx := newBrowser(t, path)
	waitJS := func(cond string) {
		t.Helper()
		get(t, ctx, chromedp.Poll[bool](cond, chromedp.WithPollingTimeout(20*time.Second)))
	}
	do(t, ctx, 10*sec, chromedp.Navigate(srv.URL+"/events?type=card.*"), chromedp.WaitVisible(`[data-testid="live-indicator"].on`))
	inspevEvent(t, st, "evt_inspev_b_kyc", "kyc.verification.success", "", time.Now())
	pend := inspevEvent(t, st, "evt_inspev_b_new", "card.created", store.DeliveryPending, time.Now())
	waitJS(`(document.querySelector('[data-testid="event-row"]')||{dataset:{}}).dataset.eventId === 'evt_inspev_b_new'`)
	if get(t, ctx, chromedp.Evaluate[bool](`document.querySelector('tr[data-event-id="evt_inspev_b_kyc"]') !== null`)) {
		t.Error("an event the filters leave out appeared")
	}
	inspevSettle(t, st, pend)
	waitJS(`document.querySelector('tr[data-event-id="evt_inspev_b_new"] [data-testid="event-deliveries"]').textContent.indexOf('1 succeeded') >= 0`)
	// The older page: no stream.
	n := started.Load()
	do(t, ctx, 10*sec, chromedp.Click(`[data-testid="events-older"]`), chromedp.WaitVisible(`[data-testid="events-newer"]`))
	if get(t, ctx, chromedp.Evaluate[bool](`document.getElementById('live') !== null`)) || started.Load() != n {
		t.Error("an older page of events is live")
	}
}
