package sqlite

import (
	"testing"

	"github.com/hookctl/hookctl/internal/store/storetest"
)

// A prune deletes its deliveries' entries in deliveries_late.
func TestPgidxPruneLate(t *testing.T) {
	s := openTemp(t)
	defer s.Close()
	storetest.RunPruneLate(t, s, func(t *testing.T) []int64 {
		rows, err := s.r.QueryContext(t.Context(), `SELECT seq FROM deliveries_late ORDER BY seq`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var seqs []int64
		for rows.Next() {
			var seq int64
			if err := rows.Scan(&seq); err != nil {
				t.Fatal(err)
			}
			seqs = append(seqs, seq)
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		return seqs
	})
}
