package web_test

import (
	"bufio"
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/hookctl/hookctl/internal/service"
	"github.com/hookctl/hookctl/internal/store"
	"github.com/hookctl/hookctl/internal/store/postgres"
	"github.com/hookctl/hookctl/internal/store/postgres/pgtest"
	"github.com/hookctl/hookctl/internal/web"
)

// TestLiveOutOfOrderCommitsPostgres: on PostgreSQL a slow writer's
// delivery (a lower seq) commits after a quicker one's the live log
// already sent: the stream still sends it, with or without a filter.
func TestLiveOutOfOrderCommitsPostgres(t *testing.T) {
	t.Parallel()
	for _, filter := range []string{"", "type=card.*"} {
		t.Run("filter="+filter, func(t *testing.T) {
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
			d := &service.Dispatcher{Store: db}
			publish := func(typ string) string {
				pub, err := d.Publish(ctx, &store.Event{Type: typ, Provider: "bond", Payload: []byte(`{}`), ContentType: "application/json"},
					service.Target{URL: "http://127.0.0.1:9/x", Secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", Schedule: []time.Duration{time.Hour}})
				if err != nil {
					t.Fatal(err)
				}
				return pub.Deliveries[0].ID
			}
			first := publish("card.first")

			srv := httptest.NewUnstartedServer(nil)
			h, err := web.New(web.Config{Store: db, Addr: srv.Listener.Addr().String(), Poll: 50 * time.Millisecond})
			if err != nil {
				t.Fatal(err)
			}
			srv.Config.Handler = h
			srv.Start()
			defer srv.Close()
			sctx, cancel := context.WithTimeout(ctx, 10*time.Second)
			defer cancel()
			req, _ := http.NewRequestWithContext(sctx, "GET", srv.URL+"/live?"+filter, nil)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var mu sync.Mutex
			var got strings.Builder
			go func() {
				sc := bufio.NewScanner(resp.Body)
				sc.Buffer(nil, 1<<22)
				for sc.Scan() {
					mu.Lock()
					got.WriteString(sc.Text() + "\n")
					mu.Unlock()
				}
			}()
			waitFor := func(what string, s string) {
				t.Helper()
				for {
					mu.Lock()
					ok := strings.Contains(got.String(), s)
					mu.Unlock()
					if ok {
						return
					}
					if sctx.Err() != nil {
						mu.Lock()
						defer mu.Unlock()
						t.Fatalf("no %s on the stream:\n%s", what, got.String())
					}
					time.Sleep(20 * time.Millisecond)
				}
			}
			waitFor("hello", "event: hello")

			tx, err := conn.Begin(ctx)
			if err != nil {
				t.Fatal(err)
			}
			defer tx.Rollback(ctx)
			if _, err := tx.Exec(ctx, `INSERT INTO deliveries (id, event_id, url, status, created_at, updated_at)
				SELECT 'slow-writer-delivery', event_id, url, 'failed', now(), now() FROM deliveries WHERE id = $1`, first); err != nil {
				t.Fatal(err)
			}
			publish("payment.hidden")
			quick := publish("card.second")
			waitFor("quick writer's delivery", quick)
			if err := tx.Commit(ctx); err != nil {
				t.Fatal(err)
			}
			waitFor("slow writer's delivery (committed late)", "slow-writer-delivery")
		})
	}
}
