package postgres_test

import (
	"context"
	"os"
	"testing"

	"github.com/hookctl/hookctl/internal/store"
	"github.com/hookctl/hookctl/internal/store/postgres"
	"github.com/hookctl/hookctl/internal/store/postgres/pgtest"
	"github.com/hookctl/hookctl/internal/store/storetest"
)

// TestConformance runs the backend-neutral Store suite against a real
// PostgreSQL server (HOOKCTL_TEST_POSTGRES), each test in its own schema.
func TestConformance(t *testing.T) {
	pgtest.ServerURL(t)
	storetest.Run(t, func(t *testing.T) store.Store {
		s, err := postgres.Open(context.Background(), pgtest.URL(t))
		if err != nil {
			t.Fatalf("open: %v", err)
		}
		return s
	})
}

// TestConformanceQueryExecModes runs the suite with the pgx query modes
// that do not ask the server for the parameters' types, as a store URL
// behind PgBouncer's transaction pooling may set them
// (default_query_exec_mode=exec or simple_protocol). Lists and maps for
// jsonb columns went as text[] and failed ("invalid input syntax for type
// json", "cannot find encode plan"): subscribe failed outright.
func TestConformanceQueryExecModes(t *testing.T) {
	if os.Getenv("HOOKCTL_LONG") != "1" {
		t.Skip("the conformance suite twice more (~20-35 s): set HOOKCTL_LONG=1 (.ci/test does)")
	}
	pgtest.ServerURL(t)
	for _, mode := range []string{"exec", "simple_protocol"} {
		t.Run(mode, func(t *testing.T) {
			storetest.Run(t, func(t *testing.T) store.Store {
				s, err := postgres.Open(context.Background(), pgtest.URL(t)+"&default_query_exec_mode="+mode)
				if err != nil {
					t.Fatalf("open: %v", err)
				}
				return s
			})
		})
	}
}
