package postgres_test

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/store/postgres/pgtest"
)

// TestLivehubChangeMarkSeesLateCommitPostgres: a writer that took its
// xid first (another process's transaction, held open) commits after a
// newer transaction did: the server's xmax (one past the newest
// completed xid) does not move then, the change mark (the whole
// snapshot) does: the writer leaves its xip list. A mark of xmax alone
// (pg_snapshot_xmax) would miss that commit, and the inspector's idle
// tabs would not show its delivery until something else committed.
func TestLivehubChangeMarkSeesLateCommitPostgres(t *testing.T) {
	ctx := context.Background()
	u := pgtest.URL(t)
	db := openDB(t, u)
	tx := otherTx(t, u)
	var xid int64
	if err := tx.QueryRow(ctx, `SELECT txid_current()`).Scan(&xid); err != nil {
		t.Fatal(err)
	}
	// A newer transaction commits (this store's own write).
	stripeSubscription(t, db)
	before, err := db.ChangeMark(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(xip(t, before), xid) {
		t.Fatalf("precondition: the open writer %d is not in the snapshot's xip list (%s)", xid, before)
	}
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	// Other tests' transactions may move it too; the writer's commit must.
	var after string
	deadline := time.Now().Add(5 * time.Second)
	for {
		if after, err = db.ChangeMark(ctx); err != nil {
			t.Fatal(err)
		}
		if !slices.Contains(xip(t, after), xid) || time.Now().After(deadline) {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Logf("mark before the late commit %s, after %s", before, after)
	if after == before || slices.Contains(xip(t, after), xid) {
		t.Errorf("the late writer's commit did not move the mark: %s then %s", before, after)
	}
}

// xip is the in-progress list of a snapshot's text (xmin:xmax:xip,...).
func xip(t *testing.T, snap string) []int64 {
	t.Helper()
	parts := strings.Split(snap, ":")
	if len(parts) != 3 {
		t.Fatalf("snapshot %q: want xmin:xmax:xip", snap)
	}
	var ids []int64
	for s := range strings.SplitSeq(parts[2], ",") {
		if s == "" {
			continue
		}
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			t.Fatalf("snapshot %q: %v", snap, err)
		}
		ids = append(ids, n)
	}
	return ids
}
