package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestPolish4TailRequeuedUnsent: a delivery failed its 2 attempts, then
// serve's control API replayed it with no worker running: requeued, its
// budget raised to 3, nothing sent yet. deliveries tail --lines printed
// its attempts as "attempt 1/3" and "attempt 2/3 retry in …", a budget
// they were not made under and a retry the schedule never made, where
// its live lines said "attempt 1/2 … retry" and "attempt 2/2 failed".
// They print "attempt 1" and "attempt 2 failed" now, as tail prints the
// attempts before a replay's (polish3's BudgetRaised); -o json says
// attempt 2 failed (retry false), as after a replay's attempt: it was
// "pending, retry: true" with the requeue's time as next_attempt_at.
// The same once a worker sent the replay's attempt (3/3).
func TestPolish4TailRequeuedUnsent(t *testing.T) {
	t.Parallel()
	c := newCrashEnv(t)
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "broken", http.StatusInternalServerError)
	}))
	t.Cleanup(app.Close)
	c.hookctl(0, "subscribe", "--url", app.URL+"/hook", "--events", "card.*")
	c.hookctl(1, "trigger", "card.created", "--retry-schedule", "0s,0s")
	var ds []struct {
		ID          string `json:"id"`
		Attempts    int    `json:"attempt_count"`
		MaxAttempts int    `json:"max_attempts"`
		Status      string `json:"status"`
	}
	if err := json.Unmarshal(c.hookctl(0, "deliveries", "list", "-o", "json"), &ds); err != nil || len(ds) != 1 || ds[0].Attempts != 2 {
		t.Fatalf("deliveries list: %v, %+v; want one delivery, 2 attempts", err, ds)
	}
	id := ds[0].ID

	// Requeue it with nothing to send it: serve --no-worker's replay.
	srv := c.cmd("hookctl", "serve", "--no-worker", "--port", "0", "-o", "json")
	stdout, err := srv.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var serr bytes.Buffer
	srv.Stderr = &serr
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	ready := make(chan string, 1)
	go func() {
		line, _ := bufio.NewReader(stdout).ReadString('\n')
		ready <- line
		io.Copy(io.Discard, stdout)
	}()
	var rl struct {
		URL string `json:"url"`
	}
	select {
	case line := <-ready:
		if err := json.Unmarshal([]byte(line), &rl); err != nil || rl.URL == "" {
			srv.Process.Kill()
			t.Fatalf("serve's ready line %q: %v\n%s", line, err, serr.String())
		}
	case <-time.After(60 * time.Second):
		srv.Process.Kill()
		t.Fatalf("serve did not get ready\n%s", serr.String())
	}
	resp, err := http.Post(rl.URL+"/_hookctl/replay", "application/json", strings.NewReader(`{"ids":["`+id+`"]}`))
	if err != nil {
		srv.Process.Kill()
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	srv.Process.Signal(os.Interrupt)
	if err := srv.Wait(); err != nil {
		t.Fatalf("serve: %v\n%s", err, serr.String())
	}
	if resp.StatusCode != 200 || !strings.Contains(string(body), `"replayed":["`+id+`"]`) {
		t.Fatalf("replay: %d %s", resp.StatusCode, body)
	}
	if err := json.Unmarshal(c.hookctl(0, "deliveries", "list", "-o", "json"), &ds); err != nil || len(ds) != 1 || ds[0].Attempts != 2 || ds[0].MaxAttempts <= 2 || ds[0].Status != "pending" {
		t.Fatalf("after the replay: %v, %+v; want pending, 2 attempts, a budget above 2", err, ds)
	}

	out := string(c.hookctl(0, "deliveries", "tail", "--lines", "1", "--timeout", "1s"))
	re := regexp.MustCompile(`<-- \[500\] POST \S+ \([^)]*\) attempt (\S+) (\S+)`)
	var got []string
	for _, m := range re.FindAllStringSubmatch(out, -1) {
		got = append(got, m[1]+" "+m[2])
	}
	if want := []string{"1 retry", "2 failed:"}; strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("attempts printed as %q, want %q:\n%s", got, want, out)
	}

	js := c.hookctl(0, "deliveries", "tail", "--lines", "1", "--timeout", "1s", "-o", "json")
	for sc := bufio.NewScanner(bytes.NewReader(js)); sc.Scan(); {
		var l struct {
			Type   string `json:"type"`
			Number int    `json:"number"`
			Status string `json:"status"`
			Retry  bool   `json:"retry"`
		}
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			t.Fatalf("%v: %s", err, sc.Bytes())
		}
		if l.Type == "attempt" && l.Number == 2 && (l.Status != "failed" || l.Retry) {
			t.Errorf("-o json attempt 2: status %q retry %v, want failed, no retry: %s", l.Status, l.Retry, sc.Bytes())
		}
	}

	// A worker sends the replay's attempt: claimed, it is not marked as
	// asked for, and the attempts before it printed "1/3" and "2/3 retry
	// in …" (the gap to the worker's attempt) all the same.
	wk := c.cmd("hookctl", "worker")
	var wout bytes.Buffer
	wk.Stdout, wk.Stderr = &wout, &wout
	if err := wk.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(60 * time.Second)
	for {
		if err := json.Unmarshal(c.hookctl(0, "deliveries", "list", "-o", "json"), &ds); err == nil && len(ds) == 1 && ds[0].Status == "failed" {
			break
		}
		if time.Now().After(deadline) {
			wk.Process.Kill()
			wk.Wait()
			t.Fatalf("the worker did not send the replay: %+v\n%s", ds, wout.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	wk.Process.Signal(os.Interrupt)
	wk.Wait()
	out = string(c.hookctl(0, "deliveries", "tail", "--lines", "1", "--timeout", "1s"))
	got = nil
	for _, m := range re.FindAllStringSubmatch(out, -1) {
		got = append(got, m[1]+" "+m[2])
	}
	if want := []string{"1 retry", "2 failed:", "3/3 failed:"}; strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("after the worker's attempt: attempts printed as %q, want %q:\n%s", got, want, out)
	}
}
