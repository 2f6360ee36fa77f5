package main

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/signature"
)

// TestHuntlistenConcurrentDuplicateFlagged: the same event id sent twice
// at once (`hookctl trigger --duplicate 2`, a provider retrying while
// the first attempt is still being answered) is flagged as a duplicate
// by listen. The old code marked an id as seen only once its forward had
// finished, so a copy arriving while the first was still with the app,
// the case an app's de-duplication most often gets wrong, was logged as
// a plain new event: `trigger --duplicate 3` showed three "verified"
// lines and no "duplicate".
func TestHuntlistenConcurrentDuplicateFlagged(t *testing.T) {
	if _, err := exec.LookPath("hookctl"); err != nil {
		t.Skip("hookctl is not on PATH")
	}
	t.Parallel()
	c := newCrashEnv(t)
	// The app holds each request until both have reached it (or 15 s):
	// the second copy is sent on while the first is still in flight.
	var mu sync.Mutex
	arrived := 0
	both := make(chan struct{})
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		mu.Lock()
		arrived++
		if arrived == 2 {
			close(both)
		}
		mu.Unlock()
		select {
		case <-both:
		case <-time.After(15 * time.Second):
		}
		w.Write([]byte("ok"))
	}))
	defer app.Close()
	const secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	port := mustFreePort(t)
	stop := startListen(t, c, port, "--forward", app.URL+"/hook", "--scheme", "standard", "--secret", secret)

	body := []byte(`{"type":"invoice.paid","data":{"id":"in_1"}}`)
	sc, err := signature.Lookup("standard")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for i := 0; i < 2; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			h, err := sc.Sign(signature.SignInput{Secrets: []string{secret}, ID: "msg_huntlisten_dup", Timestamp: time.Now(), Body: body})
			if err != nil {
				t.Error(err)
				return
			}
			req, _ := http.NewRequest("POST", "http://127.0.0.1:"+port+"/", bytes.NewReader(body))
			for k, v := range h {
				req.Header[k] = v
			}
			req.Header.Set("Content-Type", "application/json")
			resp, err := (&http.Client{Timeout: 30 * time.Second}).Do(req)
			if err != nil {
				t.Error(err)
				return
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 {
				t.Errorf("status %d", resp.StatusCode)
			}
		}()
	}
	wg.Wait()
	out, errOut := stop()
	events, dups := 0, 0
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		var l struct {
			Kind      string `json:"kind"`
			EventID   string `json:"event_id"`
			Duplicate bool   `json:"duplicate"`
		}
		if err := json.Unmarshal([]byte(line), &l); err != nil {
			t.Fatalf("%v: %q", err, line)
		}
		if l.Kind == "event" && l.EventID == "msg_huntlisten_dup" {
			events++
			if l.Duplicate {
				dups++
			}
		}
	}
	if events != 2 || dups != 1 {
		t.Errorf("%d events, %d flagged duplicate; want 2 and 1\nstdout: %s\nstderr: %s", events, dups, out, errOut)
	}
}
