package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/signature"
)

// TestListenDiskFull: listen runs with a file-size limit (RLIMIT_FSIZE,
// `ulimit -f`), so its journal cannot grow past its first preallocated
// chunk: the disk is full for it. Senders must then get 503 with
// Retry-After (never a 2xx for an event it could not make durable), and
// every event it did answer 2xx is in the store afterwards.
func TestListenDiskFull(t *testing.T) {
	c := newCrashEnv(t)
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.Write([]byte("ok"))
	}))
	defer app.Close()
	// 6 MiB: the journal's first 4 MiB chunk fits, the next one does not.
	cmd := c.cmd("bash", "-c", "ulimit -f 6144 && exec hookctl listen --port 0 --forward "+app.URL+" -o json")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	br := bufio.NewReader(stdout)
	line, err := br.ReadBytes('\n')
	var ready readyLine
	if err != nil || json.Unmarshal(line, &ready) != nil || ready.Kind != "ready" {
		t.Fatalf("first stdout line %q (%v); stderr %s", line, err, stderr.String())
	}
	done := make(chan error, 1)
	go func() { io.Copy(io.Discard, br); done <- cmd.Wait() }()

	sc, _ := signature.Lookup("standard")
	client := &http.Client{Timeout: 30 * time.Second}
	pad := strings.Repeat("x", 1500)
	var (
		mu          sync.Mutex
		acked       = map[string]bool{}
		refused     atomic.Int64
		retryAfter  atomic.Int64
		next        atomic.Int64
		wg          sync.WaitGroup
		okAfterFull atomic.Int64
	)
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for refused.Load() < 200 {
				i := next.Add(1)
				if i > 20000 {
					return
				}
				id := fmt.Sprintf("msg_full_%d", i)
				body := []byte(`{"type":"card.created","data":{"n":` + fmt.Sprint(i) + `,"pad":"` + pad + `"}}`)
				h, err := sc.Sign(signature.SignInput{Secrets: []string{ready.Secret}, ID: id, Timestamp: time.Now(), Body: body})
				if err != nil {
					t.Error(err)
					return
				}
				req, _ := http.NewRequest("POST", ready.URL+"/hooks", bytes.NewReader(body))
				req.Header = h
				resp, err := client.Do(req)
				if err != nil {
					t.Errorf("listen stopped answering: %v\n%s", err, stderr.String())
					return
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				switch {
				case resp.StatusCode/100 == 2:
					mu.Lock()
					acked[id] = true
					mu.Unlock()
					if refused.Load() > 0 {
						okAfterFull.Add(1)
					}
				case resp.StatusCode == http.StatusServiceUnavailable:
					refused.Add(1)
					if resp.Header.Get("Retry-After") != "" {
						retryAfter.Add(1)
					}
				default:
					t.Errorf("status %d", resp.StatusCode)
				}
			}
		}()
	}
	wg.Wait()
	if refused.Load() == 0 {
		t.Fatalf("no 503 after %d requests with the journal at its size limit", next.Load())
	}
	if retryAfter.Load() != refused.Load() {
		t.Errorf("%d of %d 503s without Retry-After", refused.Load()-retryAfter.Load(), refused.Load())
	}
	if len(acked) == 0 {
		t.Fatal("nothing was acknowledged before the disk was full")
	}
	cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		cmd.Process.Kill()
		<-done // stderr written to the end
		t.Fatalf("listen did not stop\n%s", stderr.String())
	}
	// Without the limit, `store export` imports whatever the journal still
	// holds: every acknowledged event must be there.
	stored := exportedEventIDs(t, c)
	missing := 0
	for id := range acked {
		if !stored[id] {
			missing++
		}
	}
	t.Logf("acknowledged %d, refused %d with 503 (+%d acknowledged between refusals), missing %d", len(acked), refused.Load(), okAfterFull.Load(), missing)
	if missing > 0 {
		t.Fatalf("%d of %d acknowledged events missing from the store\nlisten stderr:\n%s", missing, len(acked), stderr.String())
	}
}
