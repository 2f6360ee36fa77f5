//go:build unix

package main

import (
	"bufio"
	"net/http"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/testutil/syncbuf"
)

// TestTriggerPingStopCountsEventsAsked: a GitHub ping to two webhooks is
// one event asked for, written as one ping per webhook (each with its
// hook_id). The line that says where a stopped run got to ("after N of M
// events") counted the written pings, so N ran ahead of the events asked
// for (up to twice M here). N now counts the events asked for: the
// deliveries in the store are the webhooks times N.
func TestTriggerPingStopCountsEventsAsked(t *testing.T) {
	t.Parallel()
	c := newCrashEnv(t)
	rec := newCountingReceiver(t, http.StatusOK, 20*time.Millisecond)
	wireSubscribe(c, "--url", rec.URL+"/a", "--events", "ping", "--provider", "github")
	wireSubscribe(c, "--url", rec.URL+"/b", "--events", "ping", "--provider", "github")
	cmd := c.cmd("hookctl", "trigger", "github:ping", "--count", "2000")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	stderr := &syncbuf.Buffer{}
	cmd.Stderr = stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill() })
	if line, err := bufio.NewReader(out).ReadString('\n'); err != nil || !strings.Contains(line, "ping") {
		t.Fatalf("first line %q: %v\n%s", line, err, stderr.String())
	}
	out.Close() // the reader left: the run stops as on Ctrl-C
	err = cmd.Wait()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 141 {
		t.Fatalf("exit %v, want 141\nstderr: %s", err, stderr.String())
	}
	m := regexp.MustCompile(`after (\d+) of (\d+) events`).FindStringSubmatch(stderr.String())
	if m == nil {
		t.Fatalf("stderr does not say where the run stopped:\n%s", stderr.String())
	}
	n, _ := strconv.Atoi(m[1])
	if m[2] != "2000" || n < 1 || n > 2000 {
		t.Fatalf("stopped after %s of %s events, want N of 2000 with 1 <= N <= 2000", m[1], m[2])
	}
	lines := strings.Count(string(c.hookctl(0, "deliveries", "list", "--limit", "0")), "\n")
	if lines != 2*n {
		t.Errorf("%d deliveries in the store for %d pings asked to two webhooks, want %d", lines, n, 2*n)
	}
}
