//go:build !windows

package main

import (
	"bytes"
	"net/http"
	"os/exec"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/signature"
)

// minorsSend posts a body signed (Standard Webhooks) with secret and id
// to url and returns the status listen answered.
func minorsSend(t *testing.T, url, secret, id, body string) int {
	t.Helper()
	sc, _ := signature.Lookup("standard")
	h, err := sc.Sign(signature.SignInput{Secrets: []string{secret}, ID: id, Timestamp: time.Now(), Body: []byte(body)})
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest("POST", url, strings.NewReader(body))
	req.Header = h
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// listen's lines on an 80-column terminal fit it (they were 92–104
// columns: a UUID event id, a forward to a path of some length, a
// rejection with its reason and rej_ id), and the id each line shows is
// one events show takes and that names that line's event — also for an
// event listen had not recorded when it printed the line, whose id
// shares its first 8 characters with an event the store has.
func TestMinorsListenLinesFitTerminal(t *testing.T) {
	e := newPTYEnv(t)
	app := polish6App(t)
	port := mustFreePort(t)
	base := "http://127.0.0.1:" + port
	secret := strings.TrimSpace(e.plain("listen", "--port", port, "--print-secret"))

	c := e.command([]string{"NO_COLOR=1"}, "listen", "--port", port, "--forward", app.URL+"/webhooks/staging/payments/v2/ok")
	f, out, drained := e.startDrained(c, 80)
	defer f.Close()
	exited := false
	defer func() {
		if !exited {
			c.Process.Kill()
			c.Wait()
		}
	}()
	waitFor := func(what string, ok func() bool) {
		t.Helper()
		for deadline := time.Now().Add(30 * time.Second); !ok(); time.Sleep(20 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("%s:\n%s", what, out.String())
			}
		}
	}
	waitFor("listen did not start", func() bool { return strings.Contains(out.String(), "Ready!") })

	e.plain("trigger", "card.created") // a UUID id, already in the store
	if s := minorsSend(t, base+"/", secret, "msg_minors_shared_1", `{"type":"card.created"}`); s != 200 {
		t.Fatalf("first event: %d", s)
	}
	shows := func(id string) bool {
		err := e.command(nil, "events", "show", id).Run()
		return err == nil
	}
	waitFor("msg_minors_shared_1 not recorded", func() bool { return shows("msg_minors_shared_1") })
	// Pasted now: once msg_minors_shared_2 is recorded the prefix this
	// line shows names both (a line printed cannot grow).
	first := regexp.MustCompile(`--> card\.created \[(msg_[^\]]+)\] verified`).FindStringSubmatch(out.String())
	if first == nil {
		t.Fatalf("no line for msg_minors_shared_1:\n%s", out.String())
	}
	minorsShows(t, e, first[1], "msg_minors_shared_1")
	// Its first 8 characters ("msg_mino") are the first event's: the
	// line must not show them alone, though this event is not yet
	// recorded when it is printed.
	if s := minorsSend(t, base+"/", secret, "msg_minors_shared_2", `{"type":"card.created"}`); s != 200 {
		t.Fatalf("second event: %d", s)
	}
	if s := minorsSend(t, base+"/", "whsec_"+strings.Repeat("A", 43)+"=", "msg_minors_bad", `{"type":"card.created"}`); s != 401 {
		t.Fatalf("badly signed event: %d", s)
	}
	waitFor("no rejection line", func() bool { return strings.Contains(out.String(), "rejected") })
	waitFor("msg_minors_shared_2 not recorded", func() bool { return shows("msg_minors_shared_2") })

	c.Process.Signal(syscall.SIGINT)
	c.Wait()
	exited = true
	select {
	case <-drained:
	case <-time.After(5 * time.Second):
		t.Fatal("pty output did not end")
	}
	got := strings.ReplaceAll(out.String(), "\r\n", "\n")
	var lines []string
	for _, l := range strings.Split(got, "\n") {
		if strings.Contains(l, "  --> ") || strings.Contains(l, "  <-- ") {
			lines = append(lines, l)
		}
	}
	if len(lines) != 7 {
		t.Fatalf("want 7 event and forward lines, got %d:\n%s", len(lines), got)
	}
	linesFit(t, lines, 80)

	event := regexp.MustCompile(`--> card\.created \[([^\]]+)\] verified`)
	// Narrow, a rejection's record (rej_…, what events show takes) is
	// in the brackets instead of the sender's id (no record has that).
	rejected := regexp.MustCompile(`--> card\.created \[(rej_[0-9a-z]+)\] rejected`)
	forward := regexp.MustCompile(`<-- \[200\] POST http://.*/ok \(\d+(\.\d)? ms\)$`)
	var ids []string
	nrej, nfwd := 0, 0
	for _, l := range lines {
		switch {
		case event.MatchString(l):
			ids = append(ids, event.FindStringSubmatch(l)[1])
		case rejected.MatchString(l):
			nrej++
			ids = append(ids, rejected.FindStringSubmatch(l)[1])
		case forward.MatchString(l):
			nfwd++
		default:
			t.Errorf("a line cut where it must stay whole: %q", l)
		}
	}
	if len(ids) != 4 || nrej != 1 || nfwd != 3 {
		t.Fatalf("want 3 verified events, 1 rejection and 3 forwards, got ids %q, %d rejections, %d forwards:\n%s", ids, nrej, nfwd, got)
	}
	for i, want := range []string{"", "", "msg_minors_shared_2", "rej_"} {
		if i != 1 {
			minorsShows(t, e, ids[i], want)
		}
	}
	if ids[1] == ids[2] || !strings.HasPrefix("msg_minors_shared_2", ids[2]) {
		t.Errorf("the second msg_minors_shared event shown as %q (the first as %q)", ids[2], ids[1])
	}
}

// minorsShows runs events show id (pasted from a line) and fails the
// test unless it shows one event whose id starts with id and contains
// want.
func minorsShows(t *testing.T, e *ptyEnv, id, want string) {
	t.Helper()
	c := e.command(nil, "events", "show", id)
	var stdout, stderr bytes.Buffer
	c.Stdout, c.Stderr = &stdout, &stderr
	if err := c.Run(); err != nil {
		if _, ok := err.(*exec.ExitError); !ok {
			t.Fatal(err)
		}
		t.Errorf("events show %s (pasted from listen's line): %v\n%s", id, err, stderr.String())
		return
	}
	if !strings.Contains(stdout.String(), id) || !strings.Contains(stdout.String(), want) {
		t.Errorf("events show %s names another event than %q:\n%s", id, want, stdout.String())
	}
}
