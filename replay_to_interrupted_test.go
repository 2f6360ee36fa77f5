package main

import (
	"encoding/json"
	"net/http"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/store/postgres/pgtest"
	"github.com/hookctl/hookctl/internal/testutil/syncbuf"
)

// TestReplayFailedToInterruptedKeepsURL: `replay --failed --to URL`
// stopped by Ctrl-C puts the deliveries it requeued and did not send back
// where they were, URL included. Before, they went back failed with the
// --to URL, where they were never sent, and a later plain `replay
// --failed` sent them there. The ones it did send keep the --to URL
// (their last attempt went there).
func TestReplayFailedToInterruptedKeepsURL(t *testing.T) {
	t.Parallel()
	for _, backend := range []string{"sqlite", "postgres"} {
		t.Run(backend, func(t *testing.T) {
			c := newCrashEnv(t)
			if backend == "postgres" {
				if os.Getenv("HOOKCTL_TEST_POSTGRES") == "" {
					t.Skip("needs HOOKCTL_TEST_POSTGRES")
				}
				c.env = append(c.env, "HOOKCTL_STORE="+pgtest.URL(t))
			}
			down := newCountingReceiver(t, http.StatusInternalServerError, 0)
			c.hookctl(1, "trigger", "card.created", "--url", down.URL+"/first", "--count", "300", "--no-retry",
				"--secret", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
			slow := newCountingReceiver(t, http.StatusOK, 50*time.Millisecond)
			cmd := c.cmd("hookctl", "replay", "--failed", "--yes", "--concurrency", "2", "--to", slow.URL+"/elsewhere")
			stderr := &syncbuf.Buffer{}
			cmd.Stderr = stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { cmd.Process.Kill() })
			for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(20 * time.Millisecond) {
				if n, _ := slow.requests(time.Time{}); n >= 5 {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("the replay sent nothing in 30 s\n%s", stderr.String())
				}
			}
			cmd.Process.Signal(syscall.SIGINT)
			if err := cmd.Wait(); err == nil {
				t.Fatalf("replay exited 0 after Ctrl-C\n%s", stderr.String())
			}
			var ds []struct {
				Status       string `json:"status"`
				URL          string `json:"url"`
				AttemptCount int    `json:"attempt_count"`
			}
			if err := json.Unmarshal(c.hookctl(0, "deliveries", "list", "--limit", "0", "-o", "json"), &ds); err != nil {
				t.Fatal(err)
			}
			unsent, sent := 0, 0
			for _, d := range ds {
				switch d.AttemptCount {
				case 1: // the trigger's attempt only: not sent by the replay
					unsent++
					if d.Status != "failed" || !strings.HasSuffix(d.URL, "/first") {
						t.Errorf("an unsent delivery is %s with url %s: want failed at %s/first", d.Status, d.URL, down.URL)
					}
				default:
					sent++
					if !strings.HasSuffix(d.URL, "/elsewhere") {
						t.Errorf("a replayed delivery has url %s: want the --to URL", d.URL)
					}
				}
			}
			if unsent == 0 || sent == 0 {
				t.Fatalf("%d unsent, %d sent: want the replay stopped part way\n%s", unsent, sent, stderr.String())
			}
		})
	}
}
