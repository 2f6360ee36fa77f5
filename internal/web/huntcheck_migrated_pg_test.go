package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/hookctl/hookctl/internal/service"
	"github.com/hookctl/hookctl/internal/store"
	"github.com/hookctl/hookctl/internal/store/postgres"
	"github.com/hookctl/hookctl/internal/store/postgres/pgtest"
	"github.com/hookctl/hookctl/internal/web"
)

// TestStoreMigratedUnderInspectorPostgres is
// TestStoreMigratedUnderInspector on PostgreSQL: a newer hookctl's
// migration (a column renamed, its version recorded) or a reset (a
// table gone) under the inspector gets the same 503 page with the
// reason, not 500 with the server's error.
func TestStoreMigratedUnderInspectorPostgres(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, ddl, want string
	}{
		{"newer-schema", "ALTER TABLE events RENAME COLUMN verdict TO verdict_new; INSERT INTO hookctl_schema_migrations (version, name) VALUES (%d, 'future.sql')",
			"was migrated to schema %d by a newer hookctl while the inspector ran"},
		{"table-gone", "ALTER TABLE events RENAME TO events_gone",
			"no longer has its tables (was it reset or replaced while the inspector ran?)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			u := pgtest.URL(t)
			ctx := context.Background()
			db, err := postgres.OpenDB(ctx, u)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { db.Close() })
			srv := httptest.NewUnstartedServer(nil)
			h, err := web.New(web.Config{Store: db, Addr: srv.Listener.Addr().String()})
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
			_, latest, err := db.SchemaVersion(ctx)
			if err != nil {
				t.Fatal(err)
			}
			conn, err := pgx.Connect(ctx, u)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close(ctx)
			ddl, want := tc.ddl, tc.want
			if strings.Contains(ddl, "%d") {
				ddl, want = fmt.Sprintf(ddl, latest+1), fmt.Sprintf(want, latest+1)
			}
			if _, err := conn.Exec(ctx, ddl); err != nil {
				t.Fatal(err)
			}
			for _, path := range []string{"/", "/events", "/events/" + p.Event.ID, "/deliveries/" + p.Deliveries[0].ID} {
				req, _ := http.NewRequest("GET", srv.URL+path, nil)
				code, page, _ := send(t, req)
				if code != http.StatusServiceUnavailable || !strings.Contains(page, want) || !strings.Contains(page, `data-testid="error"`) {
					t.Errorf("GET %s: %d, want 503 with an error page saying %q; page:\n%s", path, code, want, errorText(page))
				}
			}
		})
	}
}
