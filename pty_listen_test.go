//go:build !windows

package main

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/testutil/syncbuf"

	"github.com/creack/pty"

	"github.com/hookctl/hookctl/internal/signature"
)

// On a real terminal, a burst of 300 requests through listen shows a few
// lines a second and "… N more card.created, all 200" for the rest, not a
// line per request (issue 20 item 12; HOOKCTL_FORCE_TTY is not set).
func TestPTYListenBurstCoalesced(t *testing.T) {
	e := newPTYEnv(t)
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.Copy(io.Discard, r.Body) }))
	defer app.Close()
	port := mustFreePort(t)
	secret := strings.TrimSpace(e.plain("listen", "--port", port, "--print-secret"))

	c := e.command([]string{"NO_COLOR=1"}, "listen", "--port", port, "--forward", app.URL)
	f, err := pty.StartWithSize(c, &pty.Winsize{Rows: 40, Cols: 200})
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out syncbuf.Buffer
	copied := make(chan struct{})
	go func() {
		io.Copy(&out, f) // ends with EIO when the child exits
		close(copied)
	}()
	exited := false
	defer func() {
		if !exited {
			c.Process.Kill()
			c.Wait()
		}
	}()
	base := "http://127.0.0.1:" + port
	for deadline := time.Now().Add(15 * time.Second); !strings.Contains(out.String(), "Ready!"); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("listen did not start:\n%s", out.String())
		}
	}
	sc, _ := signature.Lookup("standard")
	const n = 300
	burst := time.Now()
	for i := range n {
		body := []byte(`{"type":"card.created"}`)
		h, err := sc.Sign(signature.SignInput{Secrets: []string{secret}, ID: fmt.Sprintf("msg_pty_%d", i), Timestamp: time.Now(), Body: body})
		if err != nil {
			t.Fatal(err)
		}
		req, _ := http.NewRequest("POST", base+"/", bytes.NewReader(body))
		req.Header = h
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("request %d: %d", i, resp.StatusCode)
		}
	}
	c.Process.Signal(syscall.SIGINT)
	c.Wait()
	exited = true
	select {
	case <-copied:
	case <-time.After(5 * time.Second):
		t.Fatal("pty output did not end")
	}
	got := strings.ReplaceAll(out.String(), "\r\n", "\n")
	if !strings.Contains(got, fmt.Sprintf("Received %d, verified %d, rejected 0; forwarded %d ok, 0 failed.", n, n, n)) {
		t.Fatalf("no summary of %d events:\n%s", n, tail(got))
	}
	more := regexp.MustCompile(`… [\d,]+ more card\.created, all 200`)
	lines := strings.Count(got, "\n")
	t.Logf("%d lines on the terminal for %d requests", lines, n)
	// At most 8 lines and a "… N more" line a second: the burst takes
	// well under a second, more on a loaded machine.
	if limit := max(60, 10+10*int(time.Since(burst).Seconds()+1)); !more.MatchString(got) || lines > limit {
		t.Fatalf("%d lines on the terminal for %d requests, want a '… N more' line and at most %d lines:\n%s", lines, n, limit, tail(got))
	}
}
