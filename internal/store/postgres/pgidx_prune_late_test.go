package postgres_test

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/hookctl/hookctl/internal/store/postgres"
	"github.com/hookctl/hookctl/internal/store/postgres/pgtest"
	"github.com/hookctl/hookctl/internal/store/storetest"
)

// A prune deletes its deliveries' entries in deliveries_late.
func TestPgidxPruneLate(t *testing.T) {
	s, err := postgres.OpenDB(context.Background(), pgtest.URL(t))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	storetest.RunPruneLate(t, s, func(t *testing.T) []int64 {
		rows, err := s.Pool().Query(context.Background(), `SELECT seq FROM deliveries_late ORDER BY seq`)
		if err != nil {
			t.Fatal(err)
		}
		seqs, err := pgx.CollectRows(rows, pgx.RowTo[int64])
		if err != nil {
			t.Fatal(err)
		}
		return seqs
	})
}
