package main

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"strings"
	"testing"
)

// TestHuntlistenStoppedListenSubscriptionHints: once a listen has stopped
// (Ctrl-C disables its subscription until it runs again), a trigger
// aimed at its subscription and a replay of what failed through it say
// to start listen again. The old code said "hookctl subscriptions enable
// ID" in both: enabled, with nothing listening at its port, the
// subscription's deliveries go to a refused connection.
func TestHuntlistenStoppedListenSubscriptionHints(t *testing.T) {
	if _, err := exec.LookPath("hookctl"); err != nil {
		t.Skip("hookctl is not on PATH")
	}
	t.Parallel()
	c := newCrashEnv(t)
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.WriteHeader(500)
	}))
	defer app.Close()
	port := mustFreePort(t)
	stop := startListen(t, c, port, "--forward", app.URL)
	run := func(want int, args ...string) string {
		t.Helper()
		var out, errb bytes.Buffer
		cmd := c.cmd("hookctl", args...)
		cmd.Stdout, cmd.Stderr = &out, &errb
		err := cmd.Run()
		code := 0
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		if code != want {
			t.Fatalf("hookctl %s: exit %d, want %d\nstdout: %s\nstderr: %s", strings.Join(args, " "), code, want, out.String(), errb.String())
		}
		return errb.String()
	}
	run(1, "trigger", "card.created", "--no-retry") // the app answers 500
	var subs []struct {
		ID string `json:"webhook_id"`
	}
	if err := json.Unmarshal(c.hookctl(0, "subscriptions", "list", "-o", "json"), &subs); err != nil || len(subs) != 1 {
		t.Fatalf("subscriptions: %v %v", subs, err)
	}
	stop()

	where := "hookctl listen on :" + port
	for _, args := range [][]string{
		{"trigger", "card.created", "--subscription", subs[0].ID},
		{"replay", "--failed", "--yes"},
	} {
		stderr := run(1, args...)
		if strings.Contains(stderr, "subscriptions enable") || !strings.Contains(stderr, where) || !strings.Contains(stderr, "start it again") {
			t.Errorf("hookctl %s: want a hint to start %s again, not to enable its subscription:\n%s", strings.Join(args, " "), where, stderr)
		}
	}
}
