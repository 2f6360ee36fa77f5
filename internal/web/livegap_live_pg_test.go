package web_test

import (
	"bufio"
	"context"
	"encoding/json"
	"html"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/jackc/pgx/v5"

	"github.com/hookctl/hookctl/internal/service"
	"github.com/hookctl/hookctl/internal/store"
	"github.com/hookctl/hookctl/internal/store/postgres"
	"github.com/hookctl/hookctl/internal/store/postgres/pgtest"
	"github.com/hookctl/hookctl/internal/web"
)

// livegapEnv is an inspector on a fresh PostgreSQL schema, with a second
// connection that plays a slow writer (a transaction left open).
type livegapEnv struct {
	t    *testing.T
	ctx  context.Context
	db   *postgres.DB
	conn *pgx.Conn
	srv  *httptest.Server
}

func newLivegapEnv(t *testing.T) *livegapEnv { return newLivegapEnvWrapped(t, nil) }

// newLivegapEnvWrapped serves the inspector through wrap.
func newLivegapEnvWrapped(t *testing.T, wrap func(http.Handler) http.Handler) *livegapEnv {
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
	srv := httptest.NewUnstartedServer(nil)
	h, err := web.New(web.Config{Store: db, Addr: srv.Listener.Addr().String(), Poll: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	srv.Config.Handler = h
	if wrap != nil {
		srv.Config.Handler = wrap(h)
	}
	srv.Start()
	t.Cleanup(srv.Close)
	return &livegapEnv{t: t, ctx: ctx, db: db, conn: conn, srv: srv}
}

// publish stores an event of type typ with one delivery and returns the
// delivery's ID.
func (e *livegapEnv) publish(typ string) string {
	d := &service.Dispatcher{Store: e.db}
	pub, err := d.Publish(e.ctx, &store.Event{Type: typ, Provider: "bond", Payload: []byte(`{}`), ContentType: "application/json"},
		service.Target{URL: "http://127.0.0.1:9/x", Secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", Schedule: []time.Duration{time.Hour}})
	if err != nil {
		e.t.Fatal(err)
	}
	return pub.Deliveries[0].ID
}

// receive stores an event without deliveries (what listen received and
// did not forward) and returns its ID.
func (e *livegapEnv) receive(typ string) string {
	ev := &store.Event{Type: typ, Provider: "bond", Payload: []byte(`{}`), ContentType: "application/json", Source: store.SourceReceived}
	if err := e.db.CreateEvent(e.ctx, ev, nil); err != nil {
		e.t.Fatal(err)
	}
	return ev.ID
}

// slowWriter begins a transaction that inserts sql (its seq is taken
// now) and returns it uncommitted.
func (e *livegapEnv) slowWriter(sql string, args ...any) pgx.Tx {
	tx, err := e.conn.Begin(e.ctx)
	if err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(func() { tx.Rollback(context.Background()) })
	if _, err := tx.Exec(e.ctx, sql, args...); err != nil {
		e.t.Fatal(err)
	}
	return tx
}

const slowEventSQL = `INSERT INTO events (id, type, provider, payload, content_type, source, created_at)
	VALUES ('slow-writer-event', 'card.slow', 'bond', '\x7b7d', 'application/json', 'received', now())`

const slowDeliverySQL = `INSERT INTO deliveries (id, event_id, url, status, created_at, updated_at)
	SELECT 'slow-writer-delivery', event_id, url, 'failed', now(), now() FROM deliveries WHERE id = $1`

// stream reads /live?query until ctx ends; wait waits for s on it.
func (e *livegapEnv) stream(ctx context.Context, query string) (wait func(what, s string)) {
	return e.streamOut(ctx, query, nil)
}

// streamOut is stream; *out, when out is not nil, returns what was read.
func (e *livegapEnv) streamOut(ctx context.Context, query string, out *func() string) (wait func(what, s string)) {
	req, _ := http.NewRequestWithContext(ctx, "GET", e.srv.URL+"/live?"+query, nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(func() { resp.Body.Close() })
	var mu sync.Mutex
	var got strings.Builder
	if out != nil {
		*out = func() string {
			mu.Lock()
			defer mu.Unlock()
			return got.String()
		}
	}
	go func() {
		sc := bufio.NewScanner(resp.Body)
		sc.Buffer(nil, 1<<22)
		for sc.Scan() {
			mu.Lock()
			got.WriteString(sc.Text() + "\n")
			mu.Unlock()
		}
	}()
	return func(what, s string) {
		e.t.Helper()
		for {
			mu.Lock()
			ok := strings.Contains(got.String(), s)
			mu.Unlock()
			if ok {
				return
			}
			if ctx.Err() != nil {
				mu.Lock()
				defer mu.Unlock()
				e.t.Fatalf("no %s on the stream:\n%s", what, got.String())
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
}

// TestLiveOutOfOrderEventsPostgres: on PostgreSQL a slow writer's event
// without deliveries (a lower seq) commits after a quicker one's the live
// log already sent: the stream still sends it, with or without a filter.
func TestLiveOutOfOrderEventsPostgres(t *testing.T) {
	t.Parallel()
	for _, filter := range []string{"", "type=card.*"} {
		t.Run("filter="+filter, func(t *testing.T) {
			e := newLivegapEnv(t)
			e.receive("card.first")
			sctx, cancel := context.WithTimeout(e.ctx, 10*time.Second)
			defer cancel()
			wait := e.stream(sctx, filter)
			wait("hello", "event: hello")

			tx := e.slowWriter(slowEventSQL)
			e.receive("payment.hidden")
			quick := e.receive("card.second")
			wait("quick writer's event", quick)
			if err := tx.Commit(e.ctx); err != nil {
				t.Fatal(err)
			}
			wait("slow writer's event (committed late)", "slow-writer-event")
		})
	}
}

var dataAttr = regexp.MustCompile(`data-(top|etop|snap|filter)="([^"]*)"`)

// livePage gets the log page at / ?query as the browser does and returns
// the /live query its script connects with (app.js connect: the filter,
// after, etop, and the transaction snapshot taken before its reads, snap).
func (e *livegapEnv) livePage(query string) string {
	resp, err := http.Get(e.srv.URL + "/?" + query)
	if err != nil {
		e.t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	i := strings.Index(string(b), `id="log"`)
	if resp.StatusCode != 200 || i < 0 {
		e.t.Fatalf("log page: %d\n%s", resp.StatusCode, b)
	}
	tag := string(b[i : i+strings.Index(string(b[i:]), ">")])
	data := map[string]string{}
	for _, m := range dataAttr.FindAllStringSubmatch(tag, -1) {
		data[m[1]] = html.UnescapeString(m[2])
	}
	v, _ := url.ParseQuery(data["filter"])
	v.Set("after", data["top"])
	v.Set("etop", data["etop"])
	if data["snap"] != "" {
		v.Set("snap", data["snap"])
	}
	v.Set("shown", "50")
	return v.Encode()
}

// TestLivePageHandsItsGapsPostgres: a slow writer's delivery or event
// (a lower seq) was not committed when the page was rendered and commits
// before the page's stream starts: it is below the stream's cursors, and
// was sent by no read; the page hands the snapshot taken before its reads
// to the stream, which sends it.
func TestLivePageHandsItsGapsPostgres(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ name, filter string }{{"delivery", ""}, {"delivery", "type=card.*"}, {"event", ""}, {"event", "type=card.*"}} {
		t.Run(c.name+"/filter="+c.filter, func(t *testing.T) {
			e := newLivegapEnv(t)
			first := e.publish("card.first")
			e.receive("card.received")
			var tx pgx.Tx
			if c.name == "delivery" {
				tx = e.slowWriter(slowDeliverySQL, first)
				e.publish("payment.hidden")
				e.publish("card.second")
			} else {
				tx = e.slowWriter(slowEventSQL)
				e.receive("payment.hidden")
				e.receive("card.second")
			}
			live := e.livePage(c.filter)
			if err := tx.Commit(e.ctx); err != nil {
				t.Fatal(err)
			}
			sctx, cancel := context.WithTimeout(e.ctx, 10*time.Second)
			defer cancel()
			wait := e.stream(sctx, live)
			wait("hello", "event: hello")
			wait("slow writer's "+c.name+" (committed after the page, before its stream)", "slow-writer-"+c.name)
		})
	}
}

// TestBrowserLivePageHandsItsGapsPostgres: as
// TestLivePageHandsItsGapsPostgres, in headless Chromium: the page's
// script hands its snapshot to its stream (whose
// start is held until the slow writer committed), and the slow writer's
// delivery is shown without a reload.
func TestBrowserLivePageHandsItsGapsPostgres(t *testing.T) {
	t.Parallel()
	path := needBrowser(t)
	held := make(chan string, 4)
	release := make(chan struct{})
	var once sync.Once
	open := func() { once.Do(func() { close(release) }) }
	defer open()
	e := newLivegapEnvWrapped(t, func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/live" {
				select {
				case held <- r.URL.RawQuery:
				default:
				}
				select {
				case <-release:
				case <-r.Context().Done():
					return
				}
			}
			h.ServeHTTP(w, r)
		})
	})
	first := e.publish("card.first")
	tx := e.slowWriter(slowDeliverySQL, first)
	quick := e.publish("card.second")
	ctx := newBrowser(t, path)
	do(t, ctx, 10*sec, chromedp.Navigate(e.srv.URL+"/"), chromedp.WaitVisible(`tr[data-delivery-id="`+quick+`"]`))
	select {
	case q := <-held:
		t.Logf("the page's stream: /live?%s", q)
	case <-time.After(10 * time.Second):
		t.Fatal("the page opened no stream")
	}
	if err := tx.Commit(e.ctx); err != nil {
		t.Fatal(err)
	}
	open()
	do(t, ctx, 10*sec, chromedp.WaitVisible(`tr[data-delivery-id="slow-writer-delivery"]`))
	if n := get(t, ctx, chromedp.Evaluate[int](`document.querySelectorAll('#rows tr[data-delivery-id]').length`)); n != 3 {
		t.Errorf("%d delivery rows, want 3 (each once)", n)
	}
}

var lastBatch = regexp.MustCompile(`(?s).*event: rows\ndata: (\{[^\n]*\})\n`)

// TestLiveReconnectKeepsItsGapsPostgres: a stream watches a slow
// writer's delivery or event (a lower seq) missing below its cursors; the
// stream is cut, the slow writer commits, and the page reconnects with
// what its last batch said (top, etop, snap, as app.js does): the new
// stream sends the slow writer's row (handed on by the transaction
// snapshot, snap, taken while the slow writer ran).
func TestLiveReconnectKeepsItsGapsPostgres(t *testing.T) {
	t.Parallel()
	for _, kind := range []string{"delivery", "event"} {
		t.Run(kind, func(t *testing.T) {
			e := newLivegapEnv(t)
			first := e.publish("card.first")
			e.receive("card.received")
			sctx, cut := context.WithTimeout(e.ctx, 10*time.Second)
			defer cut()
			var got func() string
			wait := e.streamOut(sctx, "", &got)
			wait("hello", "event: hello")
			var tx pgx.Tx
			var slow int64
			if kind == "delivery" {
				tx = e.slowWriter(slowDeliverySQL, first)
				if err := tx.QueryRow(e.ctx, `SELECT seq FROM deliveries WHERE id = 'slow-writer-delivery'`).Scan(&slow); err != nil {
					t.Fatal(err)
				}
				wait("quick writer's delivery", e.publish("card.second"))
			} else {
				tx = e.slowWriter(slowEventSQL)
				if err := tx.QueryRow(e.ctx, `SELECT seq FROM events WHERE id = 'slow-writer-event'`).Scan(&slow); err != nil {
					t.Fatal(err)
				}
				wait("quick writer's event", e.receive("card.second"))
			}
			var xid int64
			if err := tx.QueryRow(e.ctx, `SELECT txid_current()`).Scan(&xid); err != nil {
				t.Fatal(err)
			}
			wait("the slow writer running in a batch's snapshot", `"snap":"`)
			if m := lastBatch.FindStringSubmatch(got()); m == nil || !snapRunning(m[1], xid) {
				t.Fatalf("the last batch's snapshot does not have the slow writer (%d) running (its seq %d below the cursor):\n%s", xid, slow, got())
			}
			cut()
			m := lastBatch.FindStringSubmatch(got())
			var b struct {
				Top, ETop int64
				Snap      string
			}
			if m == nil || json.Unmarshal([]byte(m[1]), &b) != nil {
				t.Fatalf("no batch on the stream:\n%s", got())
			}
			if err := tx.Commit(e.ctx); err != nil {
				t.Fatal(err)
			}
			v := url.Values{"after": {strconv.FormatInt(b.Top, 10)}, "etop": {strconv.FormatInt(b.ETop, 10)}, "resync": {"1"}}
			if b.Snap != "" {
				v.Set("snap", b.Snap)
			}
			rctx, cancel := context.WithTimeout(e.ctx, 10*time.Second)
			defer cancel()
			wait = e.stream(rctx, v.Encode())
			wait("slow writer's "+kind+" (committed while the stream was away)", "slow-writer-"+kind)
		})
	}
}

// TestBrowserLiveReconnectKeepsItsGapsPostgres: as
// TestLiveReconnectKeepsItsGapsPostgres, in headless Chromium: the
// page's stream watches a slow writer's delivery below its cursor, is
// cut, the slow writer commits, and the page's script reconnects with the
// snapshot its last batch said: the row is shown, once, without a reload.
func TestBrowserLiveReconnectKeepsItsGapsPostgres(t *testing.T) {
	t.Parallel()
	path := needBrowser(t)
	var cut *cutLive
	e := newLivegapEnvWrapped(t, func(h http.Handler) http.Handler {
		cut = &cutLive{h: h}
		return cut
	})
	first := e.publish("card.first")
	ind := `[data-testid="live-indicator"]`
	ctx := newBrowser(t, path)
	do(t, ctx, 10*sec, chromedp.Navigate(e.srv.URL+"/"), chromedp.WaitVisible(`tr[data-delivery-id="`+first+`"]`), chromedp.WaitVisible(ind+`.on`))
	tx := e.slowWriter(slowDeliverySQL, first)
	var slow int64
	if err := tx.QueryRow(e.ctx, `SELECT seq FROM deliveries WHERE id = 'slow-writer-delivery'`).Scan(&slow); err != nil {
		t.Fatal(err)
	}
	var xid int64
	if err := tx.QueryRow(e.ctx, `SELECT txid_current()`).Scan(&xid); err != nil {
		t.Fatal(err)
	}
	quick := e.publish("card.second")
	do(t, ctx, 10*sec, chromedp.WaitVisible(`tr[data-delivery-id="`+quick+`"]`))
	// The page keeps the snapshot its stream took while the slow writer
	// ran (its seq is below the page's cursor now): the writer's xid
	// running in it, or begun after it (xid >= xmax: a tick that took its
	// snapshot before the slow writer began and read after the quick
	// one committed, on a loaded machine; snapRunning's second case,
	// which this poll lacked: it timed out in a CI run).
	xs := strconv.FormatInt(xid, 10)
	get(t, ctx, chromedp.Poll[bool](`(() => { const p = (document.getElementById('log').dataset.snap||'').split(':');
		return p.length === 3 && (BigInt(`+xs+`) >= BigInt(p[1]) || p[2].split(',').indexOf('`+xs+`') >= 0); })()`,
		chromedp.WithPollingTimeout(10*time.Second)))
	cut.setDown(true)
	do(t, ctx, 10*sec, chromedp.WaitVisible(ind+`.off`))
	if err := tx.Commit(e.ctx); err != nil {
		t.Fatal(err)
	}
	cut.setDown(false)
	do(t, ctx, 10*sec, chromedp.WaitVisible(ind+`.on`), chromedp.WaitVisible(`tr[data-delivery-id="slow-writer-delivery"]`))
	if n := get(t, ctx, chromedp.Evaluate[int](`document.querySelectorAll('#rows tr[data-delivery-id]').length`)); n != 3 {
		t.Errorf("%d delivery rows, want 3 (each once)", n)
	}
}

// snapRunning reports whether the batch's snapshot (txid_current_snapshot
// text, xmin:xmax:xip) does not see the transaction xid: running then, or
// begun after it.
func snapRunning(batch string, xid int64) bool {
	var b struct{ Snap string }
	if json.Unmarshal([]byte(batch), &b) != nil {
		return false
	}
	parts := strings.Split(b.Snap, ":")
	if len(parts) != 3 {
		return false
	}
	// Begun after the snapshot (the tick's snapshot came first, its read
	// after the quick writer): not seen either.
	if xmax, err := strconv.ParseInt(parts[1], 10, 64); err == nil && xid >= xmax {
		return true
	}
	for _, x := range strings.Split(parts[2], ",") {
		if x == strconv.FormatInt(xid, 10) {
			return true
		}
	}
	return false
}
