package sqlite

import (
	"context"
	"database/sql"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/hookctl/hookctl/internal/store"
)

// A long read keeps the WAL from starting over, so it grows while the
// read lasts; once the read is over and the WAL has been checkpointed, the
// writer's next transaction starts it over and truncates it back to
// walSizeLimit instead of keeping its largest size for as long as the
// store is open (bench/soak.sh: a 60 s read under listen at 200 events/s
// left a 319 MB WAL beside a 70 MB store, for good).
func TestWALShrinksAfterLongRead(t *testing.T) {
	defer func(n int64) { walSizeLimit = n }(walSizeLimit)
	walSizeLimit = 256 << 10
	s := openTemp(t)
	defer s.Close()
	ctx := context.Background()
	payload := []byte(`{"pad":"` + strings.Repeat("x", 8<<10) + `"}`)
	write := func(from, n int) {
		t.Helper()
		for i := from; i < from+n; i++ {
			if err := s.CreateEvent(ctx, &store.Event{ID: "evt_" + strconv.Itoa(i), Type: "card.created", Payload: payload}, nil); err != nil {
				t.Fatal(err)
			}
		}
	}
	walSize := func() int64 {
		fi, err := os.Stat(s.path + "-wal")
		if err != nil {
			t.Fatal(err)
		}
		return fi.Size()
	}
	write(0, 10)

	// The long read: another connection's read transaction.
	db, err := sql.Open("sqlite", dsn(s.path, "deferred"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	var n int
	if err := tx.QueryRow(`SELECT count(*) FROM events`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	write(10, 300) // ~2.5 MB the WAL must keep while the read lasts
	grown := walSize()
	if grown < 2<<20 {
		t.Fatalf("the WAL is %d bytes during the read: the test does not make it grow", grown)
	}
	tx.Rollback()

	// The read is over: a checkpoint copies the WAL into the file, and the
	// writer's next transaction starts the WAL over.
	if _, err := db.Exec(`PRAGMA wal_checkpoint(PASSIVE)`); err != nil {
		t.Fatal(err)
	}
	write(310, 1)
	if got := walSize(); got > walSizeLimit+64<<10 {
		t.Fatalf("the WAL is still %d bytes after the read ended (it grew to %d during it), want at most about %d", got, grown, walSizeLimit)
	}
}
