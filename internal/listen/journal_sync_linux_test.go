package listen

import (
	"errors"
	"os"
	"path/filepath"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// groupSync takes the raw call only after a fast flush, goes back to the
// ordinary one after a slow flush, and reports errors from both.
func TestGroupSyncPolicy(t *testing.T) {
	f, err := os.Create(filepath.Join(t.TempDir(), "j"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var quick atomic.Bool
	defer func(d time.Duration) { rawSyncMax = d }(rawSyncMax)

	rawSyncMax = time.Hour // every flush counts as fast
	for i := range 3 {
		if _, err := f.Write([]byte("frame")); err != nil {
			t.Fatal(err)
		}
		if err := groupSync(f, &quick); err != nil {
			t.Fatalf("flush %d: %v", i, err)
		}
		if !quick.Load() {
			t.Fatalf("flush %d was fast but the next one is not raw", i)
		}
	}
	rawSyncMax = 0 // every flush counts as slow
	if err := groupSync(f, &quick); err != nil {
		t.Fatal(err)
	}
	if quick.Load() {
		t.Fatal("a slow flush left the raw path on")
	}

	// Errors come back from either path, and an error turns the raw path off.
	rawSyncMax = time.Hour
	quick.Store(true)
	bad, err := os.Create(f.Name() + ".closed")
	if err != nil {
		t.Fatal(err)
	}
	bad.Close() // no descriptor any more: EBADF
	for _, raw := range []bool{true, false} {
		quick.Store(raw)
		if err := groupSync(bad, &quick); !errors.Is(err, syscall.EBADF) {
			t.Fatalf("raw=%v: got %v, want EBADF", raw, err)
		}
		if quick.Load() {
			t.Fatalf("raw=%v: a failed flush left the raw path on", raw)
		}
	}
}
