//go:build linux

package main

import (
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/testutil/syncbuf"
)

// clitestsReadmeBlock returns the commands (the lines that are not
// comments) of the README code block right after marker.
func clitestsReadmeBlock(t *testing.T, s, marker string) (cmds, lines []string) {
	t.Helper()
	i := strings.Index(s, marker)
	if i < 0 {
		t.Fatalf("README has no %q", marker)
	}
	start := strings.Index(s[i:], "```")
	if start < 0 {
		t.Fatalf("no code block after %q", marker)
	}
	body := s[i+start:]
	body = body[strings.IndexByte(body, '\n')+1:]
	body, _, _ = strings.Cut(body, "```")
	for _, l := range strings.Split(strings.TrimRight(body, "\n"), "\n") {
		lines = append(lines, l)
		if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "#") {
			cmds = append(cmds, l)
		}
	}
	return cmds, lines
}

// README's quick start, the daily loop a newcomer copies first, run as
// written (./hookctl in the current directory, a fresh HOME: the default
// config and SQLite store under it) against a real app: terminal 1's
// `./hookctl listen --forward localhost:3000/webhooks` (the app's port
// is the test's, and listen binds a free port: HOOKCTL_LISTEN_PORT=0, so
// that parallel runs do not meet on 8787), terminal 2's `./hookctl
// trigger card.created` on a pseudo-terminal. Both do what README says
// they print: listen's Ready line (Listening and forwarding), trigger's
// lines and summary (Triggering events) with exit 0, listen's two lines
// per event (its text block); the app gets the event, and listen stopped
// by Ctrl-C (SIGINT) exits 0.
func TestClitestsReadmeQuickStartLoop(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("bash"); err != nil {
		t.Skip("no bash")
	}
	s := readme(t)
	cmds, _ := clitestsReadmeBlock(t, s, "The daily loop, in two terminals:")
	if len(cmds) != 2 || !strings.HasPrefix(cmds[0], "./hookctl listen ") || !strings.HasPrefix(cmds[1], "./hookctl trigger ") {
		t.Fatalf("the quick start's loop is now %q: update this test", cmds)
	}

	var (
		mu     sync.Mutex
		bodies []string
	)
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		bodies = append(bodies, r.Method+" "+r.URL.Path+" "+string(b))
		mu.Unlock()
	}))
	defer app.Close()
	appPort := strconv.Itoa(app.Listener.Addr().(*net.TCPAddr).Port)
	local := func(l string) string { return strings.ReplaceAll(l, "localhost:3000", "localhost:"+appPort) }

	dir := t.TempDir()
	if err := os.Symlink(hookctlBinary(t), filepath.Join(dir, "hookctl")); err != nil {
		t.Fatal(err)
	}
	home := filepath.Join(dir, "home")
	if err := os.Mkdir(home, 0o700); err != nil {
		t.Fatal(err)
	}
	shell := func(line string) *exec.Cmd {
		c := exec.Command("bash", "-c", "exec "+line)
		c.Dir = dir
		c.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + home, "TERM=xterm-256color", "HOOKCTL_LISTEN_PORT=0"}
		return c
	}

	// Terminal 1.
	listen := shell(local(cmds[0]))
	lout, lerr := &syncbuf.Buffer{}, &syncbuf.Buffer{}
	listen.Stdout, listen.Stderr = lout, lerr
	if err := listen.Start(); err != nil {
		t.Fatal(err)
	}
	stopped := false
	defer func() {
		if !stopped {
			listen.Process.Kill()
			listen.Wait()
		}
	}()
	for deadline := time.Now().Add(20 * time.Second); !strings.Contains(lerr.String(), "Listening on "); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%s did not start:\n%s", cmds[0], lerr.String())
		}
	}
	ready := readmeLogLines(t, s, "# terminal 1: your app listens on :3000\nhookctl listen --forward localhost:3000/webhooks\n")
	if len(ready) != 1 || !shownLine(local(ready[0])).MatchString(lerr.String()) {
		t.Errorf("listen's first line is not README's %q:\n%s", ready, lerr.String())
	}
	if strings.Contains(lerr.String(), "nothing listens") {
		t.Errorf("listen says the app it forwards to is not running:\n%s", lerr.String())
	}

	// Terminal 2.
	e := &ptyEnv{t: t, dir: dir}
	r := e.ptyRun(shell(cmds[1]))
	if r.code != 0 {
		t.Fatalf("%s: exit %d\n%s", cmds[1], r.code, r.out)
	}
	// Sent to listen's URL (http://127.0.0.1:PORT/), where README's
	// example subscribed the app's (…/webhooks).
	listenURL := regexp.MustCompile(`http://127\.0\.0\.1:\d+/ `)
	compareLogLines(t, cmds[1], readmeLogLines(t, s, "hookctl trigger card.created --set card.last_four=4242\n"),
		listenURL.ReplaceAllString(r.out, "http://127.0.0.1/webhooks "))
	mu.Lock()
	got := append([]string(nil), bodies...)
	mu.Unlock()
	if len(got) != 1 || !strings.HasPrefix(got[0], "POST /webhooks {") || !strings.Contains(got[0], "card.created") {
		t.Errorf("the app received %q, want one card.created POSTed to /webhooks", got)
	}

	// Terminal 1 again: one line per event, one per forward (README's
	// text block), then Ctrl-C.
	_, shown := clitestsReadmeBlock(t, s, "Terminal 1 then shows one line per event")
	for deadline := time.Now().Add(10 * time.Second); strings.Count(lout.String(), "\n") < len(shown) && time.Now().Before(deadline); {
		time.Sleep(20 * time.Millisecond)
	}
	for i := range shown {
		shown[i] = local(shown[i])
	}
	compareLogLines(t, "listen", shown, lout.String())
	listen.Process.Signal(syscall.SIGINT)
	err := listen.Wait()
	stopped = true
	if err != nil {
		t.Errorf("listen stopped by SIGINT: %v, want exit 0\n%s", err, lerr.String())
	}
	if _, err := os.Stat(filepath.Join(home, ".local", "share", "hookctl", "hookctl.db")); err != nil {
		t.Errorf("the default store is not under HOME: %v", err)
	}
}
