package web_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/hookctl/hookctl/internal/service"
	"github.com/hookctl/hookctl/internal/store"
	"github.com/hookctl/hookctl/internal/store/postgres"
	"github.com/hookctl/hookctl/internal/store/postgres/pgtest"
	"github.com/hookctl/hookctl/internal/web"
)

// TestHuntcheckPagesWhileLockedPostgres: while another session holds a
// migration's lock on the store's tables (ACCESS EXCLUSIVE, as ALTER
// TABLE takes it), each page answers within its read timeout with a 503
// error page that says the store is locked or busy. The page stayed
// blank for as long as the lock lasted (39 s of a 40 s lock), then
// showed the log as if nothing had happened.
func TestHuntcheckPagesWhileLockedPostgres(t *testing.T) {
	t.Parallel()
	u := pgtest.URL(t)
	ctx := context.Background()
	db, err := postgres.OpenDB(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	srv := httptest.NewUnstartedServer(nil)
	const limit = 2 * time.Second
	h, err := web.New(web.Config{Store: db, Addr: srv.Listener.Addr().String(), PageTimeout: limit})
	if err != nil {
		t.Fatal(err)
	}
	srv.Config.Handler = h
	srv.Start()
	t.Cleanup(srv.Close)
	p, err := (&service.Dispatcher{Store: db}).Publish(ctx, &store.Event{Type: "card.created", Provider: "bond", Payload: []byte(`{"a":1}`), ContentType: "application/json"},
		service.Target{URL: "http://127.0.0.1:9/x", Secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"})
	if err != nil {
		t.Fatal(err)
	}
	conn, err := pgx.Connect(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	tx, err := conn.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx)
	if _, err := tx.Exec(ctx, `LOCK TABLE events, deliveries, attempts IN ACCESS EXCLUSIVE MODE`); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{"/", "/events", "/events/" + p.Event.ID, "/deliveries/" + p.Deliveries[0].ID} {
		start := time.Now()
		req, _ := http.NewRequest("GET", srv.URL+path, nil)
		code, page, _ := send(t, req)
		took := time.Since(start)
		if code != http.StatusServiceUnavailable || !strings.Contains(page, "did not answer within 2s: is it locked by another process") {
			t.Errorf("GET %s: %d after %s, want 503 saying the store is locked or busy; page:\n%s", path, code, took.Round(time.Millisecond), errorText(page))
		}
		if took > limit+20*time.Second {
			t.Errorf("GET %s took %s with a read timeout of %s", path, took, limit)
		}
	}
}
