package web_test

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/hookctl/hookctl/internal/store"
	"github.com/hookctl/hookctl/internal/store/sqlite"
	"github.com/hookctl/hookctl/internal/web"
)

// errOutage is what a store's reads say while it is down.
var errOutage = errors.New("dial tcp 127.0.0.1:5432: connect: connection refused\n(a second line)")

// outageStore is a store whose reads the live log makes fail on demand,
// as PostgreSQL stopped or a SQLite file made unreadable would; each
// failed read is counted on fails.
type outageStore struct {
	inspectorStore
	down  atomic.Bool
	fails chan struct{}
}

func (s *outageStore) fail() error {
	if !s.down.Load() {
		return nil
	}
	select {
	case s.fails <- struct{}{}:
	default:
	}
	return errOutage
}

func (s *outageStore) InspectDeliveries(ctx context.Context, q store.InspectQuery) (*store.InspectPage, error) {
	if err := s.fail(); err != nil {
		return nil, err
	}
	return s.inspectorStore.InspectDeliveries(ctx, q)
}

func (s *outageStore) InspectByIDs(ctx context.Context, ids []string) ([]*store.DeliveryRow, error) {
	if err := s.fail(); err != nil {
		return nil, err
	}
	return s.inspectorStore.InspectByIDs(ctx, ids)
}

func (s *outageStore) InspectEvents(ctx context.Context, q store.EventQuery) ([]*store.EventRow, error) {
	if err := s.fail(); err != nil {
		return nil, err
	}
	return s.inspectorStore.InspectEvents(ctx, q)
}

func (s *outageStore) MaxEventSeq(ctx context.Context) (int64, error) {
	if err := s.fail(); err != nil {
		return 0, err
	}
	return s.inspectorStore.MaxEventSeq(ctx)
}

// waitFails waits for n more failed reads (a few of the stream's ticks).
func (s *outageStore) waitFails(t *testing.T, n int) {
	t.Helper()
	timeout := time.After(5 * time.Second)
	for range n {
		select {
		case <-s.fails:
		case <-timeout:
			t.Fatalf("fewer than %d failed reads in 5s", n)
		}
	}
}

// newOutageEnv is a SQLite store behind an outageStore and an inspector
// on it; the env's helpers write to the store itself.
func newOutageEnv(t *testing.T) (*liveReplayEnv, *outageStore) {
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "hookctl.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	out := &outageStore{inspectorStore: st.(inspectorStore), fails: make(chan struct{}, 1)}
	srv := httptest.NewUnstartedServer(nil)
	h, err := web.New(web.Config{Store: out, Addr: srv.Listener.Addr().String(), Poll: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	srv.Config.Handler = h
	srv.Start()
	t.Cleanup(srv.Close)
	return &liveReplayEnv{t: t, ctx: context.Background(), st: st, url: srv.URL}, out
}

// sseEvent is one Server-Sent Event of /live.
type sseEvent struct{ name, data string }

// openEvents opens /live and returns its events (hello first).
func openEvents(t *testing.T, url string) <-chan sseEvent {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	req, _ := http.NewRequestWithContext(ctx, "GET", url, nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	ch := make(chan sseEvent, 100)
	go func() {
		defer close(ch)
		sc := bufio.NewScanner(resp.Body)
		sc.Buffer(nil, 8<<20)
		name := ""
		for sc.Scan() {
			line := sc.Text()
			if ev, ok := strings.CutPrefix(line, "event: "); ok {
				name = ev
			}
			if d, ok := strings.CutPrefix(line, "data: "); ok {
				ch <- sseEvent{name, d}
			}
		}
	}()
	return ch
}

// nextEvent returns the next event named name, and the rows events
// before it.
func nextEvent(t *testing.T, ch <-chan sseEvent, name string) (sseEvent, []sseEvent) {
	t.Helper()
	var rows []sseEvent
	timeout := time.After(5 * time.Second)
	for {
		select {
		case ev, ok := <-ch:
			if !ok {
				t.Fatalf("the stream ended before its %s event", name)
			}
			if ev.name == name {
				return ev, rows
			}
			if ev.name != "rows" {
				t.Fatalf("a %s event (%s) before the %s event", ev.name, ev.data, name)
			}
			rows = append(rows, ev)
		case <-timeout:
			t.Fatalf("no %s event in 5s", name)
		}
	}
}

type storeNoticeJSON struct {
	Down  bool   `json:"down"`
	Error string `json:"error"`
	Text  string `json:"text"`
}

func notice(t *testing.T, ev sseEvent) storeNoticeJSON {
	t.Helper()
	var n storeNoticeJSON
	if err := json.Unmarshal([]byte(ev.data), &n); err != nil {
		t.Fatalf("store event %q: %v", ev.data, err)
	}
	return n
}

const (
	outageDown = "cannot read the delivery log (dial tcp 127.0.0.1:5432: connect: connection refused); waiting for the store"
)

var outageBack = regexp.MustCompile(`^the store is back after [0-9.]+m?s; following on$`)

// TestLiveSaysStoreOutage: a stream whose store stops answering says so
// once (event: store, the error's first line, in deliveries tail's
// words), however many ticks it lasts, and once when it is back; a
// delivery stored meanwhile is sent then. Before, the stream just went
// quiet and the page kept saying "live".
func TestLiveSaysStoreOutage(t *testing.T) {
	t.Parallel()
	e, out := newOutageEnv(t)
	e.failed()
	ch := openEvents(t, e.url+"/live")
	nextEvent(t, ch, "hello")
	out.down.Store(true)
	ev, _ := nextEvent(t, ch, "store")
	if n := notice(t, ev); !n.Down || n.Text != outageDown || n.Error != "dial tcp 127.0.0.1:5432: connect: connection refused" {
		t.Errorf("the outage said %+v, want down with %q", n, outageDown)
	}
	during := e.failed()
	out.waitFails(t, 10) // ten more reads fail: said once only
	out.down.Store(false)
	ev, rows := nextEvent(t, ch, "store")
	if n := notice(t, ev); n.Down || !outageBack.MatchString(n.Text) {
		t.Errorf("its end said %+v, want %q", n, outageBack)
	}
	if len(rows) > 0 {
		t.Errorf("rows sent during the outage: %v", rows)
	}
	ev, _ = nextEvent(t, ch, "rows")
	if !strings.Contains(ev.data, during) {
		t.Errorf("the delivery stored during the outage is not in the first batch after it: %s", ev.data)
	}
}

// TestLiveRetriesShownRowsAfterOutage: a stream that starts while the
// store is down cannot read the settled rows its page shows; it reads
// them once the store is back, so a later replay of one is shown.
// Before, that read was never retried and the replay showed only after
// a reload.
func TestLiveRetriesShownRowsAfterOutage(t *testing.T) {
	t.Parallel()
	e, out := newOutageEnv(t)
	id := e.failed()
	pg, err := e.st.(store.Inspector).InspectDeliveries(e.ctx, store.InspectQuery{Limit: 1})
	if err != nil || len(pg.Rows) != 1 {
		t.Fatal(pg, err)
	}
	out.down.Store(true)
	ch := openEvents(t, e.url+"/live?after="+strconv.FormatInt(pg.Rows[0].Seq, 10)+"&shown=1")
	nextEvent(t, ch, "hello")
	if n := notice(t, first(nextEvent(t, ch, "store"))); !n.Down {
		t.Fatalf("a stream started during an outage said %+v", n)
	}
	out.down.Store(false)
	nextEvent(t, ch, "store")
	e.replay(id)
	timeout := time.After(5 * time.Second)
	for {
		select {
		case ev, ok := <-ch:
			if !ok {
				t.Fatal("the stream ended")
			}
			var b liveBatchJSON
			if ev.name == "rows" && json.Unmarshal([]byte(ev.data), &b) == nil && updated(id, "pending")(b) {
				return
			}
		case <-timeout:
			t.Fatal("the replay of the row the page shows was not sent in 5s")
		}
	}
}

func first(ev sseEvent, _ []sseEvent) sseEvent { return ev }

// TestBrowserLiveSaysStoreOutage: the page's live indicator says
// "waiting for the store" (text, and the error in its title) while the
// store cannot be read, its rows stay, and it says "live" again when the
// store is back, with the delivery stored meanwhile shown. Before, it
// said "live" all along.
func TestBrowserLiveSaysStoreOutage(t *testing.T) {
	t.Parallel()
	path := needBrowser(t)
	e, out := newOutageEnv(t)
	id := e.failed()
	ind := `[data-testid="live-indicator"]`
	ctx := newBrowser(t, path)
	do(t, ctx, 10*sec, chromedp.Navigate(e.url+"/"), chromedp.WaitVisible(`tr[data-delivery-id="`+id+`"]`), chromedp.WaitVisible(ind+`.on`))
	out.down.Store(true)
	do(t, ctx, 10*sec, chromedp.WaitVisible(ind+`.down`))
	got := get(t, ctx, chromedp.Evaluate[string](`(function(){var i=document.querySelector('`+ind+`');
		return i.textContent + "|" + i.title + "|" + document.querySelectorAll('#rows tr').length})()`))
	if want := "waiting for the store|" + outageDown + "|1"; got != want {
		t.Errorf("during the outage the page reads %q, want %q", got, want)
	}
	during := e.failed()
	out.down.Store(false)
	do(t, ctx, 10*sec, chromedp.WaitVisible(ind+`.on`), chromedp.WaitVisible(`tr[data-delivery-id="`+during+`"]`))
	got = get(t, ctx, chromedp.Evaluate[string](`(function(){var i=document.querySelector('`+ind+`');
		return i.textContent + "|" + i.title})()`))
	if text, title, _ := strings.Cut(got, "|"); text != "live" || !outageBack.MatchString(title) {
		t.Errorf("after the outage the indicator reads %q", got)
	}
}
