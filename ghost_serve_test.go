//go:build !windows

package main

import (
	"errors"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// ghostEnv runs the hookctl binary (HOOKCTL_TEST_BIN, else this tree's)
// on a SQLite store in a temp dir.
type ghostEnv struct {
	t   *testing.T
	bin string
	dir string
	db  string
}

func newGhostEnv(t *testing.T) *ghostEnv {
	dir := t.TempDir()
	return &ghostEnv{t: t, bin: hookctlBinary(t), dir: dir, db: filepath.Join(dir, "hookctl.db")}
}

func (g *ghostEnv) cmd(args ...string) *exec.Cmd {
	c := exec.Command(g.bin, args...)
	c.Dir = g.dir
	c.Env = []string{"HOME=" + g.dir, "HOOKCTL_CONFIG_DIR=" + filepath.Join(g.dir, "config"), "HOOKCTL_STORE=" + g.db,
		"NO_COLOR=1", "PATH=" + os.Getenv("PATH")}
	return c
}

func (g *ghostEnv) run(args ...string) string {
	g.t.Helper()
	out, err := g.cmd(args...).CombinedOutput()
	if err != nil {
		g.t.Fatalf("hookctl %v: %v\n%s", args, err, out)
	}
	return string(out)
}

// removeStore deletes the store file with its WAL and shared memory, as
// an rm of the store (or a test suite's cleanup) does.
func (g *ghostEnv) removeStore() {
	g.t.Helper()
	for _, s := range []string{"", "-wal", "-shm"} {
		if err := os.Remove(g.db + s); err != nil && !errors.Is(err, os.ErrNotExist) {
			g.t.Fatal(err)
		}
	}
}

// replaceStore puts another hookctl store at the store's path (a store
// made afresh elsewhere and moved there).
func (g *ghostEnv) replaceStore() {
	g.t.Helper()
	other := filepath.Join(g.dir, "other.db")
	g.run("--store", other, "subscribe", "--url", "http://127.0.0.1:1/other", "--events", "card.created")
	g.removeStore()
	if err := os.Rename(other, g.db); err != nil {
		g.t.Fatal(err)
	}
}

// exitCode waits up to d for a process that is expected to stop by
// itself and returns its exit status (-1: it did not stop).
func exitCode(wait func() error, d time.Duration) int {
	done := make(chan error, 1)
	go func() { done <- wait() }()
	select {
	case err := <-done:
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return ee.ExitCode()
		}
		if err != nil {
			return -2
		}
		return 0
	case <-time.After(d):
		return -1
	}
}

// ghostWrite is one write through one of serve's APIs, and what its 503
// holds in that API's envelope.
type ghostWrite struct {
	name, method, path, hdr, body string
	shape                         string
}

var ghostWrites = []ghostWrite{
	{"bond", "POST", "/api/v0.1/webhooks", "Identity: i; Authorization: k; Content-Type: application/json",
		`{"events":["card.created"],"callback_url":"http://127.0.0.1:1/bond"}`, `"Status":503`},
	{"stripe", "POST", "/v1/webhook_endpoints", "Authorization: Bearer sk_test_1; Content-Type: application/x-www-form-urlencoded",
		"url=http://127.0.0.1:1/stripe&enabled_events[]=*", `"type":"api_error"`},
	{"svix", "POST", "/api/v1/app", "Authorization: Bearer k; Content-Type: application/json", `{"name":"app"}`, `"detail":"store `},
	{"control", "POST", "/_hookctl/trigger", "Content-Type: application/json", `{"type":"card.created"}`, `"code":"store_unavailable"`},
}

func (w ghostWrite) do(base string) (int, http.Header, string, error) {
	req, err := http.NewRequest(w.method, base+w.path, strings.NewReader(w.body))
	if err != nil {
		return 0, nil, "", err
	}
	for _, h := range strings.Split(w.hdr, "; ") {
		if k, v, ok := strings.Cut(h, ": "); ok {
			req.Header.Set(k, v)
		}
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, nil, "", err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, string(b), nil
}

// TestServeStoreFileGone: `hookctl serve` whose SQLite file is deleted or
// replaced while it runs. SQLite still takes writes into the file it has
// open, which is lost with the process: serve answered 2xx to every
// create (a test suite's subscriptions and messages acknowledged, then
// gone) and ran on for ever, its health alone saying 503. Now no write is
// answered 2xx from then on (503 with Retry-After in the API's envelope,
// naming the store), and serve stops by itself with exit 3, the store's
// path and the hint on stderr.
func TestServeStoreFileGone(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		how  func(*ghostEnv)
		says string
	}{
		{"deleted", (*ghostEnv).removeStore, "the file is gone"},
		{"replaced", (*ghostEnv).replaceStore, "the file was replaced"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := newGhostEnv(t)
			g.run("subscribe", "--url", "http://127.0.0.1:1/hooks", "--events", "card.created")
			srv := startServe(t, g.cmd("serve", "--port", "0", "-o", "json"))
			for _, w := range ghostWrites {
				if code, _, body, err := w.do(srv.URL); err != nil || code/100 != 2 {
					t.Fatalf("%s before the store went: %d %v %s", w.name, code, err, body)
				}
			}

			tc.how(g)
			// Writes through every API until serve stops listening: none
			// may be acknowledged.
			refused := 0
			deadline := time.Now().Add(10 * time.Second)
		writes:
			for time.Now().Before(deadline) {
				for _, w := range ghostWrites {
					code, hdr, body, err := w.do(srv.URL)
					if err != nil {
						break writes // serve stopped
					}
					switch {
					case code/100 == 2:
						t.Errorf("%s answered %d after the store file was %s (the write is lost): %s", w.name, code, tc.name, body)
					case code != http.StatusServiceUnavailable || hdr.Get("Retry-After") == "" || !strings.Contains(body, w.shape) ||
						!strings.Contains(body, g.db) || !strings.Contains(body, "hookctl serve stops"):
						t.Errorf("%s after the store file was %s: %d (Retry-After %q) %s; want 503 with Retry-After in its envelope, naming the store",
							w.name, tc.name, code, hdr.Get("Retry-After"), body)
					default:
						refused++
					}
				}
				if t.Failed() {
					break
				}
			}
			code := exitCode(srv.wait, 10*time.Second)
			if code != 3 {
				t.Fatalf("serve after its store file was %s: exit %d, want it to stop by itself with 3\n%s", tc.name, code, srv.stderr.String())
			}
			stderr := srv.stderr.String()
			for _, want := range []string{"hookctl: error: store " + g.db + ": " + tc.says,
				"so hookctl serve stopped",
				"hookctl: hint: check the store file's permissions and that it is still in place (hookctl store info)"} {
				if !strings.Contains(stderr, want) {
					t.Errorf("serve's stderr does not say %q:\n%s", want, stderr)
				}
			}
			t.Logf("%d writes refused with 503 before serve stopped", refused)
		})
	}
}
