package listen

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// A journal whose header cannot be written (the disk full: here a file
// size limit of 10 bytes) is an error at once, and no file is left: the
// header write's error was scoped to its if statement and lost, so listen
// went on with a journal that had no header.
func TestCreateJournalHeaderWriteFails(t *testing.T) {
	if dir := os.Getenv("HOOKCTL_TEST_JOURNAL_DIR"); dir != "" {
		syscall.Setrlimit(syscall.RLIMIT_FSIZE, &syscall.Rlimit{Cur: 10, Max: 10})
		j, err := createJournal(dir, "key", fileOwner{})
		if err == nil {
			j.close(false)
			os.Stdout.WriteString("created\n")
			return
		}
		os.Stdout.WriteString("error: " + err.Error() + "\n")
		return
	}
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^TestCreateJournalHeaderWriteFails$")
	cmd.Env = append(os.Environ(), "HOOKCTL_TEST_JOURNAL_DIR="+dir)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	if !strings.Contains(string(out), "error: ") || !strings.Contains(string(out), "file too large") {
		t.Fatalf("createJournal with the header unwritable: %s, want an error", out)
	}
	if left, _ := filepath.Glob(filepath.Join(dir, "*.journal")); len(left) != 0 {
		t.Errorf("left %v", left)
	}
}
