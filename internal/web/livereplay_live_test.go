package web_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/hookctl/hookctl/internal/service"
	"github.com/hookctl/hookctl/internal/store"
	"github.com/hookctl/hookctl/internal/store/sqlite"
	"github.com/hookctl/hookctl/internal/web"
)

// liveReplayEnv is a store, an inspector on it and helpers that settle,
// replay and record attempts as hookctl replay does.
type liveReplayEnv struct {
	t   *testing.T
	ctx context.Context
	st  store.Store
	url string
	n   int
}

func newLiveReplayEnv(t *testing.T) *liveReplayEnv {
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "hookctl.db"))
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
}

// failed stores a delivery that failed its one attempt.
func (e *liveReplayEnv) failed() string {
	e.t.Helper()
	d := &store.Delivery{URL: "http://127.0.0.1:9/x", Scheme: "bond", Secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
		Status: store.DeliveryFailed, AttemptCount: 1, MaxAttempts: 1, Schedule: "0s", LastStatus: 500, LastError: "HTTP 500"}
	ev := &store.Event{Type: "card.created", Provider: "bond", Payload: []byte(`{}`), ContentType: "application/json"}
	if err := e.st.CreateEvent(e.ctx, ev, []*store.Delivery{d}); err != nil {
		e.t.Fatal(err)
	}
	return d.ID
}

// replay requeues id (pending again), then, when code is set, records
// the replay's attempt with that answer.
func (e *liveReplayEnv) replay(id string) { requeue(e.t, e.st, id) }

func (e *liveReplayEnv) answer(id string, code int) {
	e.n++
	answer(e.t, e.st, id, code, e.n)
}

// requeue makes a settled delivery pending again, as a replay does.
func requeue(t *testing.T, st store.Store, id string) {
	t.Helper()
	if got, err := st.Requeue(context.Background(), []string{id}, store.Requeue{ExtraAttempts: 1, Force: true, Now: time.Now()}); err != nil || len(got) != 1 {
		t.Fatalf("requeue %s: %v %v", id, got, err)
	}
}

// answer records the replay's attempt of id with this answer (claimed by
// an owner of its own, n: a different one each call).
func answer(t *testing.T, st store.Store, id string, code, n int) {
	t.Helper()
	ctx := context.Background()
	d, err := st.GetDelivery(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	owner := fmt.Sprintf("replay%d", n)
	ds, err := st.ClaimDue(ctx, owner, time.Now().Add(time.Duration(n)*time.Hour), time.Minute, 1000, "")
	if err != nil || len(ds) == 0 {
		t.Fatalf("claim %s: %v", id, err)
	}
	a := &store.Attempt{DeliveryID: id, Number: d.AttemptCount + 1, StartedAt: time.Now(), Duration: time.Millisecond,
		RequestURL: d.URL, RequestMethod: "POST", ResponseStatus: code, Manual: true}
	u := store.DeliveryUpdate{Status: store.DeliverySucceeded, LastStatus: code}
	if code >= 300 {
		u.Status, u.LastError = store.DeliveryFailed, fmt.Sprintf("HTTP %d", code)
	}
	if err := st.RecordAttempt(ctx, owner, a, u); err != nil {
		t.Fatal(err)
	}
}

type liveUpdate struct {
	ID     string `json:"id"`
	HTML   string `json:"html"`
	Remove bool   `json:"remove"`
}

// liveStream is an open /live stream; its batches arrive on a channel.
type liveStream struct {
	t       *testing.T
	batches chan liveBatchJSON
}

type liveBatchJSON struct {
	Rows    string       `json:"rows"`
	Updates []liveUpdate `json:"updates"`
}

func (e *liveReplayEnv) open(query string) *liveStream {
	e.t.Helper()
	ctx, cancel := context.WithCancel(e.ctx)
	e.t.Cleanup(cancel)
	req, _ := http.NewRequestWithContext(ctx, "GET", e.url+"/live"+query, nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(func() { resp.Body.Close() })
	s := &liveStream{t: e.t, batches: make(chan liveBatchJSON, 100)}
	hello := make(chan bool)
	go func() {
		defer close(s.batches)
		sc := bufio.NewScanner(resp.Body)
		sc.Buffer(nil, 8<<20)
		event := ""
		for sc.Scan() {
			line := sc.Text()
			if ev, ok := strings.CutPrefix(line, "event: "); ok {
				event = ev
				if ev == "hello" {
					close(hello)
				}
			}
			if d, ok := strings.CutPrefix(line, "data: "); ok && event == "rows" {
				var b liveBatchJSON
				if err := json.Unmarshal([]byte(d), &b); err == nil {
					s.batches <- b
				}
			}
		}
	}()
	select { // the stream has started: its cursor and rows are set
	case <-hello:
	case <-time.After(5 * time.Second):
		e.t.Fatal("no hello in 5s")
	}
	return s
}

// next waits for a batch whose rows or updates say cond, and returns the
// updates of the batches up to it.
func (s *liveStream) next(what string, cond func(liveBatchJSON) bool) []liveUpdate {
	s.t.Helper()
	var ups []liveUpdate
	timeout := time.After(5 * time.Second)
	for {
		select {
		case b, ok := <-s.batches:
			if !ok {
				s.t.Fatalf("the stream ended before %s", what)
			}
			ups = append(ups, b.Updates...)
			if cond(b) {
				return ups
			}
		case <-timeout:
			s.t.Fatalf("no %s in 5s (updates: %+v)", what, ups)
		}
	}
}

// all waits until each cond was true of a batch.
func (s *liveStream) all(what string, conds ...func(liveBatchJSON) bool) {
	s.t.Helper()
	seen := make([]bool, len(conds))
	s.next(what, func(b liveBatchJSON) bool {
		done := true
		for i, c := range conds {
			seen[i] = seen[i] || c(b)
			done = done && seen[i]
		}
		return done
	})
}

func updated(id, status string) func(liveBatchJSON) bool {
	return func(b liveBatchJSON) bool {
		for _, u := range b.Updates {
			if u.ID == id && strings.Contains(u.HTML, `data-status="`+status+`"`) {
				return true
			}
		}
		return false
	}
}

// TestLiveShowsReplayOfSettledRow: a tab open on a failed delivery (on
// the page it started on, and one the stream sent) sees a replay of it
// without reloading: the row turns pending, then shows the replay's
// outcome and attempt count. Before, the stream re-read only the rows
// that were pending and the row stayed "failed" until a reload.
func TestLiveShowsReplayOfSettledRow(t *testing.T) {
	t.Parallel()
	e := newLiveReplayEnv(t)
	onPage := e.failed()
	s := e.open("")
	sent := e.failed()
	s.next("the new failed row", func(b liveBatchJSON) bool { return strings.Contains(b.Rows, sent) })

	e.replay(onPage)
	e.replay(sent)
	s.all("both rows pending", updated(onPage, "pending"), updated(sent, "pending"))
	e.answer(onPage, 200)
	e.answer(sent, 503)
	s.all("their replays' outcomes", updated(onPage, "succeeded"), updated(sent, "failed"), func(b liveBatchJSON) bool {
		for _, u := range b.Updates {
			if u.ID == onPage && strings.Contains(u.HTML, `<td class="num">2/2</td>`) {
				return true // the replay's attempt counted
			}
		}
		return false
	})
	// Settled again: a second replay comes too.
	e.replay(onPage)
	e.answer(onPage, 200)
	ups := s.next("the second replay", func(b liveBatchJSON) bool {
		for _, u := range b.Updates {
			if u.ID == onPage && strings.Contains(u.HTML, `<td class="num">3/3</td>`) {
				return true
			}
		}
		return false
	})
	for _, u := range ups {
		if u.ID == onPage && u.Remove {
			t.Errorf("row removed: %+v", u)
		}
	}
}

// TestLiveReplayLeavesStatusFilter: in a status=failed log, a failed row
// replayed is no longer failed: it leaves the page, as a pending row that
// settled otherwise does.
func TestLiveReplayLeavesStatusFilter(t *testing.T) {
	t.Parallel()
	e := newLiveReplayEnv(t)
	id := e.failed()
	s := e.open("?status=failed")
	e.replay(id)
	s.next("the row removed", func(b liveBatchJSON) bool {
		for _, u := range b.Updates {
			if u.ID == id && u.Remove {
				return true
			}
		}
		return false
	})
}

// TestBrowserLiveShowsReplay: a log page showing a failed delivery, left
// open while the delivery is replayed elsewhere (the CLI, another tab):
// its row turns pending while the app holds the replay's request, then
// succeeded with its second attempt counted, without a reload; a row
// picked for a diff stays picked. Before, it stayed "failed" until the
// page was reloaded.
func TestBrowserLiveShowsReplay(t *testing.T) {
	t.Parallel()
	path := needBrowser(t)
	e := newEnv(t)
	// The app fails the first request; it holds the next until the row
	// was seen pending, then takes it.
	hold := make(chan struct{})
	var calls atomic.Int32
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) == 1 {
			http.Error(w, "broken", http.StatusInternalServerError)
			return
		}
		select {
		case <-hold:
		case <-r.Context().Done():
		}
		w.Write([]byte("ok"))
	}))
	defer app.Close()
	var once sync.Once
	release := func() { once.Do(func() { close(hold) }) }
	defer release()
	pub, err := e.disp.Trigger(context.Background(), service.TriggerInput{Type: "card.created", Provider: "bond",
		Target: service.Target{URL: app.URL + "/webhooks", Secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", Schedule: []time.Duration{0}}})
	if err != nil {
		t.Fatal(err)
	}
	id := pub.Deliveries[0].ID
	if d := e.waitDelivery(t, id, 1); d.Status != store.DeliveryFailed {
		t.Fatalf("delivery %s, want failed", d.Status)
	}
	row := `tr[data-delivery-id="` + id + `"]`
	ctx := newBrowser(t, path)
	do(t, ctx, 10*sec, chromedp.Navigate(e.url+"/"), chromedp.WaitVisible(row+`[data-status="failed"]`),
		chromedp.WaitVisible(`[data-testid="live-indicator"].on`), chromedp.Click(row+` input[name="pick"]`))
	requeue(t, e.st, id) // the replay: the inspector's engine sends it
	do(t, ctx, 10*sec, chromedp.WaitVisible(row+`[data-status="pending"]`))
	release()
	do(t, ctx, 10*sec, chromedp.WaitVisible(row+`[data-status="succeeded"]`))
	got := get(t, ctx, chromedp.Evaluate[string](`document.querySelector('`+row+` td:nth-child(7)').textContent + " " +
		String(document.querySelector('`+row+` input[name="pick"]').checked) + " " + document.querySelectorAll('#rows tr').length`))
	if got != "2/2 true 1" {
		t.Errorf("the replayed row reads %q, want attempts 2/2, still picked, the one row", got)
	}
}

// TestLiveStreamStartsAfterReplay: a page rendered while its row was
// failed, whose stream starts once a replay made the row pending (the
// page does not say it pending): the row is re-read as pending, and
// updated.
func TestLiveStreamStartsAfterReplay(t *testing.T) {
	t.Parallel()
	e := newLiveReplayEnv(t)
	id := e.failed()
	e.replay(id)
	s := e.open("")
	s.next("the row pending", updated(id, "pending"))
	e.answer(id, 200)
	s.next("the row succeeded", updated(id, "succeeded"))
}

// TestLiveResync: a tab that reconnects (resync=1: it may have missed a
// replay while away) gets each settled row it shows once; a tab's first
// stream does not, only the rows that change.
func TestLiveResync(t *testing.T) {
	t.Parallel()
	e := newLiveReplayEnv(t)
	a, b := e.failed(), e.failed()
	plain := e.open("")
	again := e.open("?resync=1")
	again.all("both rows", updated(a, "failed"), updated(b, "failed"))
	e.replay(b)
	for _, u := range plain.next("the replayed row", updated(b, "pending")) {
		if u.ID == a {
			t.Errorf("the first stream sent the unchanged row %s: %+v", a, u)
		}
	}
}

// cutLive serves the inspector, and cuts its live streams on demand:
// down cancels those open and refuses new ones (503) until up.
type cutLive struct {
	h       http.Handler
	mu      sync.Mutex
	down    bool
	cancels []context.CancelFunc
	urls    []string // the /live requests, as asked
}

func (c *cutLive) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/live" {
		c.h.ServeHTTP(w, r)
		return
	}
	ctx, cancel := context.WithCancel(r.Context())
	defer cancel()
	c.mu.Lock()
	c.urls = append(c.urls, r.URL.RawQuery)
	down := c.down
	c.cancels = append(c.cancels, cancel)
	c.mu.Unlock()
	if down {
		http.Error(w, "down", http.StatusServiceUnavailable)
		return
	}
	c.h.ServeHTTP(w, r.WithContext(ctx))
}

func (c *cutLive) setDown(down bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.down = down
	if down {
		for _, cancel := range c.cancels {
			cancel()
		}
	}
}

// TestBrowserLiveReconnectShowsMissedReplay: a tab whose stream was cut
// while a delivery it shows was replayed shows the replay's outcome once
// it reconnects (it asks with resync=1), without a reload.
func TestBrowserLiveReconnectShowsMissedReplay(t *testing.T) {
	t.Parallel()
	path := needBrowser(t)
	e := newLiveReplayEnv(t) // for its store and helpers; its server is not used
	srv := httptest.NewUnstartedServer(nil)
	h, err := web.New(web.Config{Store: e.st, Addr: srv.Listener.Addr().String(), Poll: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	cut := &cutLive{h: h}
	srv.Config.Handler = cut
	srv.Start()
	t.Cleanup(srv.Close)
	id := e.failed()
	row := `tr[data-delivery-id="` + id + `"]`
	ind := `[data-testid="live-indicator"]`
	ctx := newBrowser(t, path)
	do(t, ctx, 10*sec, chromedp.Navigate(srv.URL+"/"), chromedp.WaitVisible(row+`[data-status="failed"]`), chromedp.WaitVisible(ind+`.on`))
	cut.setDown(true)
	do(t, ctx, 10*sec, chromedp.WaitVisible(ind+`.off`))
	e.replay(id)
	e.answer(id, 200)
	cut.setDown(false)
	do(t, ctx, 10*sec, chromedp.WaitVisible(ind+`.on`), chromedp.WaitVisible(row+`[data-status="succeeded"]`))
	cut.mu.Lock()
	defer cut.mu.Unlock()
	if last := cut.urls[len(cut.urls)-1]; !strings.Contains(last, "resync=1") || strings.Contains(cut.urls[0], "resync") {
		t.Errorf("/live asked as %q", cut.urls)
	}
}

// TestLiveShownBoundsTheRead: a page of one row (shown=1) has only the
// newest settled row re-read, not the older ones it does not show.
func TestLiveShownBoundsTheRead(t *testing.T) {
	t.Parallel()
	e := newLiveReplayEnv(t)
	older, newest := e.failed(), e.failed()
	s := e.open("?shown=1&resync=1")
	for _, u := range s.next("the newest row", updated(newest, "failed")) {
		if u.ID == older {
			t.Errorf("a row the page does not show was sent: %+v", u)
		}
	}
}
