package web_test

import (
	"bufio"
	"context"
	"database/sql"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/service"
	"github.com/hookctl/hookctl/internal/store"
	"github.com/hookctl/hookctl/internal/store/sqlite"
	"github.com/hookctl/hookctl/internal/web"
)

// TestStoreMigratedUnderInspector: a store migrated by a newer hookctl
// (a column renamed, its schema number raised) or stripped of a table
// (a reset) while the inspector runs: each page answers 503 with an
// error page that says what happened and what to do, not 500 "SQL
// logic error: no such column: e.verdict (1)".
func TestStoreMigratedUnderInspector(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, ddl, want string
	}{
		{"newer-schema", "ALTER TABLE events RENAME COLUMN verdict TO verdict_new; PRAGMA user_version = %d",
			"was migrated to schema %d by a newer hookctl while the inspector ran"},
		{"table-gone", "ALTER TABLE events RENAME TO events_gone",
			"no longer has its tables (was it reset or replaced while the inspector ran?)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			path := filepath.Join(t.TempDir(), "hookctl.db")
			st, err := sqlite.Open(ctx, path)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { st.Close() })
			srv := httptest.NewUnstartedServer(nil)
			h, err := web.New(web.Config{Store: st, Addr: srv.Listener.Addr().String()})
			if err != nil {
				t.Fatal(err)
			}
			srv.Config.Handler = h
			srv.Start()
			t.Cleanup(srv.Close)
			d := &service.Dispatcher{Store: st}
			p, err := d.Publish(ctx, &store.Event{Type: "card.created", Provider: "bond", Payload: []byte(`{"a":1}`), ContentType: "application/json"},
				service.Target{URL: "http://127.0.0.1:9/x", Secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"})
			if err != nil {
				t.Fatal(err)
			}
			_, latest, err := st.(store.Migrator).SchemaVersion(ctx)
			if err != nil {
				t.Fatal(err)
			}
			db, err := sql.Open("sqlite", path)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			ddl, want := tc.ddl, tc.want
			if strings.Contains(ddl, "%d") {
				ddl, want = fmt.Sprintf(ddl, latest+1), fmt.Sprintf(want, latest+1)
			}
			if _, err := db.Exec(ddl); err != nil {
				t.Fatal(err)
			}
			for _, path := range []string{"/", "/events", "/events/" + p.Event.ID, "/deliveries/" + p.Deliveries[0].ID} {
				req, _ := http.NewRequest("GET", srv.URL+path, nil)
				code, page, _ := send(t, req)
				if code != http.StatusServiceUnavailable || !strings.Contains(page, want) || !strings.Contains(page, `data-testid="error"`) ||
					strings.Contains(page, "SQL logic error") && tc.name != "table-gone" {
					t.Errorf("GET %s: %d, want 503 with an error page saying %q; page:\n%s", path, code, want, errorText(page))
				}
			}
		})
	}
}

// errorText is the error paragraph of a page, or the page.
func errorText(page string) string {
	if i := strings.Index(page, `data-testid="error"`); i >= 0 {
		return page[i:min(len(page), i+400)]
	}
	return page
}

// TestStoreMigratedUnderLiveLog: the live log open while a newer
// hookctl migrates the store says so in its notice, not "cannot read
// the delivery log (SQL logic error: no such column …); waiting for the
// store", a wait no store coming back would end.
func TestStoreMigratedUnderLiveLog(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "hookctl.db")
	st, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	srv := httptest.NewUnstartedServer(nil)
	h, err := web.New(web.Config{Store: st, Addr: srv.Listener.Addr().String()})
	if err != nil {
		t.Fatal(err)
	}
	srv.Config.Handler = h
	srv.Start()
	t.Cleanup(srv.Close)
	_, latest, err := st.(store.Migrator).SchemaVersion(ctx)
	if err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(fmt.Sprintf("ALTER TABLE events RENAME COLUMN verdict TO verdict_new; PRAGMA user_version = %d", latest+1)); err != nil {
		t.Fatal(err)
	}
	rctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(rctx, "GET", srv.URL+"/live", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	inNotice := false
	for sc.Scan() {
		line := sc.Text()
		if line == "event: store" {
			inNotice = true
			continue
		}
		if inNotice && strings.HasPrefix(line, "data: ") {
			want := fmt.Sprintf("was migrated to schema %d by a newer hookctl", latest+1)
			if !strings.Contains(line, want) || strings.Contains(line, "waiting for the store") {
				t.Fatalf("the live log's store notice: %s\nwant it to say %q", line, want)
			}
			return
		}
	}
	t.Fatalf("no store notice before the stream ended: %v", sc.Err())
}
