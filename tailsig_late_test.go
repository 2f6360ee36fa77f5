//go:build !windows

package main

import (
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/hookctl/hookctl/internal/store/postgres/pgtest"
)

// TestTailsigLateCommitBeyondGapsPostgres: on PostgreSQL a delivery's seq
// is taken inside its transaction, and tail re-read the seqs missing
// below its cursor only within 1,000 of them (delivery.MaxSeqGaps) and
// for 10 s (SeqGapGrace). A long transaction whose seq lies beyond the
// first 1,000 gaps (here: 1,001 seqs rolled back just before it, as a
// failed bulk import leaves) commits its delivery after tail read past
// it: tail prints it. Before, it never did; the inspector's live log
// already re-read 10,000 seqs below its cursor every second.
func TestTailsigLateCommitBeyondGapsPostgres(t *testing.T) {
	t.Parallel()
	testTailsigLateCommit(t, func(conn *pgx.Conn) {
		// 1,001 seqs taken and rolled back: gaps the tail watches
		// first, up to its bound, before the long transaction's.
		if _, err := conn.Exec(t.Context(), `SELECT nextval(pg_get_serial_sequence('deliveries', 'seq')) FROM generate_series(1, 1001)`); err != nil {
			t.Fatal(err)
		}
	}, 0)
}

// TestTailsigLateCommitAfterGracePostgres (HOOKCTL_LONG=1: 12 s): a
// transaction that holds its delivery's seq for longer than SeqGapGrace
// (10 s) before it commits: tail prints the delivery. Before, the gap
// was given up after 10 s and the delivery never printed.
func TestTailsigLateCommitAfterGracePostgres(t *testing.T) {
	if os.Getenv("HOOKCTL_LONG") == "" {
		t.Skip("HOOKCTL_LONG=1: holds a transaction 12 s")
	}
	testTailsigLateCommit(t, nil, 12*time.Second)
}

// testTailsigLateCommit: a tail on PostgreSQL; before (run on another
// connection, outside the transaction), then a transaction inserts a
// delivery (copy of one made by trigger, event card.late) and holds it
// while a trigger's delivery commits after it and the tail prints that
// one; after hold, it commits: the tail prints card.late once.
func testTailsigLateCommit(t *testing.T, before func(*pgx.Conn), hold time.Duration) {
	u := pgtest.URL(t)
	c := pgEnv(t, u)
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	t.Cleanup(app.Close)
	c.hookctl(0, "subscribe", "--url", app.URL+"/hook", "--events", "*")
	c.hookctl(0, "trigger", "card.created")
	conn, err := pgx.Connect(t.Context(), u)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(t.Context()) })
	// The event of the late delivery, committed now: only the delivery
	// waits in the transaction.
	if _, err := conn.Exec(t.Context(), `INSERT INTO events (id, type, payload, created_at)
		SELECT 'evt_tailsig_late', 'card.late', payload, now() FROM events LIMIT 1`); err != nil {
		t.Fatal(err)
	}
	p := startTail(c, "--lines", "0", "--interval", "20ms")
	p.waitFor("the tail following", func() bool { return strings.Contains(p.errb.String(), "Following the delivery log") })
	if before != nil {
		before(conn)
	}
	tx, err := conn.Begin(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(t.Context())
	if _, err := tx.Exec(t.Context(), `INSERT INTO deliveries (id, event_id, url, status, created_at, updated_at)
		SELECT 'dlv_tailsig_late', 'evt_tailsig_late', url, 'failed', now(), now() FROM deliveries LIMIT 1`); err != nil {
		t.Fatal(err)
	}
	c.hookctl(0, "trigger", "card.status.active")
	p.waitFor("the delivery committed after the long transaction's", func() bool { return strings.Contains(p.out.String(), "card.status.active") })
	if hold > 0 {
		time.Sleep(hold) // the transaction stays open that long: what is tested
	}
	if err := tx.Commit(t.Context()); err != nil {
		t.Fatal(err)
	}
	p.waitFor("the long transaction's delivery", func() bool { return strings.Contains(p.out.String(), "card.late") })
	// One more tick cycle past the re-read: printed once.
	c.hookctl(0, "trigger", "card.status.closed")
	p.waitFor("the next delivery", func() bool { return strings.Contains(p.out.String(), "card.status.closed") })
	out := p.stop(syscall.SIGINT)
	if n := strings.Count(out, "card.late"); n != 1 {
		t.Errorf("card.late printed %d times, want once:\n%s", n, out)
	}
}
