package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/hookctl/hookctl/internal/store/postgres/pgtest"
)

// TestHuntstorePruneInterruptedSaysWhatWasDeleted: Ctrl-C while store
// prune deletes its third batch of 5,000 events (on PostgreSQL, waiting
// for a delivery row this test keeps locked) exits 130 saying what the
// two batches before deleted and that the rest is still there, with the
// hint to run it again. Before, it said only "hookctl: error:
// interrupted", though 10,000 events were gone.
func TestHuntstorePruneInterruptedSaysWhatWasDeleted(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("hookctl"); err != nil {
		t.Skip("hookctl is not on PATH")
	}
	if runtime.GOOS == "windows" {
		t.Skip("no SIGINT to send on Windows")
	}
	if os.Getenv("HOOKCTL_TEST_POSTGRES") == "" {
		t.Skip("needs HOOKCTL_TEST_POSTGRES")
	}
	url := pgtest.URL(t)
	c := pgEnv(t, url)
	const n = 12000 // three batches: 5,000, 5,000, 2,000
	lines := []string{huntstoreHeader}
	for i := range n {
		lines = append(lines, fmt.Sprintf(`{"event":{"id":"evt_%05d","type":"card.created","source":"triggered","created_at":"2026-01-02T03:10:00Z","payload":{"n":%d}}}`, i, i))
	}
	for i := range n {
		lines = append(lines, fmt.Sprintf(`{"delivery":{"id":"dlv_%05d","event_id":"evt_%05d","url":"http://127.0.0.1:9/x","status":"succeeded","attempt_count":1,"max_attempts":1,"created_at":"2026-01-02T03:10:00Z","updated_at":"2026-01-02T03:10:01Z"}}`, i, i))
	}
	if code, out, errb := huntstoreImport(t, c, lines...); code != 0 {
		t.Fatalf("store import: exit %d\n%s%s", code, out, errb)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	tx, err := conn.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(context.Background())
	// The newest event's delivery: the third batch waits for it.
	if _, err := tx.Exec(ctx, `SELECT 1 FROM deliveries WHERE id = $1 FOR UPDATE`, fmt.Sprintf("dlv_%05d", n-1)); err != nil {
		t.Fatal(err)
	}

	var errb strings.Builder
	cmd := c.cmd("hookctl", "store", "prune", "--older-than", "1d", "--yes")
	cmd.Stderr = &errb
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	for {
		var left int
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM events`).Scan(&left); err != nil {
			cmd.Process.Kill()
			<-exited
			t.Fatal(err)
		}
		if left == n-10000 {
			break // two batches deleted, the third waits for the lock
		}
		select {
		case err := <-exited:
			t.Fatalf("prune ended (%v) with %d events left, before the third batch; stderr:\n%s", err, left, errb.String())
		case <-time.After(20 * time.Millisecond):
		}
	}
	if err := cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	var werr error
	select {
	case werr = <-exited:
	case <-time.After(60 * time.Second):
		cmd.Process.Kill()
		<-exited
		t.Fatal("prune did not stop within 60s of SIGINT")
	}
	code := -1
	if ee, ok := werr.(*exec.ExitError); ok {
		code = ee.ExitCode()
	}
	wantErr := "hookctl: error: prune interrupted: deleted 10000 events, 10000 deliveries and 0 attempts created before "
	wantHint := "; the rest is still there\nhookctl: hint: run it again to delete the rest\n"
	if code != 130 || !strings.HasPrefix(errb.String(), wantErr) || !strings.HasSuffix(errb.String(), wantHint) {
		t.Errorf("prune interrupted in its third batch: exit %d, stderr:\n%s\nwant exit 130 and %q…%q", code, errb.String(), wantErr, wantHint)
	}
}
