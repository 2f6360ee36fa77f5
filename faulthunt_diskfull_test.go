//go:build linux

package main

import (
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestFaulthuntServeAndUIDiskFullThenFreed (root, for the tmpfs; ~1 s): `hookctl serve` and `hookctl ui` on one SQLite store whose file
// system fills up while both take triggers and deliver them, then has
// space again. While full, serve's control API answers 503 with
// Retry-After and the inspector a 503 page (never a 500), both saying
// the disk is full (they said "a database restart or failover?"), and their
// workers wait; once space is back both take triggers again, every
// trigger they acknowledged is stored and delivered, once, and nothing is
// left pending. The inspector's worker stopped for good at the first
// attempt it could not record: the 8 it had in flight were never
// recorded, and serve's worker sent them again (8 events twice, on every
// run of the old code), and what its page triggered afterwards only
// serve's worker sent.
func TestFaulthuntServeAndUIDiskFullThenFreed(t *testing.T) {
	c := newCrashEnv(t)
	mnt := c.storeOnTmpfs("24m")
	// Answers held after the 4th until the disk is full: both workers
	// have attempts in flight (serve 4, the inspector 8) that end when no
	// attempt can be recorded.
	app := newCountingReceiver(t, http.StatusOK, 0, holdAfter(4))
	c.hookctl(0, "subscribe", "--url", app.URL+"/hooks", "--events", "*", "--scheme", "standard")
	srv := startServe(t, c.cmd("hookctl", "serve", "--port", "0", "--concurrency", "4", "-o", "json"))
	ui, _, uiTrigger := faulthuntStartUI(t, c)

	acked := map[string]bool{} // serve's, by event id
	uiAcked := 0
	client := &http.Client{Timeout: 60 * time.Second}
	// serveTrigger triggers through serve's control API with a padded
	// body (the store grows fast): the status, and the id when 2xx.
	pad := strings.Repeat("x", 16<<10)
	serveTrigger := func() int {
		t.Helper()
		resp, err := client.Post(srv.URL+"/_hookctl/trigger", "application/json",
			strings.NewReader(`{"type":"card.created","data":{"event":"card.created","pad":"`+pad+`"}}`))
		if err != nil {
			t.Fatalf("serve stopped answering: %v\n%s", err, srv.stderr.String())
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		switch {
		case resp.StatusCode/100 == 2:
			var r struct{ Event struct{ ID string } }
			if err := json.Unmarshal(b, &r); err != nil || r.Event.ID == "" {
				t.Fatalf("trigger: %d %.300s", resp.StatusCode, b)
			}
			acked[r.Event.ID] = true
		case resp.StatusCode == http.StatusServiceUnavailable:
			if resp.Header.Get("Retry-After") == "" {
				t.Errorf("503 without Retry-After: %.300s", b)
			}
			// It says why: the disk, not a database restart.
			if !strings.Contains(string(b), "the disk that holds it is full") || strings.Contains(string(b), "failover") {
				t.Errorf("serve's 503 with the disk full does not say so: %.300s", b)
			}
		default:
			t.Fatalf("serve's trigger answered %d: %.500s\n%s", resp.StatusCode, b, srv.stderr.String())
		}
		return resp.StatusCode
	}
	uiTry := func() int {
		t.Helper()
		code, body := uiTrigger()
		switch code {
		case http.StatusSeeOther:
			uiAcked++
		case http.StatusServiceUnavailable:
			if !strings.Contains(body, "the disk that holds it is full") || strings.Contains(body, "failover") {
				t.Errorf("the inspector's 503 with the disk full does not say so: %.300s", body)
			}
		default:
			t.Fatalf("the inspector's trigger answered %d: %.500s\n%s", code, body, ui.stderr.String())
		}
		return code
	}
	for range 10 {
		if st := serveTrigger(); st/100 != 2 {
			t.Fatalf("before the disk filled: %d", st)
		}
		if st := uiTry(); st != http.StatusSeeOther {
			t.Fatalf("inspector before the disk filled: %d", st)
		}
	}
	app.waitRequests(t, 4+4+8)
	// Fill the file system.
	filler, err := os.Create(filepath.Join(mnt, "filler"))
	if err != nil {
		t.Fatal(err)
	}
	chunk := make([]byte, 256<<10)
	for {
		if _, err := filler.Write(chunk); err != nil {
			break
		}
	}
	filler.Close()
	app.release()
	refused, uiRefused := 0, 0
	for i := 0; i < 2000 && (refused < 5 || uiRefused < 5); i++ {
		if serveTrigger() == http.StatusServiceUnavailable {
			refused++
		}
		if uiTry() == http.StatusServiceUnavailable {
			uiRefused++
		}
	}
	if refused == 0 || uiRefused == 0 {
		t.Fatalf("with the disk full: serve refused %d, the inspector %d triggers; want 503s from both", refused, uiRefused)
	}
	if err := os.Remove(filepath.Join(mnt, "filler")); err != nil {
		t.Fatal(err)
	}
	// Both take triggers again by themselves.
	for deadline := time.Now().Add(30 * time.Second); serveTrigger()/100 != 2 || uiTry() != http.StatusSeeOther; {
		if time.Now().After(deadline) {
			t.Fatalf("still 503 30 s after space was freed\nserve:\n%s\nui:\n%s", srv.stderr.String(), ui.stderr.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
	all := len(acked) + uiAcked
	deadline := time.Now().Add(60 * time.Second)
	for {
		got, _ := app.counts()
		pending := strings.TrimSpace(string(c.hookctl(0, "deliveries", "list", "--status", "pending", "--limit", "0")))
		if got >= all && pending == "" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("60 s after space was freed: %d of %d acknowledged events reached the receiver; pending:\n%.1000s\nserve:\n%s\nui:\n%s",
				got, all, pending, srv.stderr.String(), ui.stderr.String())
		}
		time.Sleep(200 * time.Millisecond)
	}
	stored := exportedEventIDs(t, c)
	for id := range acked {
		if !stored[id] {
			t.Errorf("event %s acknowledged by serve is not in the store", id)
		}
	}
	app.mu.Lock()
	for id := range acked {
		if app.got[id] == 0 {
			t.Errorf("event %s acknowledged by serve never reached the receiver", id)
		}
	}
	app.mu.Unlock()
	if err := srv.stop(syscall.SIGTERM); err != nil {
		t.Errorf("serve after SIGTERM: %v", err)
	}
	if err := ui.stop(syscall.SIGTERM); err != nil {
		t.Errorf("ui after SIGTERM: %v", err)
	}
	seen, twice := app.counts()
	t.Logf("serve acknowledged %d (refused %d), the inspector %d (refused %d); the receiver got %d events, %d more than once",
		len(acked), refused, uiAcked, uiRefused, seen, twice)
	if twice > 0 {
		t.Errorf("%d events reached the receiver more than once", twice)
	}
}
