package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/store"
	"github.com/hookctl/hookctl/internal/testutil/syncbuf"
)

// migwaitMark writes the marker of an upgrade of path by process pid,
// not locked: what an upgrader that died left.
func migwaitMark(t *testing.T, path string, pid int) {
	t.Helper()
	if err := os.WriteFile(upgradeMarker(path), []byte(fmt.Sprintln(pid)), 0o600); err != nil {
		t.Fatal(err)
	}
}

// migwaitHold writes the marker of an upgrade of path by process pid and
// holds its lock until the test ends, as that process would for its
// upgrade (flock locks belong to an open file: this test's stands for
// the other process's). Where there is no flock, the marker is written
// unlocked (its PID then says).
func migwaitHold(t *testing.T, path string, pid int) {
	t.Helper()
	f, err := createLocked(upgradeMarker(path), 0o600, []byte(fmt.Sprintln(pid)), nil)
	if errors.Is(err, errors.ErrUnsupported) {
		migwaitMark(t, path, pid)
		return
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
}

// migwaitLivePID is a live process other than this one: a sleep that
// stays until the test ends.
func migwaitLivePID(t *testing.T) int {
	t.Helper()
	p, err := exec.LookPath("sleep")
	if err != nil {
		t.Skip("no sleep program to stand for the upgrading process")
	}
	c := exec.Command(p, "600")
	if err := c.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		c.Process.Kill()
		c.Wait()
	})
	return c.Process.Pid
}

// TestMigwaitUpgradeGivesUp: a store another live process is upgrading
// (its marker names it) for longer than the upgrade wait is not opened:
// the error names the process and the wait, and the store is left as it
// was. Before, the marker did not exist and nothing waited.
func TestMigwaitUpgradeGivesUp(t *testing.T) {
	old := upgradeWait
	upgradeWait = 300 * time.Millisecond
	t.Cleanup(func() { upgradeWait = old })
	path := filepath.Join(t.TempDir(), "s.db")
	writeSchema10(t, path, 10)
	pid := migwaitLivePID(t)
	migwaitHold(t, path, pid)
	var notes syncbuf.Buffer
	ctx := store.WithNotices(context.Background(), &notes)
	for _, open := range []struct {
		name string
		open func() error
	}{
		{"OpenStore", func() error {
			s, err := OpenStore(ctx, path)
			if err == nil {
				s.Close()
			}
			return err
		}},
		{"OpenReader", func() error {
			s, err := OpenReader(ctx, path, time.Second)
			if err == nil {
				s.Close()
			}
			return err
		}},
	} {
		err := open.open()
		var env *store.EnvironmentError
		want := fmt.Sprintf("store %s is still being upgraded by another hookctl (PID %d) after 300ms", path, pid)
		if !errors.As(err, &env) || !strings.Contains(err.Error(), want) || !strings.Contains(env.Hint, "let that upgrade finish") {
			t.Errorf("%s: %v, want an environment error %q with a hint", open.name, err, want)
		}
	}
	if want := fmt.Sprintf("is being upgraded by another hookctl (PID %d) from schema 10 to %d; waiting", pid, SchemaVersion()); strings.Count(notes.String(), want) != 2 {
		t.Errorf("notices %q, want %q once per open", notes.String(), want)
	}
	raw, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	var v int
	if err := raw.QueryRow(`PRAGMA user_version`).Scan(&v); err != nil || v != 10 {
		t.Errorf("schema %d (%v) after giving up, want 10 untouched", v, err)
	}
}

// TestMigwaitDeadUpgrader: the marker of a process that is gone (killed
// in its upgrade, which SQLite undid) is no reason to wait: the store is
// upgraded at once and the marker removed.
func TestMigwaitDeadUpgrader(t *testing.T) {
	old := upgradeWait
	upgradeWait = time.Hour // a wait would time the test out
	t.Cleanup(func() { upgradeWait = old })
	path := filepath.Join(t.TempDir(), "s.db")
	writeSchema10(t, path, 10)
	c := exec.Command(os.Args[0], "-test.run=^$")
	if err := c.Run(); err != nil {
		t.Fatal(err)
	}
	migwaitMark(t, path, c.Process.Pid)
	var notes syncbuf.Buffer
	s, err := OpenStore(store.WithNotices(context.Background(), &notes), path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if v, _, err := s.SchemaVersion(context.Background()); err != nil || v != SchemaVersion() {
		t.Errorf("schema %d (%v), want %d", v, err, SchemaVersion())
	}
	if notes.String() != "" {
		t.Errorf("notices %q, want none", notes.String())
	}
	if _, err := os.Stat(upgradeMarker(path)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("marker left after the upgrade: %v", err)
	}
}

// TestMigwaitReaderWaitsForUpgrade: a reader (deliveries tail, a read of a
// store this user may not write) opening a store another process is
// upgrading refused it as "older than this hookctl's, and a reader does
// not migrate it". Now it waits for the upgrade and reads the upgraded
// store.
func TestMigwaitReaderWaitsForUpgrade(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.db")
	s, err := OpenStore(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	raw, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	if _, err := raw.Exec(`PRAGMA user_version = 10`); err != nil {
		t.Fatal(err)
	}
	pid := migwaitLivePID(t)
	migwaitHold(t, path, pid)
	var notes syncbuf.Buffer
	type result struct {
		s   *Store
		err error
	}
	done := make(chan result, 1)
	go func() {
		r, err := OpenReader(store.WithNotices(context.Background(), &notes), path, time.Second)
		done <- result{r, err}
	}()
	for end := time.Now().Add(time.Minute); !strings.Contains(notes.String(), "being upgraded"); time.Sleep(10 * time.Millisecond) {
		select {
		case r := <-done:
			t.Fatalf("OpenReader did not wait for the upgrade: %v", r.err)
		default:
		}
		if time.Now().After(end) {
			t.Fatal("OpenReader did not say it waits")
		}
	}
	// The upgrade ends.
	if _, err := raw.Exec(fmt.Sprintf(`PRAGMA user_version = %d`, SchemaVersion())); err != nil {
		t.Fatal(err)
	}
	os.Remove(upgradeMarker(path))
	r := <-done
	if r.err != nil {
		t.Fatalf("OpenReader after the upgrade: %v", r.err)
	}
	r.s.Close()
	if !strings.Contains(notes.String(), "ended after") {
		t.Errorf("notices %q do not say the wait ended", notes.String())
	}
}
