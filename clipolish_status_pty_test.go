//go:build !windows

package main

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestClipolishStatusColourByOutcome: on a terminal, the [STATUS] of an
// attempt is coloured by the attempt's outcome, not only by the status
// class: Bond counts a 202 as failed, and trigger, replay, deliveries tail,
// deliveries show and deliveries list showed a green [202] (or 202) beside
// a red "failed" (deliveries tail even said the retried attempts had
// "succeeded"). A 200 Bond accepts stays green.
func TestClipolishStatusColourByOutcome(t *testing.T) {
	t.Parallel()
	answer := func(code int) *httptest.Server {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(code)
		}))
		t.Cleanup(srv.Close)
		return srv
	}
	accepted, ok := answer(http.StatusAccepted), answer(http.StatusOK)
	const red202, green202 = "\x1b[31m[202]\x1b[0m", "\x1b[32m[202]"
	e := newPTYEnv(t)

	wantRed := func(what, out string, n int) {
		t.Helper()
		if got := strings.Count(out, red202); got != n {
			t.Errorf("%s: %d red [202], want %d:\n%q", what, got, n, out)
		}
		if strings.Contains(out, green202) {
			t.Errorf("%s: a green [202] (Bond counts a 202 as failed):\n%q", what, out)
		}
	}

	r := e.pty(nil, "trigger", "card.created", "--provider", "bond", "--url", accepted.URL+"/hooks", "--retry-schedule", "0s,0s")
	// (On a terminal the line does not say the status twice: "[202] …
	// failed (Bond accepts …)"; piped, "failed: HTTP 202 Accepted (Bond …".)
	if r.code != 1 || !strings.Contains(r.out, "failed (Bond accepts only 200 or 201)") {
		t.Fatalf("trigger answered 202 under bond: exit %d\n%s", r.code, r.out)
	}
	wantRed("trigger", r.out, 2)

	var ds []struct {
		ID string `json:"id"`
	}
	if err := json.Unmarshal([]byte(e.plain("deliveries", "list", "-o", "json")), &ds); err != nil || len(ds) != 1 {
		t.Fatalf("deliveries list -o json: %v %v", err, ds)
	}
	id := ds[0].ID

	r = e.pty(nil, "replay", id, "--yes")
	if r.code != 1 {
		t.Fatalf("replay: exit %d\n%s", r.code, r.out)
	}
	wantRed("replay", r.out, 1)

	// The attempts of the log so far: two retried by the schedule, one
	// asked for (the replay), all three failed.
	r = e.pty(nil, "deliveries", "tail", "--timeout", "1s")
	if r.code != 0 {
		t.Fatalf("deliveries tail: exit %d\n%s", r.code, r.out)
	}
	wantRed("deliveries tail", r.out, 3)
	if strings.Contains(r.out, "succeeded") {
		t.Errorf("deliveries tail says an attempt answered 202 under bond succeeded:\n%s", r.out)
	}

	// So do tail's JSON lines: every attempt's outcome is failed.
	outcomes := 0
	for _, l := range strings.Split(strings.TrimSpace(e.plain("deliveries", "tail", "--timeout", "1s", "-o", "json")), "\n") {
		var a struct{ Type, Outcome string }
		if err := json.Unmarshal([]byte(l), &a); err != nil {
			t.Fatalf("deliveries tail -o json: %v: %q", err, l)
		}
		if a.Type == "attempt" {
			outcomes++
			if a.Outcome != "failed" {
				t.Errorf("deliveries tail -o json: an attempt answered 202 under bond has outcome %q: %s", a.Outcome, l)
			}
		}
	}
	if outcomes != 3 {
		t.Errorf("deliveries tail -o json: %d attempt lines, want 3", outcomes)
	}

	r = e.pty(nil, "deliveries", "show", id)
	if r.code != 0 {
		t.Fatalf("deliveries show: exit %d\n%s", r.code, r.out)
	}
	wantRed("deliveries show", r.out, 3)

	r = e.pty(nil, "deliveries", "list")
	if r.code != 0 || !strings.Contains(r.out, "\x1b[31m202") || strings.Contains(r.out, "\x1b[32m202") {
		t.Errorf("deliveries list: the LAST column's 202 of a failed delivery is not red: exit %d\n%q", r.code, r.out)
	}

	// A 200 that Bond accepts is green as before.
	r = e.pty(nil, "trigger", "card.created", "--provider", "bond", "--url", ok.URL+"/hooks")
	if r.code != 0 || !strings.Contains(r.out, "\x1b[32m[200]\x1b[0m") {
		t.Errorf("trigger answered 200 under bond: exit %d, no green [200]:\n%q", r.code, r.out)
	}
}
