package web_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/hookctl/hookctl/internal/store"
	"github.com/hookctl/hookctl/internal/store/sqlite"
	"github.com/hookctl/hookctl/internal/web"
)

// received stores an event without deliveries (what listen received and
// did not forward) and returns its ID.
func (e *liveReplayEnv) received() string {
	e.t.Helper()
	ev := &store.Event{Type: "card.created", Provider: "bond", Payload: []byte(`{}`), ContentType: "application/json", Source: store.SourceReceived}
	if err := e.st.CreateEvent(e.ctx, ev, nil); err != nil {
		e.t.Fatal(err)
	}
	return ev.ID
}

type helloJSON struct {
	Top  int64 `json:"top"`
	Down bool  `json:"down"`
}

// TestLiveFromNowAfterOutage: /live without after= (curl) follows the
// log from now. Opened while the store is down, it says so (hello with
// down, then the store event) and, once the store answers, starts from
// the newest delivery and event then, as it does when opened with the
// store up and as deliveries tail starts: the log's history is not sent.
// Before, the cursors stayed 0 and the first read after the outage sent
// the whole log from seq 1 (deliveries and events without one).
func TestLiveFromNowAfterOutage(t *testing.T) {
	t.Parallel()
	e, out := newOutageEnv(t)
	var old []string
	for range 3 {
		old = append(old, e.failed(), e.received())
	}
	out.down.Store(true)
	ch := openEvents(t, e.url+"/live")
	var h helloJSON
	if ev := first(nextEvent(t, ch, "hello")); json.Unmarshal([]byte(ev.data), &h) != nil || !h.Down {
		t.Errorf("the hello of a stream opened during an outage reads %s, want down", ev.data)
	}
	if n := notice(t, first(nextEvent(t, ch, "store"))); !n.Down || n.Text != outageDown {
		t.Errorf("a stream opened during an outage said %+v", n)
	}
	out.waitFails(t, 3)
	out.down.Store(false)
	ev, rows := nextEvent(t, ch, "store")
	if n := notice(t, ev); n.Down || !outageBack.MatchString(n.Text) {
		t.Errorf("its end said %+v", n)
	}
	// A delivery and an event stored once the store is back are sent
	// (the stream follows on); the rows stored before it opened are not.
	newD, newE := e.failed(), e.received()
	deadline := time.After(5 * time.Second)
	var got []string
	for !strings.Contains(strings.Join(got, ""), newD) || !strings.Contains(strings.Join(got, ""), newE) {
		select {
		case ev, ok := <-ch:
			if !ok {
				t.Fatal("the stream ended")
			}
			rows = append(rows, ev)
			got = append(got, ev.data)
		case <-deadline:
			t.Fatalf("the delivery and event stored after the outage were not sent in 5s; sent: %v", got)
		}
	}
	for _, ev := range rows {
		for _, id := range old {
			if strings.Contains(ev.data, id) {
				t.Errorf("a stream from now sent %s, stored before it opened: %.300s", id, ev.data)
			}
		}
	}
}

// TestLiveCursorParams: after= and etop= are seqs; one that is not is a
// 400 with a one-line reason, not a stream from some other place.
func TestLiveCursorParams(t *testing.T) {
	t.Parallel()
	e := newLiveReplayEnv(t)
	for _, q := range []string{"after=x", "after=-1", "etop=1e3"} {
		resp, err := http.Get(e.url + "/live?" + q)
		if err != nil {
			t.Fatal(err)
		}
		var b [200]byte
		n, _ := resp.Body.Read(b[:])
		resp.Body.Close()
		if resp.StatusCode != 400 || !strings.Contains(string(b[:n]), "invalid ") || strings.Count(strings.TrimSpace(string(b[:n])), "\n") > 0 {
			t.Errorf("/live?%s: %d %q, want 400 with one line", q, resp.StatusCode, b[:n])
		}
	}
}

// TestLiveAfterZeroIsTheStart: after=0 (the page of an empty log hands
// on its cursor 0) reads the log from its start: a delivery stored
// between the page and its stream is sent. Before, 0 meant "from now"
// and that delivery was never shown.
func TestLiveAfterZeroIsTheStart(t *testing.T) {
	t.Parallel()
	e := newLiveReplayEnv(t)
	id := e.failed() // stored after the page of the empty log was read
	ch := openEvents(t, e.url+"/live?after=0&etop=0&shown=0")
	nextEvent(t, ch, "hello")
	if ev := first(nextEvent(t, ch, "rows")); !strings.Contains(ev.data, id) {
		t.Errorf("the first batch lacks %s: %.300s", id, ev.data)
	}
}

// newOutageServer is newOutageEnv with its server, whose connections a
// test can cut.
func newOutageServer(t *testing.T) (*liveReplayEnv, *outageStore, *httptest.Server) {
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
	return &liveReplayEnv{t: t, ctx: context.Background(), st: st, url: srv.URL}, out, srv
}

// TestBrowserLiveReconnectDuringOutage: a tab whose stream reconnects
// while the store is down goes from "reconnecting…" to "waiting for the
// store", never through "live": every state the indicator takes is
// recorded. Before, the new stream's hello said "live" for one poll.
func TestBrowserLiveReconnectDuringOutage(t *testing.T) {
	t.Parallel()
	path := needBrowser(t)
	e, out, srv := newOutageServer(t)
	id := e.failed()
	ind := `[data-testid="live-indicator"]`
	ctx := newBrowser(t, path)
	do(t, ctx, 10*sec, chromedp.Navigate(e.url+"/"), chromedp.WaitVisible(`tr[data-delivery-id="`+id+`"]`), chromedp.WaitVisible(ind+`.on`))
	out.down.Store(true)
	do(t, ctx, 10*sec, chromedp.WaitVisible(ind+`.down`))
	// Every state from now on (a mutation of the indicator is recorded
	// after the task that made it: the hello's, the store event's).
	get(t, ctx, chromedp.Evaluate[bool](`(function(){var i=document.querySelector('`+ind+`');
		window.__states=[];
		new MutationObserver(function(){ window.__states.push(i.className+"|"+i.textContent); })
			.observe(i, {attributes:true, childList:true, characterData:true, subtree:true});
		return true})()`))
	srv.CloseClientConnections()
	get(t, ctx, chromedp.Poll[bool](`(window.__states||[]).some(function(s){return s.indexOf("reconnecting")>=0})
		&& /live down\|waiting for the store$/.test(window.__states[window.__states.length-1])`, chromedp.WithPollingTimeout(8*time.Second)))
	out.waitFails(t, 3) // the new stream goes on reading (and failing)
	states := get(t, ctx, chromedp.Evaluate[[]string](`window.__states`))
	i := 0
	for i < len(states) && !strings.Contains(states[i], "reconnecting") {
		i++
	}
	for _, s := range states[i:] {
		if strings.HasPrefix(s, "live on|") {
			t.Errorf("the indicator said live while the store was down; its states: %q", states)
			break
		}
	}
	out.down.Store(false)
	do(t, ctx, 10*sec, chromedp.WaitVisible(ind+`.on`))
}
