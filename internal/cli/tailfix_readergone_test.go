//go:build linux || darwin

package cli

import (
	"os"
	"path/filepath"
	"testing"
)

// TestTailfixReaderGone: the write end of a pipe is watched, and gone
// once its reader closed it; a file is not watched.
func TestTailfixReaderGone(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	gone, ok := ReaderGone(w)
	if !ok {
		t.Fatal("a pipe is not watched")
	}
	if gone() {
		t.Error("gone while its reader is open")
	}
	r.Close()
	if !gone() {
		t.Error("not gone once its reader closed it")
	}
	f, err := os.Create(filepath.Join(t.TempDir(), "out"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, ok := ReaderGone(f); ok {
		t.Error("a file is watched")
	}
}
