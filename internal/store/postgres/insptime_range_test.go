package postgres_test

import (
	"context"
	"testing"

	"github.com/hookctl/hookctl/internal/store"
	"github.com/hookctl/hookctl/internal/store/postgres"
	"github.com/hookctl/hookctl/internal/store/postgres/pgtest"
	"github.com/hookctl/hookctl/internal/store/storetest"
)

// TestInsptimeInspectTimeRange: the inspector's time range
// (storetest.RunInspectTimeRange), in pgx's default query mode and in
// those that do not ask the server for the parameters' types (a store
// URL behind PgBouncer: TestConformanceQueryExecModes), whose times go as
// text.
func TestInsptimeInspectTimeRange(t *testing.T) {
	pgtest.ServerURL(t)
	for _, mode := range []string{"", "exec", "simple_protocol"} {
		t.Run("mode="+mode, func(t *testing.T) {
			storetest.RunInspectTimeRange(t, func(t *testing.T) store.Store {
				u := pgtest.URL(t)
				if mode != "" {
					u += "&default_query_exec_mode=" + mode
				}
				s, err := postgres.Open(context.Background(), u)
				if err != nil {
					t.Fatalf("open: %v", err)
				}
				return s
			})
		})
	}
}
