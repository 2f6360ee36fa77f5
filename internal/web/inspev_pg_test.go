package web_test

import (
	"context"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/store"
	"github.com/hookctl/hookctl/internal/store/postgres"
	"github.com/hookctl/hookctl/internal/store/postgres/pgtest"
	"github.com/hookctl/hookctl/internal/web"
)

// TestInspevPostgres: the events page's filters and the live log's end
// of range (TestInspevEventsFilters, TestInspevEventsBadFilters,
// TestInspevLiveEndsWhenToPasses, TestInspevLivePastWindowUpdatesPending,
// TestInspevEventsLive, TestInspevEventsLiveRangeEnds)
// on PostgreSQL.
func TestInspevPostgres(t *testing.T) {
	t.Parallel()
	for name, f := range map[string]func(*testing.T, string, store.Store){
		"events-filters": inspevEventsFilters,
		"events-bad":     inspevEventsBadFilters,
		"live-ends":      inspevLiveEnds,
		"past-window":    inspevPastWindow,
		"events-live":    inspevEventsLive,
		"events-ended":   inspevEventsLiveRangeEnds,
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
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
