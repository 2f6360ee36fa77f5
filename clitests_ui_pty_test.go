//go:build !windows

package main

import (
	"regexp"
	"strings"
	"testing"
	"time"
)

// hookctl ui on a terminal, as a user starts and stops it: the URL once,
// in the "Inspector at … (^C to stop)" line (it was printed twice: a bare
// URL line on stdout, meant for scripts, above the same URL on stderr);
// Ctrl-C's "Shutting down" line muted, as serve's and listen's are, then
// "Inspector stopped", exit 0. Piped, stdout is the URL alone, as before.
func TestClitestsUIOnTerminal(t *testing.T) {
	t.Parallel()
	e := newPTYEnv(t)
	e.plain("subscribe", "--url", "http://127.0.0.1:9/webhooks", "--events", "card.*") // a store to show
	c := e.command(nil, "ui", "--no-open", "--addr", "127.0.0.1:0")
	f, out, drained := e.startDrained(c, 100)
	defer f.Close()
	for deadline := time.Now().Add(15 * time.Second); !strings.Contains(out.String(), "(^C to stop)"); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			c.Process.Kill()
			c.Wait()
			t.Fatalf("ui did not start:\n%s", out.String())
		}
	}
	f.Write([]byte{3}) // Ctrl-C
	if err := c.Wait(); err != nil {
		t.Errorf("ui stopped by Ctrl-C: %v, want exit 0", err)
	}
	<-drained
	text := strings.ReplaceAll(out.String(), "\r\n", "\n")
	url := regexp.MustCompile(`http://127\.0\.0\.1:\d+/`).FindString(text)
	if n := strings.Count(text, url); url == "" || n != 1 {
		t.Errorf("the URL %q shown %d times, want once:\n%s", url, n, text)
	}
	if !strings.HasPrefix(text, "Inspector at "+url+" (^C to stop)\n") {
		t.Errorf("the terminal does not start with the inspector's line:\n%q", text)
	}
	if !strings.Contains(text, "\x1b[38;5;244mShutting down: finishing what is in flight… (^C again to quit at once)\x1b[0m\n") ||
		!strings.HasSuffix(text, "Inspector stopped\n") {
		t.Errorf("the stop is not shown as serve's and listen's are:\n%q", text)
	}

	// Piped: the URL alone on stdout.
	p := e.command(nil, "ui", "--no-open", "--addr", "127.0.0.1:0")
	stdout, err := p.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { p.Process.Kill(); p.Wait() }()
	buf := make([]byte, 64)
	n, _ := stdout.Read(buf)
	if !regexp.MustCompile(`^http://127\.0\.0\.1:\d+/\n$`).Match(buf[:n]) {
		t.Errorf("piped, stdout %q, want the URL alone", buf[:n])
	}
}
