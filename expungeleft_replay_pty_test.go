//go:build !windows

package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// TestExpungeleftReplayStateEverywhere: a Bond subscription's delivery
// whose attempt and its replay disagree reads the same everywhere: every
// attempt's status is red when it failed under Bond's rules (a 202) and
// green when it succeeded, in deliveries tail (and its -o json outcome),
// deliveries show, deliveries list's LAST column and the inspector's
// delivery page. Before, an attempt of a subscription's delivery followed
// by a replay was judged by the 2xx rule (its delivery carries no scheme):
// the 202 that failed read "attempt 1/2 succeeded" in green in tail, was
// green in deliveries show, outcome "succeeded" in tail -o json; and the
// inspector coloured every 2xx green, the replay's failed 202 too.
func TestExpungeleftReplayStateEverywhere(t *testing.T) {
	var code atomic.Int32
	rcv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.WriteHeader(int(code.Load()))
	}))
	defer rcv.Close()
	e := newPTYEnv(t)
	e.plain("subscribe", "--url", rcv.URL+"/hooks", "--events", "*", "--provider", "bond")
	const (
		red202, green202 = "\x1b[31m[202]\x1b[0m", "\x1b[32m[202]"
		red200, green200 = "\x1b[31m[200]", "\x1b[32m[200]\x1b[0m"
	)
	type list []struct {
		ID         string `json:"id"`
		Status     string `json:"status"`
		LastStatus int    `json:"last_status"`
	}
	deliver := func(first, replay int32) string {
		t.Helper()
		code.Store(first)
		before := list{}
		json.Unmarshal([]byte(e.plain("deliveries", "list", "-o", "json")), &before)
		e.pty(nil, "trigger", "card.created", "--provider", "bond", "--no-retry")
		var ds list
		if err := json.Unmarshal([]byte(e.plain("deliveries", "list", "-o", "json")), &ds); err != nil || len(ds) != len(before)+1 {
			t.Fatalf("deliveries list -o json: %v %v", err, ds)
		}
		id := ds[0].ID
		code.Store(replay)
		e.pty(nil, "replay", id, "--yes", "--force")
		return id
	}
	// A 202 Bond refuses, then a replay it accepts; then the other way.
	failedFirst := deliver(202, 200)
	okFirst := deliver(200, 202)

	// deliveries tail: each delivery's attempts in order, coloured and
	// said as they were decided.
	r := e.pty(nil, "deliveries", "tail", "--timeout", "1s")
	if r.code != 0 {
		t.Fatalf("deliveries tail: exit %d\n%s", r.code, r.out)
	}
	if n := strings.Count(r.out, red202); n != 2 {
		t.Errorf("deliveries tail: %d red [202], want 2 (both 202s failed under bond):\n%q", n, r.out)
	}
	if n := strings.Count(r.out, green200); n != 2 || strings.Contains(r.out, green202) || strings.Contains(r.out, red200) {
		t.Errorf("deliveries tail: %d green [200], want 2, and no green [202] nor red [200]:\n%q", n, r.out)
	}
	if regexp.MustCompile(`\[202\][^\n]*succeeded`).MatchString(r.out) {
		t.Errorf("deliveries tail says a 202 under bond succeeded:\n%s", r.out)
	}
	var outcomes []string
	for _, l := range strings.Split(strings.TrimSpace(e.plain("deliveries", "tail", "--timeout", "1s", "-o", "json")), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("deliveries tail -o json: %v: %q", err, l)
		}
		if m["type"] == "attempt" {
			outcomes = append(outcomes, m["delivery_id"].(string)[:8]+fmt.Sprintf("#%v:", m["number"])+m["outcome"].(string))
		}
	}
	want := []string{failedFirst[:8] + "#1:failed", failedFirst[:8] + "#2:succeeded", okFirst[:8] + "#1:succeeded", okFirst[:8] + "#2:failed"}
	if strings.Join(outcomes, " ") != strings.Join(want, " ") {
		t.Errorf("deliveries tail -o json outcomes: %v, want %v", outcomes, want)
	}

	// deliveries show: the same colours, attempt by attempt.
	for _, c := range []struct {
		id         string
		first, sec string
	}{{failedFirst, red202, green200}, {okFirst, green200, red202}} {
		r := e.pty(nil, "deliveries", "show", c.id)
		if r.code != 0 {
			t.Fatalf("deliveries show: exit %d\n%s", r.code, r.out)
		}
		i, j := strings.Index(r.out, "Attempt 1"), strings.Index(r.out, "Attempt 2")
		if i < 0 || j < i || !strings.Contains(r.out[i:j], c.first) || !strings.Contains(r.out[j:], c.sec) {
			t.Errorf("deliveries show %s: attempt 1 want %q, attempt 2 want %q:\n%q", c.id[:8], c.first, c.sec, r.out)
		}
	}

	// deliveries list: the LAST column is the latest attempt's, coloured
	// by the delivery's state.
	r = e.pty(nil, "deliveries", "list")
	for _, l := range strings.Split(r.out, "\n") {
		switch {
		case strings.Contains(l, failedFirst[:8]) && !strings.Contains(l, "\x1b[32m200"):
			t.Errorf("deliveries list: the replay that succeeded is not a green 200: %q", l)
		case strings.Contains(l, okFirst[:8]) && !strings.Contains(l, "\x1b[31m202"):
			t.Errorf("deliveries list: the replay Bond refused is not a red 202: %q", l)
		}
	}
	var ds list
	json.Unmarshal([]byte(e.plain("deliveries", "list", "-o", "json")), &ds)
	for _, d := range ds {
		if d.ID == failedFirst && (d.Status != "succeeded" || d.LastStatus != 200) || d.ID == okFirst && (d.Status != "failed" || d.LastStatus != 202) {
			t.Errorf("deliveries list -o json: %+v", d)
		}
	}

	// The inspector's delivery page: the attempts' status classes.
	ui := e.command(nil, "ui", "--addr", "127.0.0.1:0", "--no-open", "-o", "json")
	stdout, err := ui.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := ui.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ui.Process.Signal(syscall.SIGTERM); ui.Wait() })
	ready := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			var l struct{ Kind, URL string }
			if json.Unmarshal(sc.Bytes(), &l) == nil && l.Kind == "ready" {
				ready <- strings.TrimSuffix(l.URL, "/")
			}
		}
	}()
	var base string
	select {
	case base = <-ready:
	case <-time.After(30 * time.Second):
		t.Fatal("ui not ready in 30 s")
	}
	status := regexp.MustCompile(`<span class="status (\w+)" data-testid="attempt-status">(\d+)</span>`)
	for _, c := range []struct{ id, want string }{{failedFirst, "bad 202, ok 200"}, {okFirst, "ok 200, bad 202"}} {
		resp, err := http.Get(base + "/deliveries/" + c.id)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		var got []string
		for _, m := range status.FindAllStringSubmatch(string(b), -1) {
			got = append(got, m[1]+" "+m[2])
		}
		if strings.Join(got, ", ") != c.want {
			t.Errorf("inspector /deliveries/%s: attempts %q, want %q", c.id[:8], got, c.want)
		}
	}
}
