//go:build !windows

package main

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestTriggerStoreFileGone: `hookctl trigger --count` whose SQLite file is
// deleted during the run wrote the rest of the run into the deleted file,
// counted its summary from it and exited 0 ("20 succeeded"), though
// nothing of the run was kept. Now it says what was lost, with the store's
// path and the hint, and exits 3.
func TestTriggerStoreFileGone(t *testing.T) {
	g := newGhostEnv(t)
	// The receiver holds every request after the 5th until the store
	// file is gone: the run is surely under way when it goes.
	var n atomic.Int32
	held, release := make(chan struct{}), make(chan struct{})
	var once sync.Once
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		if n.Add(1) > 5 {
			once.Do(func() { close(held) })
			<-release
		}
	}))
	t.Cleanup(app.Close)
	var releaseOnce sync.Once
	free := func() { releaseOnce.Do(func() { close(release) }) }
	t.Cleanup(free)
	g.run("subscribe", "--url", app.URL+"/hooks", "--events", "card.created")
	out, errb := g.removeStoreDuring(g.cmd("trigger", "card.created", "--count", "20", "--concurrency", "2"), held, free, "trigger")
	for _, want := range []string{"hookctl: error: store " + g.db + ": the file is gone",
		"what this run recorded (its events, deliveries and attempts) is lost with it",
		"hookctl: hint: check the store file's permissions and that it is still in place (hookctl store info)"} {
		if !strings.Contains(errb, want) {
			t.Errorf("trigger's stderr does not say %q:\n%s", want, errb)
		}
	}
	if strings.Contains(out, "20 deliveries: ") {
		t.Errorf("trigger printed a summary counted from the deleted file:\n%s", out)
	}
}

// removeStoreDuring starts cmd, waits until it has reached the receiver
// (held), deletes the store file, lets the receiver answer (free) and
// wants exit 3; it returns what cmd printed.
func (g *ghostEnv) removeStoreDuring(cmd *exec.Cmd, held <-chan struct{}, free func(), what string) (stdout, stderr string) {
	t := g.t
	t.Helper()
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	select {
	case <-held:
	case <-time.After(20 * time.Second):
		t.Fatalf("the %s did not reach the receiver", what)
	}
	g.removeStore()
	free()
	if code := exitCode(cmd.Wait, 30*time.Second); code != 3 {
		t.Fatalf("%s whose store file was deleted during the run: exit %d, want 3\nstdout:\n%s\nstderr:\n%s", what, code, out.String(), errb.String())
	}
	return out.String(), errb.String()
}
