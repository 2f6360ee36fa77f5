//go:build unix

package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/store"
	"github.com/hookctl/hookctl/internal/testutil/syncbuf"
)

// TestEvseqMarkerOfDeadUpgraderNamingLiveProcess: the marker an upgrader
// left when it died (kill -9: SQLite undid its upgrade; nothing holds
// the marker's lock) names a PID that a live, unrelated process has
// since (PIDs are reused): it is no reason to wait, and the store is
// upgraded at once. Before, the PID alone said an upgrade was under way:
// the open waited the whole upgrade wait and failed naming that process.
func TestEvseqMarkerOfDeadUpgraderNamingLiveProcess(t *testing.T) {
	old := upgradeWait
	upgradeWait = 3 * time.Second
	t.Cleanup(func() { upgradeWait = old })
	path := filepath.Join(t.TempDir(), "s.db")
	writeSchema10(t, path, 10)
	migwaitMark(t, path, migwaitLivePID(t))
	var notes syncbuf.Buffer
	s, err := OpenStore(store.WithNotices(context.Background(), &notes), path)
	if err != nil {
		t.Fatalf("open of a store whose upgrader died, its PID now another process's: %v", err)
	}
	defer s.Close()
	if v, _, err := s.SchemaVersion(context.Background()); err != nil || v != SchemaVersion() {
		t.Errorf("schema %d (%v), want %d", v, err, SchemaVersion())
	}
	if notes.String() != "" {
		t.Errorf("notices %q, want none", notes.String())
	}
	if _, err := os.Stat(upgradeMarker(path)); err == nil {
		t.Errorf("marker left after the upgrade")
	}
}

// TestEvseqMarkerFromAnotherPIDNamespace: a process upgrading the store
// from another PID namespace (a container sharing the volume) holds the
// store's write lock and its marker's lock, and its marker names a PID
// that means nothing here: this process's own (both are PID 1 in their
// containers) or one no process here has. A command opening the store
// says it waits for that upgrade and runs once it ended. Before, the
// PID was taken for the upgrader's: dead or this process, no upgrade was
// waited for, and the open failed after the busy timeout with the store
// "locked by another process".
func TestEvseqMarkerFromAnotherPIDNamespace(t *testing.T) {
	unused := 0
	for pid := 4_000_000; pid > 3_000_000; pid -= 7919 {
		if !processAlive(pid) {
			unused = pid
			break
		}
	}
	for name, pid := range map[string]int{"own PID": os.Getpid(), "unknown PID": unused} {
		t.Run(name, func(t *testing.T) {
			if pid == 0 {
				t.Skip("no unused PID found")
			}
			path := filepath.Join(t.TempDir(), "s.db")
			writeSchema10(t, path, 10)
			// The other namespace's upgrade: the store's write lock and
			// the marker's lock held.
			raw, err := sql.Open("sqlite", "file:"+path)
			if err != nil {
				t.Fatal(err)
			}
			defer raw.Close()
			raw.SetMaxOpenConns(1)
			if _, err := raw.Exec(`PRAGMA journal_mode = WAL`); err != nil { // as hookctl made it
				t.Fatal(err)
			}
			upgrading, err := raw.Begin()
			if err != nil {
				t.Fatal(err)
			}
			if _, err := upgrading.Exec(`UPDATE subscriptions SET updated_at = updated_at`); err != nil {
				t.Fatal(err)
			}
			marker, err := createLocked(upgradeMarker(path), 0o600, []byte(fmt.Sprintln(pid)), nil)
			if err != nil {
				t.Fatal(err)
			}
			defer marker.Close()

			var notes syncbuf.Buffer
			type result struct {
				s   *Store
				err error
			}
			done := make(chan result, 1)
			go func() {
				s, err := OpenStore(store.WithNotices(context.Background(), &notes), path)
				done <- result{s, err}
			}()
			want := fmt.Sprintf("is being upgraded by another hookctl (PID %d) from schema 10 to %d; waiting", pid, SchemaVersion())
			for end := time.Now().Add(time.Minute); !strings.Contains(notes.String(), want); time.Sleep(10 * time.Millisecond) {
				select {
				case r := <-done:
					if r.s != nil {
						r.s.Close()
					}
					t.Fatalf("the open did not wait for the other namespace's upgrade: %v (notices %q)", r.err, notes.String())
				default:
				}
				if time.Now().After(end) {
					t.Fatalf("the open did not say it waits: notices %q", notes.String())
				}
			}
			// That upgrade ends (undone, as a killed one is): the open
			// goes on and upgrades the store itself.
			upgrading.Rollback()
			os.Remove(upgradeMarker(path))
			marker.Close()
			r := <-done
			if r.err != nil {
				t.Fatalf("open after the other upgrade ended: %v", r.err)
			}
			defer r.s.Close()
			if v, _, err := r.s.SchemaVersion(context.Background()); err != nil || v != SchemaVersion() {
				t.Errorf("schema %d (%v), want %d", v, err, SchemaVersion())
			}
			if !strings.Contains(notes.String(), "ended after") {
				t.Errorf("notices %q do not say the wait ended", notes.String())
			}
		})
	}
}
