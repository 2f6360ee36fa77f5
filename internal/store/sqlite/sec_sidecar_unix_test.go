//go:build unix

package sqlite

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hookctl/hookctl/internal/store"
)

// A -wal or -shm made beforehand by another user next to a store in a
// shared directory (--store /tmp/hooks.db) is refused: SQLite took it over
// as it found it, open to that user, and wrote every change there, the
// subscriptions' secrets included.
func TestSidecarOfAnotherUserRefused(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to give a file to another user")
	}
	for _, side := range []string{"-wal", "-shm"} {
		t.Run(side, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "hooks.db")
			planted := path + side
			if err := os.WriteFile(planted, nil, 0o666); err != nil {
				t.Fatal(err)
			}
			if err := os.Chmod(planted, 0o666); err != nil {
				t.Fatal(err)
			}
			if err := os.Chown(planted, 65534, 65534); err != nil {
				t.Fatal(err)
			}
			st, err := Open(context.Background(), path)
			if err == nil {
				size := int64(-1)
				if fi, err := os.Stat(planted); err == nil {
					size = fi.Size()
				}
				st.Close()
				t.Fatalf("store opened with another user's %s (%d bytes in it while open)", side, size)
			}
			var ee *store.EnvironmentError
			if !errors.As(err, &ee) || !strings.Contains(err.Error(), planted+" belongs to another user") {
				t.Fatalf("error %v (%T), want an environment error naming %s", err, err, planted)
			}
			if fi, err := os.Stat(planted); err != nil || fi.Size() != 0 {
				t.Fatalf("%s written to: %v", planted, err)
			}
		})
	}
	// Sidecars of the store's owner are SQLite's own: opened as always.
	dir := t.TempDir()
	path := filepath.Join(dir, "hooks.db")
	st, err := Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	st2, err := Open(context.Background(), path)
	if err != nil {
		t.Fatalf("second open beside the first one's -wal and -shm: %v", err)
	}
	st2.Close()
	st.Close()
}
