//go:build unix

package ui_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/testutil/syncbuf"

	"github.com/hookctl/hookctl/cmd"
	"github.com/hookctl/hookctl/internal/ui"
)

// startUI runs `hookctl ui` in-process and returns the URL it printed and
// a channel with its exit code.
func startUI(t *testing.T, ctx context.Context, args ...string) (string, <-chan int, *syncbuf.Buffer) {
	t.Helper()
	ios, _, _, _ := ui.Test()
	pr, pw := io.Pipe()
	errOut := &syncbuf.Buffer{}
	ios.Out, ios.ErrOut = pw, errOut
	store := filepath.Join(t.TempDir(), "hookctl.db")
	done := make(chan int, 1)
	go func() {
		done <- cmd.Run(ctx, ios, append([]string{"ui", "--store", store, "--no-open"}, args...))
		pw.Close()
	}()
	line, err := bufio.NewReader(pr).ReadString('\n')
	if err != nil {
		t.Fatalf("no URL printed: %v; stderr: %s", err, errOut.String())
	}
	go io.Copy(io.Discard, pr)
	return strings.TrimSpace(line), done, errOut
}

func TestUIServesAndStops(t *testing.T) {
	// Take a port so ui must move to the next free one.
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	url, done, errOut := startUI(t, ctx, "--addr", busy.Addr().String())
	if url == "http://"+busy.Addr().String()+"/" || !strings.HasPrefix(url, "http://127.0.0.1:") {
		t.Fatalf("url %q: want the next free port after %s", url, busy.Addr())
	}
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(body), `data-testid="live-indicator"`) {
		t.Fatalf("GET %s: %d", url, resp.StatusCode)
	}
	// SIGHUP stops it cleanly (exit 0).
	if err := syscall.Kill(syscall.Getpid(), syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	select {
	case code := <-done:
		if code != 0 {
			t.Fatalf("exit %d; stderr: %s", code, errOut.String())
		}
	case <-time.After(5 * time.Second):
		t.Fatal("ui did not stop on SIGHUP")
	}
	if !strings.Contains(errOut.String(), "Inspector stopped") {
		t.Errorf("stderr: %s", errOut.String())
	}
}

// With -o json the first line is the ready line listen and serve print:
// kind, url and the port it took.
func TestUIReadyLineJSON(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	line, done, errOut := startUI(t, ctx, "--addr", "127.0.0.1:0", "-o", "json")
	var ready struct {
		Kind string `json:"kind"`
		URL  string `json:"url"`
		Port int    `json:"port"`
	}
	if err := json.Unmarshal([]byte(line), &ready); err != nil {
		t.Fatalf("ready line %q: %v", line, err)
	}
	if ready.Kind != "ready" || ready.Port == 0 || ready.URL != fmt.Sprintf("http://127.0.0.1:%d/", ready.Port) {
		t.Errorf("ready line %q: want kind ready, the url and its port", line)
	}
	cancel()
	if code := <-done; code != 0 {
		t.Fatalf("exit %d; stderr: %s", code, errOut.String())
	}
}

func TestUIBadAddr(t *testing.T) {
	ios, _, _, errOut := ui.Test()
	code := cmd.Run(context.Background(), ios, []string{"ui", "--store", filepath.Join(t.TempDir(), "h.db"), "--no-open", "--addr", "nonsense"})
	if code != 2 || !strings.Contains(errOut.String(), `hookctl: error: invalid --addr "nonsense"`) {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
}

// The inspector has no login and shows secrets: an address other than
// loopback is refused (exit 2, with the SSH tunnel as the way in).
func TestUIRefusesNonLoopback(t *testing.T) {
	for _, addr := range []string{"0.0.0.0:4040", "[::]:4040", "192.0.2.7:4040", "example.com:4040"} {
		ios, _, _, errOut := ui.Test()
		code := cmd.Run(context.Background(), ios, []string{"ui", "--store", filepath.Join(t.TempDir(), "h.db"), "--no-open", "--addr", addr})
		if code != 2 || !strings.Contains(errOut.String(), "hookctl: error: invalid --addr: the inspector serves loopback addresses only") ||
			!strings.Contains(errOut.String(), "hookctl: hint: serve it on 127.0.0.1 and reach it from another machine through an SSH tunnel") {
			t.Errorf("--addr %s: exit %d: %s", addr, code, errOut.String())
		}
	}
}
