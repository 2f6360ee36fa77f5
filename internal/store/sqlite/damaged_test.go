package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/store"
)

// damagedCopy writes a store holding two subscriptions, two events, their
// deliveries and attempts, then overwrites the root page of table with
// garbage, as a disk fault would.
func damagedCopy(t *testing.T, table string) string {
	t.Helper()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "hookctl.db")
	s, err := OpenStore(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var recs []store.Record
	for _, id := range []string{"s1", "s2"} {
		recs = append(recs, store.Record{Subscription: &store.Subscription{ID: id, CallbackURL: "http://127.0.0.1:9/" + id,
			Events: []string{"*"}, Status: store.StatusEnabled, Secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", Scheme: "auto", CreatedAt: at, UpdatedAt: at}})
	}
	for _, id := range []string{"e1", "e2"} {
		recs = append(recs, store.Record{Event: &store.Event{ID: id, Type: "ping", Payload: []byte("{}"), CreatedAt: at}})
	}
	for _, id := range []string{"e1", "e2"} {
		recs = append(recs, store.Record{Delivery: &store.Delivery{ID: "d-" + id, EventID: id, SubscriptionID: "s1", URL: "http://127.0.0.1:9/s1",
			Status: store.DeliveryFailed, CreatedAt: at, UpdatedAt: at}})
	}
	for _, id := range []string{"e1", "e2"} {
		recs = append(recs, store.Record{Attempt: &store.Attempt{DeliveryID: "d-" + id, Number: 1, StartedAt: at}})
	}
	for _, r := range recs {
		if err := s.Import(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	var root, size int64
	if err := db.QueryRow(`SELECT rootpage, (SELECT page_size FROM pragma_page_size) FROM sqlite_master WHERE type = 'table' AND name = ?`, table).Scan(&root, &size); err != nil {
		t.Fatal(err)
	}
	db.Close()
	if _, err := os.Stat(path + "-wal"); err == nil {
		if fi, _ := os.Stat(path + "-wal"); fi.Size() > 0 {
			t.Fatalf("the store's WAL was not checkpointed: %d bytes", fi.Size())
		}
	}
	garbage := make([]byte, size)
	rnd := rand.New(rand.NewPCG(1, 2))
	for i := range garbage {
		garbage[i] = byte(rnd.Uint32())
	}
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteAt(garbage, (root-1)*size); err != nil {
		t.Fatal(err)
	}
	f.Close()
	return path
}

// A read of a damaged table is an environment error (exit 3) that names
// the store and says what to do, as a write in a transaction was; it was
// SQLite's bare "database disk image is malformed (11)" with exit 1.
func TestDamagedReadIsEnvironmentError(t *testing.T) {
	path := damagedCopy(t, "subscriptions")
	s, err := OpenStore(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	_, err = s.ListSubscriptions(context.Background(), store.SubscriptionFilter{})
	var env *store.EnvironmentError
	if !errors.As(err, &env) || env.ExitCode() != 3 {
		t.Fatalf("want an *store.EnvironmentError (exit 3), got %T %v", err, err)
	}
	if msg := err.Error(); !strings.Contains(msg, "store "+path+" is damaged: ") || !strings.Contains(msg, "malformed") {
		t.Errorf("error %q", msg)
	}
	if !strings.Contains(env.Hint, "hookctl store export") {
		t.Errorf("hint %q", env.Hint)
	}
	if _, err := s.GetSubscription(context.Background(), "s1"); !errors.As(err, &env) {
		t.Errorf("GetSubscription: want an *store.EnvironmentError, got %T %v", err, err)
	}
}

// Export of a damaged store writes what it can read, leaves out what
// refers to what it could not (so the dump imports into a new store) and
// says so; it stopped at the first unreadable table with exit 1 while the
// hint promised that it kept what could still be read.
func TestDamagedExportKeepsWhatIsReadable(t *testing.T) {
	for _, tc := range []struct {
		table string
		want  map[string]int // records written per kind
	}{
		{"subscriptions", map[string]int{"event": 2, "delivery": 2, "attempt": 2}},
		{"events", map[string]int{"subscription": 2}},
		{"deliveries", map[string]int{"subscription": 2, "event": 2}},
		{"attempts", map[string]int{"subscription": 2, "event": 2, "delivery": 2}},
	} {
		t.Run(tc.table, func(t *testing.T) {
			ctx := context.Background()
			s, err := OpenStore(ctx, damagedCopy(t, tc.table))
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			var recs []store.Record
			got := map[string]int{}
			err = s.Export(ctx, func(r store.Record) error {
				recs = append(recs, r)
				switch {
				case r.Subscription != nil:
					got["subscription"]++
				case r.Event != nil:
					got["event"]++
				case r.Delivery != nil:
					got["delivery"]++
				case r.Attempt != nil:
					got["attempt"]++
				}
				return nil
			})
			var skipped *store.ExportSkippedError
			var env *store.EnvironmentError
			if !errors.As(err, &skipped) || !errors.As(err, &env) {
				t.Fatalf("want an *store.ExportSkippedError in an *store.EnvironmentError, got %T %v", err, err)
			}
			if !strings.Contains(skipped.Skipped[0], "left out the "+tc.table+" after the first 0") {
				t.Errorf("skipped %q", skipped.Skipped)
			}
			if len(got) != len(tc.want) {
				t.Errorf("exported %v, want %v", got, tc.want)
			}
			for k, n := range tc.want {
				if got[k] != n {
					t.Errorf("exported %v, want %v", got, tc.want)
				}
			}
			dst, err := OpenStore(ctx, filepath.Join(t.TempDir(), "new.db"))
			if err != nil {
				t.Fatal(err)
			}
			defer dst.Close()
			if err := dst.ImportBatch(ctx, recs); err != nil {
				t.Errorf("the export does not import: %v", err)
			}
		})
	}
}
