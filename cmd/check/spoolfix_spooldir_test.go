//go:build linux

package check_test

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/check"
	"github.com/hookctl/hookctl/internal/delivery"
)

// spoolOf is the directory of process pid's open check spool file, ""
// while it has none.
func spoolOf(pid int) string {
	fds, _ := filepath.Glob("/proc/" + strconv.Itoa(pid) + "/fd/*")
	for _, fd := range fds {
		if l, err := os.Readlink(fd); err == nil && strings.Contains(filepath.Base(l), "hookctl-check-") {
			return filepath.Dir(strings.TrimSuffix(l, " (deleted)"))
		}
	}
	return ""
}

// TestSpoolfixSpoolBesideTheStore: the file where a burst's answers wait
// for a SQLite store is in the store's directory, not in the temporary
// directory: a burst answered faster than the store records it has
// nearly all its answers waiting (--burst 10000 answered 64 KiB at once:
// ~620 MB), and /tmp is a tmpfs, i.e. RAM, on many systems (Debian 13's
// default). The store's disk receives the answers anyway.
func TestSpoolfixSpoolBesideTheStore(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	storeDir, tmp := filepath.Join(dir, "store"), filepath.Join(dir, "tmp")
	for _, d := range []string{storeDir, tmp} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	// The first answer is given at once (its probe's answer waits in the
	// spool, which is then open); the others once the test has seen
	// where the spool is (or 30 s passed).
	seen := make(chan struct{})
	var n atomic.Int64
	body := bytes.Repeat([]byte("x"), delivery.MaxResponseBody)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		if n.Add(1) > 1 {
			select {
			case <-seen:
			case <-time.After(30 * time.Second):
			}
		}
		w.Header().Set("Content-Type", "text/plain")
		w.Write(body)
	}))
	defer srv.Close()
	c := exec.Command(os.Args[0], "check", srv.URL, "--provider", "bond", "--secret", bondSecret,
		"--only", check.SurvivesBurst, "--burst", "4", "--deadline", "60s", "-o", "json")
	c.Env = append(os.Environ(), "HOOKCTL_CHECK_TEST_AS_HOOKCTL=1", "TMPDIR="+tmp,
		"HOOKCTL_CONFIG_DIR="+filepath.Join(dir, "config"), "HOOKCTL_STORE="+filepath.Join(storeDir, "hookctl.db"),
		"XDG_DATA_HOME="+filepath.Join(dir, "data"), "HOME="+dir)
	var out, errb bytes.Buffer
	c.Stdout, c.Stderr = &out, &errb
	if err := c.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- c.Wait() }()
	where := ""
	var err error
poll:
	for {
		if where = spoolOf(c.Process.Pid); where != "" {
			break
		}
		select {
		case err = <-exited:
			break poll
		case <-time.After(5 * time.Millisecond):
		}
	}
	close(seen)
	if where != "" {
		err = <-exited
	}
	if err != nil {
		t.Fatalf("check: %v\nstdout: %s\nstderr: %s", err, out.String(), errb.String())
	}
	if where != storeDir {
		t.Errorf("the burst's answers waited in a file in %q, want the store's directory %q (TMPDIR is %q)", where, storeDir, tmp)
	}
	if !strings.Contains(out.String(), `"verdict": "PASS"`) {
		t.Errorf("want survives-burst to pass:\n%s", out.String())
	}
	if left, _ := os.ReadDir(storeDir); len(left) == 0 || hasSpool(left) {
		t.Errorf("the store's directory holds %v after the run, want the store and no spool", left)
	}
}

func hasSpool(es []os.DirEntry) bool {
	for _, e := range es {
		if strings.Contains(e.Name(), "hookctl-check-") {
			return true
		}
	}
	return false
}
