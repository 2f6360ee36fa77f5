package main

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hookctl/hookctl/cmd"
)

// faulthuntClockFileEnv, read by the test binary only (not by hookctl),
// names a file holding a duration: the hookctl process's wall clock is
// that far off, read again as the file changes, so a test steps the clock
// of a running process (an NTP correction, an operator setting the time,
// a VM resumed) forward or back.
const faulthuntClockFileEnv = "HOOKCTL_TEST_CLOCK_FILE"

func faulthuntTestClock() {
	path := os.Getenv(faulthuntClockFileEnv)
	if path == "" {
		return
	}
	var (
		mu     sync.Mutex
		offset time.Duration
		read   time.Time
	)
	cmd.Clock = func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		if now := time.Now(); now.Sub(read) > 10*time.Millisecond {
			read = now
			if b, err := os.ReadFile(path); err == nil {
				if d, err := time.ParseDuration(strings.TrimSpace(string(b))); err == nil {
					offset = d
				}
			}
		}
		return time.Now().Add(offset)
	}
}

// TestFaulthuntRetryThroughClockSetBack: the wall clock of a `hookctl
// trigger` run is set back an hour while a retry waits out its 3 s. The
// retry was due at a wall-clock time an hour ahead of the clock now, so
// the run printed "retry in 3s", waited out --wait (for ever with the
// default --wait 0) and left the delivery pending. Now the engine's clock
// does not go back with the wall clock (delivery.SteadyClock): the retry
// goes out 3 s after the first attempt and succeeds.
func TestFaulthuntRetryThroughClockSetBack(t *testing.T) {
	t.Parallel()
	c := newCrashEnv(t)
	clock := filepath.Join(c.dir, "clock")
	if err := os.WriteFile(clock, []byte("0s"), 0o644); err != nil {
		t.Fatal(err)
	}
	c.env = append(c.env, faulthuntClockFileEnv+"="+clock)
	var n atomic.Int32
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		if n.Add(1) == 1 {
			w.WriteHeader(http.StatusInternalServerError) // retried
			return
		}
		w.Write([]byte("ok"))
	}))
	defer app.Close()

	type delivery struct {
		Status       string `json:"status"`
		AttemptCount int    `json:"attempt_count"`
	}
	trigger := c.cmd("hookctl", "trigger", "card.created", "--url", app.URL+"/hooks", "--scheme", "standard",
		"--secret", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "--retry-schedule", "0s,3s", "--wait", "40s", "-o", "json")
	var stdout, stderr bytes.Buffer
	trigger.Stdout, trigger.Stderr = &stdout, &stderr
	if err := trigger.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- trigger.Wait() }()
	// Once the first attempt is recorded (its retry scheduled), the clock
	// is set back an hour.
	for deadline := time.Now().Add(30 * time.Second); ; {
		var ds []delivery
		b, _ := c.cmd("hookctl", "deliveries", "list", "--limit", "0", "-o", "json").Output() // fails until the store exists
		if json.Unmarshal(b, &ds) == nil && len(ds) == 1 && ds[0].AttemptCount == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the first attempt was not recorded within 30 s")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err := os.WriteFile(clock, []byte("-1h"), 0o644); err != nil {
		t.Fatal(err)
	}
	var out struct{ Deliveries []delivery }
	if err := <-done; err != nil {
		t.Fatalf("trigger: %v\n%s", err, stderr.String())
	}
	if err := json.Unmarshal(stdout.Bytes(), &out); err != nil {
		t.Fatalf("%v\n%s", err, stdout.String())
	}
	if len(out.Deliveries) != 1 || out.Deliveries[0].Status != "succeeded" || out.Deliveries[0].AttemptCount != 2 {
		t.Fatalf("after the clock was set back an hour during the back-off: %+v, want succeeded after 2 attempts (the receiver got %d requests)",
			out.Deliveries, n.Load())
	}
}
