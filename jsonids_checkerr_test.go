package main

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"testing"
)

// TestJsonidsCheckProbeErrorAsTrigger: a probe check recorded failed with
// a status said "HTTP 500" where trigger's delivery to the same receiver
// said "HTTP 500 Internal Server Error: database is down" (the status's
// text and the receiver's reason, delivery.StatusError). Check records it
// through the same function now: the two read the same in the store.
func TestJsonidsCheckProbeErrorAsTrigger(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("hookctl"); err != nil {
		t.Skip("hookctl is not on PATH")
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.WriteHeader(http.StatusInternalServerError)
		io.WriteString(w, "database is down\nstack trace follows")
	}))
	t.Cleanup(srv.Close)
	c := newCrashEnv(t)
	const secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	const want = "HTTP 500 Internal Server Error: database is down"
	run := func(args ...string) {
		t.Helper()
		out, err := c.cmd("hookctl", args...).CombinedOutput()
		if _, failed := err.(*exec.ExitError); err != nil && !failed {
			t.Fatalf("hookctl %v: %v: %s", args, err, out)
		}
	}
	run("trigger", "card.created", "--url", srv.URL, "--no-retry")
	run("check", srv.URL, "--scheme", "standard", "--secret", secret)
	lastErrors := func(source string) []string {
		t.Helper()
		out := c.hookctl(0, "deliveries", "list", "--source", source, "--limit", "0", "-o", "json")
		var ds []struct {
			Status     string `json:"status"`
			LastStatus int    `json:"last_status"`
			LastError  string `json:"last_error"`
		}
		if err := json.Unmarshal(out, &ds); err != nil || len(ds) == 0 {
			t.Fatalf("deliveries list --source %s -o json: %v:\n%s", source, err, out)
		}
		var errs []string
		for _, d := range ds {
			if d.LastStatus == 500 {
				errs = append(errs, d.LastError)
			}
		}
		if len(errs) == 0 {
			t.Fatalf("deliveries list --source %s: none answered 500:\n%s", source, out)
		}
		return errs
	}
	if got := lastErrors("sent"); got[0] != want {
		t.Fatalf("trigger recorded %q, want %q", got[0], want)
	}
	for _, got := range lastErrors("check") {
		if got != want {
			t.Errorf("check recorded a probe's error %q, want %q as trigger's", got, want)
		}
	}
}
