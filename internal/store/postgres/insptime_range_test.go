package postgres_test

import (
	"context"
	"testing"

	"github.com/hookctl/hookctl/internal/store"
	"github.com/hookctl/hookctl/internal/store/postgres"
	"github.com/hookctl/hookctl/internal/store/postgres/pgtest"
	"github.com/hookctl/hookctl/internal/store/storetest"
)

func TestInsptimeInspectTimeRange(t *testing.T) {
	pgtest.ServerURL(t)
	storetest.RunInspectTimeRange(t, func(t *testing.T) store.Store {
		s, err := postgres.Open(context.Background(), pgtest.URL(t))
		if err != nil {
			t.Fatalf("open: %v", err)
		}
		return s
	})
}
