//go:build !windows

package main

import (
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/hookctl/hookctl/internal/store/postgres/pgtest"
)

// TestTailsigLostCountUpToPostgres: on PostgreSQL a requeue whose
// transaction rolled back took an id of the requeue log that no entry
// ever had, and once the log's prune passed it, a tail that was behind
// cannot tell it from a replay it missed: it counted it as one ("5
// replays were made" for 2 replays and 3 rolled-back requeues). It now
// says the count is an upper bound: "up to 5 replays".
func TestTailsigLostCountUpToPostgres(t *testing.T) {
	t.Parallel()
	u := pgtest.URL(t)
	testTailfixSaysReplaysLost(t, pgEnv(t, u), func(n int) {
		conn, err := pgx.Connect(t.Context(), u)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close(t.Context())
		// Three requeues rolled back: ids taken, no entries.
		tx, err := conn.Begin(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		if _, err := tx.Exec(t.Context(), `INSERT INTO requeues (delivery_id, attempts) SELECT 'x', 0 FROM generate_series(1, 3)`); err != nil {
			t.Fatal(err)
		}
		if err := tx.Rollback(t.Context()); err != nil {
			t.Fatal(err)
		}
		if _, err := conn.Exec(t.Context(), `INSERT INTO requeues (delivery_id, attempts) SELECT 'x', 0 FROM generate_series(1, $1)`, n); err != nil {
			t.Fatal(err)
		}
	}, "up to 5")
}
