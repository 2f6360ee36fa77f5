package postgres_test

import (
	"context"
	"testing"

	"github.com/hookctl/hookctl/internal/store"
	"github.com/hookctl/hookctl/internal/store/postgres"
	"github.com/hookctl/hookctl/internal/store/postgres/pgtest"
	"github.com/hookctl/hookctl/internal/store/storetest"
)

// TestInspevEventVerdictFilter: the events' verdict filter
// (storetest.RunEventVerdictFilter), in pgx's default query mode and in
// simple_protocol (a store URL behind PgBouncer).
func TestInspevEventVerdictFilter(t *testing.T) {
	pgtest.ServerURL(t)
	for _, mode := range []string{"", "simple_protocol"} {
		t.Run("mode="+mode, func(t *testing.T) {
			storetest.RunEventVerdictFilter(t, func(t *testing.T) store.Store {
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
