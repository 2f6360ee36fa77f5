//go:build !windows

package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/store"
	"github.com/hookctl/hookctl/internal/store/postgres/pgtest"
)

// TestExpungeleftWorkerSendsNoExpungedPayload: a Svix message's content
// expunged through `hookctl serve --no-worker` is not sent afterwards by a
// separate, long-running `hookctl worker` that had already read it. The
// message goes to two endpoints; the worker (-c 1) claims both deliveries
// in one claim (one in flight, the other queued behind it with its
// event), and the receiver holds the first request until the content was
// expunged 200 ms ago, then fails it (500). Before, the worker then sent the queued
// delivery with the payload it held (the store had failed the delivery
// and taken its lease, which the worker noticed only when it recorded the
// attempt): the receiver got the body after the expunge, on both stores.
// Now an event copy older than eventTTL (100 ms) is read again before it
// is sent: the attempt
// reads "not sent: the event's payload was expunged", nothing reaches the
// receiver, and both deliveries stay failed with that error.
func TestExpungeleftWorkerSendsNoExpungedPayload(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) {
		dir := t.TempDir()
		testExpungeleftWorker(t, dir, filepath.Join(dir, "hookctl.db"))
	})
	t.Run("postgres", func(t *testing.T) {
		testExpungeleftWorker(t, t.TempDir(), pgtest.URL(t))
	})
}

func testExpungeleftWorker(t *testing.T, dir, storeArg string) {
	bin := hookctlBinary(t)
	const marker = "EXPUNGEME-4c1d7e"
	var (
		mu      sync.Mutex
		bodies  []string
		first   = make(chan struct{})
		release = make(chan struct{})
	)
	rcv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		bodies = append(bodies, r.URL.Path+" "+string(b))
		n := len(bodies)
		mu.Unlock()
		if n == 1 {
			close(first)
			select {
			case <-release:
			case <-r.Context().Done():
			}
			w.WriteHeader(http.StatusInternalServerError)
			return
		}
		w.WriteHeader(http.StatusOK)
	}))
	defer rcv.Close()
	defer func() {
		select {
		case <-release:
		default:
			close(release)
		}
	}()
	env := []string{"HOME=" + dir, "HOOKCTL_CONFIG_DIR=" + filepath.Join(dir, "config"), "PATH=" + os.Getenv("PATH")}
	c := exec.Command(bin, "--store", storeArg, "serve", "--port", "0", "--no-worker", "-o", "json")
	c.Dir, c.Env = dir, env
	srv := startServe(t, c)
	svixWant(t, srv.URL, "POST", "/api/v1/app", `{"name":"Cards","uid":"cards"}`, 201)
	svixWant(t, srv.URL, "POST", "/api/v1/app/cards/endpoint", `{"url":"`+rcv.URL+`/a"}`, 201)
	svixWant(t, srv.URL, "POST", "/api/v1/app/cards/endpoint", `{"url":"`+rcv.URL+`/b"}`, 201)
	msg := svixWant(t, srv.URL, "POST", "/api/v1/app/cards/msg", `{"eventType":"card.created","payload":{"card":"`+marker+`"}}`, 202)["id"].(string)

	w := exec.Command(bin, "--store", storeArg, "worker", "-c", "1", "--poll", "50ms", "-o", "json")
	w.Dir, w.Env = dir, env
	var stderr bytes.Buffer
	w.Stderr = &stderr
	out, err := w.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Start(); err != nil {
		t.Fatal(err)
	}
	lines := make(chan map[string]any, 16)
	go func() {
		sc := bufio.NewScanner(out)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			var m map[string]any
			if json.Unmarshal(sc.Bytes(), &m) == nil {
				lines <- m
			}
		}
		close(lines)
	}()
	t.Cleanup(func() {
		w.Process.Kill()
		w.Wait()
		if t.Failed() {
			t.Logf("worker's stderr:\n%s", stderr.String())
		}
	})
	select {
	case <-first:
	case <-time.After(60 * time.Second):
		t.Fatal("the worker sent nothing in 60 s")
	}
	svixWant(t, srv.URL, "DELETE", "/api/v1/app/cards/msg/"+msg+"/content", "", 204)
	// Not a synchronisation: the queued attempt is to start well after
	// the expunge (eventTTL, 100 ms), as a retry claimed before it or a
	// delivery queued behind slow receivers does; within ~0.5 s, before
	// the worker would give up the delivery whose lease the expunge took.
	time.Sleep(200 * time.Millisecond)
	close(release)

	// The worker reports both deliveries: the one in flight (sent before
	// the expunge) and the one it held.
	var got []map[string]any
	deadline := time.After(60 * time.Second)
	for len(got) < 2 {
		select {
		case m, ok := <-lines:
			if !ok {
				t.Fatalf("the worker exited: %v", got)
			}
			if m["kind"] == "attempt" {
				got = append(got, m)
			}
		case <-deadline:
			t.Fatalf("the worker reported %d attempts in 60 s, want 2: %v", len(got), got)
		}
	}
	mu.Lock()
	sent := append([]string(nil), bodies...)
	mu.Unlock()
	if len(sent) != 1 {
		t.Errorf("the receiver got %d requests, want 1 (the one before the expunge): %q", len(sent), sent)
	}
	for _, b := range sent[1:] {
		if strings.Contains(b, marker) {
			t.Errorf("the expunged payload was sent after the expunge: %s", b)
		}
	}
	unsent := 0
	for _, m := range got {
		if m["error"] == store.ExpungedError {
			unsent++
		}
		// Neither attempt is recorded (the expunge took both leases):
		// the lines say so, and promise no retry.
		if nr, _ := m["not_recorded"].(string); !strings.HasPrefix(nr, "lease lost") || m["retry"] != false {
			t.Errorf("the worker's line of an attempt whose lease the expunge took: not_recorded %q, retry %v; want lease lost, false", m["not_recorded"], m["retry"])
		}
	}
	if unsent != 1 {
		t.Errorf("the worker's attempts: %v; want one %q", got, store.ExpungedError)
	}
	// Both deliveries end failed, with the expunge's error.
	list := exec.Command(bin, "--store", storeArg, "deliveries", "list", "-o", "json")
	list.Dir, list.Env = dir, env
	b, err := list.Output()
	if err != nil {
		t.Fatalf("deliveries list: %v", err)
	}
	var ds []struct {
		Status    string `json:"status"`
		LastError string `json:"last_error"`
	}
	if err := json.Unmarshal(b, &ds); err != nil {
		t.Fatalf("deliveries list: %v\n%s", err, b)
	}
	if len(ds) != 2 {
		t.Fatalf("deliveries: %s", b)
	}
	for _, d := range ds {
		if d.Status != "failed" || d.LastError != store.ExpungedError {
			t.Errorf("delivery after the expunge: %s %q, want failed %q", d.Status, d.LastError, store.ExpungedError)
		}
	}
}
