package web_test

import (
	"context"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/store/postgres"
	"github.com/hookctl/hookctl/internal/store/postgres/pgtest"
	"github.com/hookctl/hookctl/internal/web"
)

// TestInsptimeLogTimeRangePostgres: the log's time range and its pages
// (TestInsptimeLogTimeRange, TestInsptimeLogPagingKeepsRange) on
// PostgreSQL.
func TestInsptimeLogTimeRangePostgres(t *testing.T) {
	t.Parallel()
	for name, f := range map[string]func(*testing.T, string, *postgres.DB){
		"range":  func(t *testing.T, base string, db *postgres.DB) { insptimeLogTimeRange(t, base, db) },
		"paging": func(t *testing.T, base string, db *postgres.DB) { insptimeLogPagingKeepsRange(t, base, db) },
	} {
		t.Run(name, func(t *testing.T) {
			db, err := postgres.OpenDB(context.Background(), pgtest.URL(t))
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
			f(t, srv.URL, db)
		})
	}
}
