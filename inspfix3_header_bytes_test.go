package main

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/signature"
	"github.com/hookctl/hookctl/internal/store/postgres/pgtest"
)

// TestHeaderBytesKeptAsSent: a request whose header value is not UTF-8
// (caf\xe9, Latin-1 from an old sender) is recorded as sent, on SQLite
// and on PostgreSQL: deliveries show prints the byte (\xe9), and the
// command deliveries show --curl writes sends the same bytes again, also
// from a store the export was imported into (SQLite and PostgreSQL).
// Before, the stores kept the headers as JSON, which turned the byte
// into U+FFFD: show printed "caf�" and --curl sent EF BF BD.
func TestHeaderBytesKeptAsSent(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("hookctl"); err != nil {
		t.Skip("hookctl is not on PATH")
	}
	if _, err := exec.LookPath("curl"); err != nil {
		t.Skip("no curl to run the command")
	}
	stores := map[string]func(c *crashEnv) string{
		"sqlite":   func(c *crashEnv) string { return c.dir + "/other.db" },
		"postgres": func(*crashEnv) string { return pgtest.URL(t) },
	}
	for _, from := range []string{"sqlite", "postgres"} {
		t.Run(from, func(t *testing.T) {
			if from == "postgres" && os.Getenv("HOOKCTL_TEST_POSTGRES") == "" {
				t.Skip("needs HOOKCTL_TEST_POSTGRES")
			}
			var mu sync.Mutex
			var got []string
			app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				mu.Lock()
				got = append(got, r.Header.Get("X-Raw"))
				mu.Unlock()
			}))
			defer app.Close()
			received := func() []string { mu.Lock(); defer mu.Unlock(); return append([]string(nil), got...) }
			c := newCrashEnv(t)
			c.env = append(c.env, "HOOKCTL_STORE="+stores[from](c))
			port := mustFreePort(t)
			const secret = "whsec_dGVzdHNlY3JldA=="
			stop := startListen(t, c, port, "--forward", app.URL, "--scheme", "stripe", "--secret", secret)
			body := []byte(`{"id":"evt_raw_1","object":"event","type":"charge.succeeded"}`)
			sc, err := signature.Lookup("stripe")
			if err != nil {
				t.Fatal(err)
			}
			h, err := sc.Sign(signature.SignInput{Secrets: []string{secret}, Timestamp: time.Now(), Body: body})
			if err != nil {
				t.Fatal(err)
			}
			req, _ := http.NewRequest("POST", "http://127.0.0.1:"+port+"/hook", bytes.NewReader(body))
			for k, v := range h {
				req.Header[k] = v
			}
			req.Header.Set("Content-Type", "application/json")
			req.Header["X-Raw"] = []string{"caf\xe9 \xff"}
			resp, err := (&http.Client{Timeout: 20 * time.Second}).Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			sout, serr := stop()
			if r := received(); len(r) != 1 || r[0] != "caf\xe9 \xff" {
				t.Fatalf("the forward carried %q (listen answered %d)\n%s\n%s", r, resp.StatusCode, sout, serr)
			}
			var list []struct{ ID string }
			if err := json.Unmarshal(c.hookctl(0, "deliveries", "list", "-o", "json"), &list); err != nil || len(list) != 1 {
				t.Fatalf("deliveries list: %v %v", list, err)
			}
			id := list[0].ID
			check := func(c *crashEnv, where string) {
				t.Helper()
				show := string(c.hookctl(0, "deliveries", "show", id))
				if !strings.Contains(show, `caf\xe9 \xff`) {
					t.Errorf("%s: deliveries show does not print the header as sent (caf\\xe9 \\xff):\n%s", where, show)
				}
				curl := c.hookctl(0, "deliveries", "show", id, "--curl")
				n := len(received())
				sh := exec.Command("sh")
				sh.Stdin = bytes.NewReader(append(bytes.TrimRight(curl, "\n"), " -sS -o /dev/null\n"...))
				if out, err := sh.CombinedOutput(); err != nil {
					t.Fatalf("%s: the --curl command failed: %v: %s", where, err, out)
				}
				if r := received(); len(r) != n+1 || r[n] != "caf\xe9 \xff" {
					t.Errorf("%s: the --curl command sent X-Raw %q, want %q", where, r[n:], "caf\xe9 \xff")
				}
			}
			check(c, from)
			dump := c.hookctl(0, "store", "export")
			for _, to := range []string{"sqlite", "postgres"} {
				if to == "postgres" && os.Getenv("HOOKCTL_TEST_POSTGRES") == "" {
					continue
				}
				d := newCrashEnv(t)
				d.env = append(d.env, "HOOKCTL_STORE="+stores[to](d))
				imp := d.cmd("hookctl", "store", "import", "-")
				imp.Stdin = bytes.NewReader(dump)
				if out, err := imp.CombinedOutput(); err != nil {
					t.Fatalf("store import into %s: %v: %s", to, err, out)
				}
				check(d, from+" exported, imported into "+to)
			}
		})
	}
}
