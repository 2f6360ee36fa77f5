package web_test

import (
	"context"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/service"
	"github.com/hookctl/hookctl/internal/store"
	"github.com/hookctl/hookctl/internal/store/postgres"
	"github.com/hookctl/hookctl/internal/store/postgres/pgtest"
	"github.com/hookctl/hookctl/internal/testutil/pauseproxy"
	"github.com/hookctl/hookctl/internal/web"
)

// TestLiveSaysStoreOutagePostgres: an inspector whose PostgreSQL server
// goes away (its connections cut, new ones refused) says so once on its
// live stream, in deliveries tail's words, and once that it is back; the
// delivery stored meanwhile (by a writer that still reaches the server)
// is sent then. Before, the stream just went quiet.
func TestLiveSaysStoreOutagePostgres(t *testing.T) {
	t.Parallel()
	srv, proxy, publish := pgOutageInspector(t)
	publish()
	ch := openEvents(t, srv.URL+"/live")
	nextEvent(t, ch, "hello")
	proxy.SetDown(true)
	n := notice(t, first(nextEvent(t, ch, "store")))
	if !n.Down || n.Error == "" || strings.Contains(n.Error, "\n") ||
		n.Text != "cannot read the delivery log ("+n.Error+"); waiting for the store" {
		t.Errorf("the outage said %+v", n)
	}
	t.Logf("the outage: %s", n.Text)
	during := publish()
	time.Sleep(300 * time.Millisecond) // a few ticks of failed reads: said once
	proxy.SetDown(false)
	ev, rows := nextEvent(t, ch, "store")
	if n := notice(t, ev); n.Down || !outageBack.MatchString(n.Text) {
		t.Errorf("its end said %+v, want %q", n, outageBack)
	}
	if len(rows) > 0 {
		t.Errorf("rows sent during the outage: %v", rows)
	}
	if ev, _ := nextEvent(t, ch, "rows"); !strings.Contains(ev.data, during) {
		t.Errorf("the delivery stored during the outage is not in the first batch after it: %s", ev.data)
	}
}

// pgOutageInspector is an inspector (polling every 50 ms) on a PostgreSQL
// store reached through a pausable proxy, and publish, which stores a
// pending delivery through a writer that reaches the server directly
// (also while the proxy is down) and returns its id.
func pgOutageInspector(t *testing.T) (srv *httptest.Server, proxy *pauseproxy.Proxy, publish func() string) {
	t.Helper()
	pgURL := pgtest.URL(t)
	u, err := url.Parse(pgURL)
	if err != nil {
		t.Fatal(err)
	}
	proxy = pauseproxy.New(t, u.Host)
	viaProxy := *u
	viaProxy.Host = proxy.Addr()
	ctx := context.Background()
	writer, err := postgres.OpenDB(ctx, pgURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { writer.Close() })
	db, err := postgres.OpenDB(ctx, viaProxy.String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	srv = httptest.NewUnstartedServer(nil)
	h, err := web.New(web.Config{Store: db, Addr: srv.Listener.Addr().String(), Poll: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	srv.Config.Handler = h
	srv.Start()
	t.Cleanup(srv.Close)
	publish = func() string {
		d := &service.Dispatcher{Store: writer}
		pub, err := d.Publish(ctx, &store.Event{Type: "card.created", Provider: "bond", Payload: []byte(`{}`), ContentType: "application/json"},
			service.Target{URL: "http://127.0.0.1:9/x", Secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", Schedule: []time.Duration{time.Hour}})
		if err != nil {
			t.Fatal(err)
		}
		return pub.Deliveries[0].ID
	}
	return srv, proxy, publish
}
