//go:build unix

package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"net"
	"os"
	"strings"
	"testing"
	"time"
)

// listen --ui whose port is taken (another inspector, perhaps over
// another store) moves on to the next free one and says so on stderr,
// with where it is, as hookctl ui does (the same words): it moved
// silently, and the tab or bookmark at the first port showed the other
// inspector's store as this listen's. A listen --ui on a port of its own
// (port 0: any) says nothing of the kind.
func TestCurlfixListenUISaysItsPortWasTaken(t *testing.T) {
	t.Parallel()
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	c := newCrashEnv(t)
	listen := func(ui string) (string, string) {
		t.Helper()
		cmd := c.cmd("hookctl", "listen", "--port", "0", "--ui", ui, "-o", "json")
		var errb bytes.Buffer
		cmd.Stderr = &errb
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		defer func() { cmd.Process.Kill(); cmd.Wait() }()
		ready := make(chan string, 1)
		go func() {
			sc := bufio.NewScanner(stdout)
			for sc.Scan() {
				var l struct{ Kind, UI string }
				if json.Unmarshal(sc.Bytes(), &l) == nil && l.Kind == "ready" {
					ready <- l.UI
				}
			}
		}()
		var url string
		select {
		case url = <-ready:
		case <-time.After(60 * time.Second):
			t.Fatal("listen not ready in 60s")
		}
		cmd.Process.Signal(os.Interrupt)
		if err := cmd.Wait(); err != nil {
			t.Fatalf("listen: %v\n%s", err, errb.String())
		}
		return url, errb.String()
	}
	url, stderr := listen(busy.Addr().String())
	if want := "hookctl: warning: " + busy.Addr().String() + " is taken (another inspector, perhaps over another store): this one is at " + url + "\n"; url == "" || !strings.Contains(stderr, want) {
		t.Errorf("listen --ui %s (inspector at %q): stderr %q does not say %q", busy.Addr(), url, stderr, want)
	}
	if _, stderr := listen("127.0.0.1:0"); strings.Contains(stderr, "is taken") {
		t.Errorf("a listen --ui on a port of its own said %q", stderr)
	}
}
