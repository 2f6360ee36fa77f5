package postgres_test

import (
	"context"
	"testing"

	"github.com/hookctl/hookctl/internal/store"
	"github.com/hookctl/hookctl/internal/store/postgres"
	"github.com/hookctl/hookctl/internal/store/postgres/pgtest"
	"github.com/hookctl/hookctl/internal/store/storetest"
)

func TestEvidxInspectRangeLate(t *testing.T) {
	pgtest.ServerURL(t)
	for _, upgraded := range []bool{false, true} {
		t.Run(map[bool]string{false: "new", true: "upgraded from 17"}[upgraded], func(t *testing.T) {
			u := pgtest.URL(t)
			open := func(t *testing.T) store.Store {
				s, err := postgres.Open(context.Background(), u)
				if err != nil {
					t.Fatalf("open: %v", err)
				}
				return s
			}
			var reopen func(t *testing.T, s store.Store) store.Store
			if upgraded {
				// The late deliveries of a store of schema 17 (imported
				// before the upgrade) are listed by migration 18's pass.
				reopen = func(t *testing.T, s store.Store) store.Store {
					if _, err := s.(*postgres.DB).Pool().Exec(context.Background(), `DROP TABLE deliveries_late;
						DELETE FROM hookctl_schema_migrations WHERE version >= 18`); err != nil {
						t.Fatal(err)
					}
					s.Close()
					return open(t)
				}
			}
			storetest.RunInspectRangeLate(t, open, reopen)
		})
	}
}
