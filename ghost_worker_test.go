//go:build !windows

package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// startGhostWorker starts `hookctl worker -o json` and returns its stdout
// and stderr (read as they come) and a wait func.
func startGhostWorker(t *testing.T, g *ghostEnv) (out, errb *lockedBuffer, wait func() error) {
	t.Helper()
	cmd := g.cmd("worker", "-o", "json", "--poll", "50ms")
	out, errb = &lockedBuffer{}, &lockedBuffer{}
	cmd.Stdout, cmd.Stderr = out, errb
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var once sync.Once
	var werr error
	wait = func() error {
		once.Do(func() { werr = cmd.Wait() })
		return werr
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		wait()
		if t.Failed() {
			t.Logf("worker's stdout:\n%s\nstderr:\n%s", out.String(), errb.String())
		}
	})
	return out, errb, wait
}

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestWorkerStoreFileGone: a `hookctl worker` whose SQLite file is deleted
// under it recorded every attempt from then on into the deleted file (lost
// when it exits), reported them as recorded, and ran on for ever. Now it
// stops with exit 3, the error and the hint: at once when it records an
// attempt made meanwhile (which its JSON line says was not recorded), and
// when idle at its next claim.
func TestWorkerStoreFileGone(t *testing.T) {
	t.Parallel()
	t.Run("attempt in flight", func(t *testing.T) {
		g := newGhostEnv(t)
		// The first request (trigger's attempt) fails; the next (the
		// worker's retry) is held until the store file is gone.
		var n atomic.Int32
		held, release := make(chan struct{}), make(chan struct{})
		app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			io.Copy(io.Discard, r.Body)
			if n.Add(1) == 1 {
				w.WriteHeader(http.StatusInternalServerError)
				return
			}
			close(held)
			<-release
		}))
		t.Cleanup(app.Close)
		t.Cleanup(func() {
			select {
			case <-release:
			default:
				close(release)
			}
		})
		g.run("subscribe", "--url", app.URL+"/hooks", "--events", "card.created")
		g.run("trigger", "card.created", "--retry-schedule", "0s,1s,1s", "--wait", "300ms")
		out, errb, wait := startGhostWorker(t, g)
		select {
		case <-held:
		case <-time.After(20 * time.Second):
			t.Fatal("the worker did not send the retry")
		}
		g.removeStore()
		close(release)
		if code := exitCode(wait, 15*time.Second); code != 3 {
			t.Fatalf("worker after its store file was deleted: exit %d, want it to stop by itself with 3", code)
		}
		// (recording the attempt, or a claim made meanwhile, finds out)
		for _, want := range []string{"store " + g.db + ": the file is gone",
			"hookctl: hint: check the store file's permissions and that it is still in place (hookctl store info)"} {
			if !strings.Contains(errb.String(), want) {
				t.Errorf("worker's stderr does not say %q", want)
			}
		}
		var lines []map[string]any
		sc := bufio.NewScanner(strings.NewReader(out.String()))
		for sc.Scan() {
			var l map[string]any
			if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
				t.Fatalf("stdout line %q: %v", sc.Text(), err)
			}
			lines = append(lines, l)
		}
		if len(lines) != 1 {
			t.Fatalf("%d attempt lines, want the one made as the store went", len(lines))
		}
		if nr, _ := lines[0]["not_recorded"].(string); !strings.Contains(nr, "the file is gone") {
			t.Errorf("the attempt's line does not say it was not recorded: %v", lines[0])
		}
	})
	t.Run("idle", func(t *testing.T) {
		g := newGhostEnv(t)
		g.run("subscribe", "--url", "http://127.0.0.1:1/hooks", "--events", "card.created")
		_, errb, wait := startGhostWorker(t, g)
		for deadline := time.Now().Add(15 * time.Second); !strings.Contains(errb.String(), "delivering due deliveries"); {
			if time.Now().After(deadline) {
				t.Fatal("the worker did not start")
			}
			time.Sleep(10 * time.Millisecond)
		}
		g.removeStore()
		if code := exitCode(wait, 15*time.Second); code != 3 {
			t.Fatalf("idle worker after its store file was deleted: exit %d, want it to stop by itself with 3", code)
		}
		if want := "hookctl: error: claiming deliveries: store " + g.db + ": the file is gone"; !strings.Contains(errb.String(), want) {
			t.Errorf("worker's stderr does not say %q", want)
		}
	})
}
