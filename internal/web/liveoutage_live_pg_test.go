package web_test

import (
	"context"
	"io"
	"net"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/service"
	"github.com/hookctl/hookctl/internal/store"
	"github.com/hookctl/hookctl/internal/store/postgres"
	"github.com/hookctl/hookctl/internal/store/postgres/pgtest"
	"github.com/hookctl/hookctl/internal/web"
)

// outageProxy forwards TCP to a PostgreSQL server; down closes the
// connections open and refuses new ones until up, as a server stopped.
type outageProxy struct {
	ln    net.Listener
	mu    sync.Mutex
	down  bool
	conns []net.Conn
}

func newOutageProxy(t *testing.T, target string) *outageProxy {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &outageProxy{ln: ln}
	t.Cleanup(func() { ln.Close(); p.setDown(true) })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			p.mu.Lock()
			down := p.down
			p.mu.Unlock()
			if down {
				c.Close()
				continue
			}
			s, err := net.Dial("tcp", target)
			if err != nil {
				c.Close()
				continue
			}
			p.mu.Lock()
			p.conns = append(p.conns, c, s)
			p.mu.Unlock()
			go func() { io.Copy(s, c); s.Close() }()
			go func() { io.Copy(c, s); c.Close() }()
		}
	}()
	return p
}

func (p *outageProxy) setDown(down bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.down = down
	if down {
		for _, c := range p.conns {
			c.Close()
		}
		p.conns = nil
	}
}

// TestLiveSaysStoreOutagePostgres: an inspector whose PostgreSQL server
// goes away (its connections cut, new ones refused) says so once on its
// live stream, in deliveries tail's words, and once that it is back; the
// delivery stored meanwhile (by a writer that still reaches the server)
// is sent then. Before, the stream just went quiet.
func TestLiveSaysStoreOutagePostgres(t *testing.T) {
	pgURL := pgtest.URL(t)
	u, err := url.Parse(pgURL)
	if err != nil {
		t.Fatal(err)
	}
	proxy := newOutageProxy(t, u.Host)
	viaProxy := *u
	viaProxy.Host = proxy.ln.Addr().String()
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
	srv := httptest.NewUnstartedServer(nil)
	h, err := web.New(web.Config{Store: db, Addr: srv.Listener.Addr().String(), Poll: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	srv.Config.Handler = h
	srv.Start()
	t.Cleanup(srv.Close)
	publish := func() string {
		d := &service.Dispatcher{Store: writer}
		pub, err := d.Publish(ctx, &store.Event{Type: "card.created", Provider: "bond", Payload: []byte(`{}`), ContentType: "application/json"},
			service.Target{URL: "http://127.0.0.1:9/x", Secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", Schedule: []time.Duration{time.Hour}})
		if err != nil {
			t.Fatal(err)
		}
		return pub.Deliveries[0].ID
	}
	publish()
	ch := openEvents(t, srv.URL+"/live")
	nextEvent(t, ch, "hello")
	proxy.setDown(true)
	n := notice(t, first(nextEvent(t, ch, "store")))
	if !n.Down || n.Error == "" || strings.Contains(n.Error, "\n") ||
		n.Text != "cannot read the delivery log ("+n.Error+"); waiting for the store" {
		t.Errorf("the outage said %+v", n)
	}
	t.Logf("the outage: %s", n.Text)
	during := publish()
	time.Sleep(300 * time.Millisecond) // a few ticks of failed reads: said once
	proxy.setDown(false)
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
