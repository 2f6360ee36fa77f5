package web_test

import (
	"context"
	"encoding/json"
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

// TestLiveFromNowAfterOutagePostgres: /live without after= opened while
// the inspector's PostgreSQL server is away (its connections cut, new
// ones refused) says so and, once the server is back, follows the log
// from the newest delivery then: the log's history is not sent, a
// delivery stored after is. Before, it sent the whole log from seq 1.
func TestLiveFromNowAfterOutagePostgres(t *testing.T) {
	pgURL := pgtest.URL(t)
	u, err := url.Parse(pgURL)
	if err != nil {
		t.Fatal(err)
	}
	proxy := pauseproxy.New(t, u.Host)
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
	old := []string{publish(), publish(), publish()}
	proxy.SetDown(true)
	ch := openEvents(t, srv.URL+"/live")
	var hello helloJSON
	if ev := first(nextEvent(t, ch, "hello")); json.Unmarshal([]byte(ev.data), &hello) != nil || !hello.Down {
		t.Errorf("the hello of a stream opened during an outage reads %s, want down", ev.data)
	}
	if n := notice(t, first(nextEvent(t, ch, "store"))); !n.Down {
		t.Errorf("a stream opened during an outage said %+v", n)
	}
	proxy.SetDown(false)
	ev, rows := nextEvent(t, ch, "store")
	if n := notice(t, ev); n.Down || !outageBack.MatchString(n.Text) {
		t.Errorf("its end said %+v", n)
	}
	after := publish()
	for {
		ev, more := nextEvent(t, ch, "rows")
		rows = append(append(rows, more...), ev)
		if strings.Contains(ev.data, after) {
			break
		}
	}
	// (The pending rows up to the cursor are re-read, and sent as
	// updates, as when the stream opens with the store up.)
	for _, ev := range rows {
		var b liveBatchJSON
		if err := json.Unmarshal([]byte(ev.data), &b); err != nil {
			t.Fatal(err)
		}
		for _, id := range old {
			if strings.Contains(b.Rows, id) {
				t.Errorf("a stream from now sent %s, stored before it opened: %.300s", id, ev.data)
			}
		}
	}
}
