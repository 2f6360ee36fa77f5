package main

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/hookctl/hookctl/internal/store/postgres/pgtest"
)

// TestStorefix3CurlInsecure: whether an attempt was sent with --insecure
// is recorded with it, on SQLite and PostgreSQL, and deliveries show
// --curl adds -k for such an attempt only. A receiver with a self-signed
// certificate: trigger without -k fails its attempt (the command has no
// -k), replay -k sends it again (attempt 2's command has -k), trigger -k
// delivers (-k); run as it is, that command reaches the receiver. The
// flag goes through store export (an attempt's "insecure": true) and
// store import into another store. Before, no attempt said it and the
// command never had -k: run, it failed on the certificate.
func TestStorefix3CurlInsecure(t *testing.T) {
	t.Parallel()
	var hits atomic.Int64
	tlsApp := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		hits.Add(1)
		w.Write([]byte("ok"))
	}))
	defer tlsApp.Close()
	for _, backend := range []string{"sqlite", "postgres"} {
		t.Run(backend, func(t *testing.T) {
			var c *crashEnv
			if backend == "postgres" {
				c = pgEnv(t, pgtest.URL(t))
			} else {
				c = newCrashEnv(t)
			}
			c.hookctl(0, "subscribe", "--url", tlsApp.URL+"/hooks", "--events", "card.*")
			c.hookctl(1, "trigger", "card.created", "--retry-schedule", "0s")
			c.hookctl(0, "replay", "--failed", "-k", "--yes")
			c.hookctl(0, "trigger", "card.status.active", "-k")
			var ds []struct {
				ID    string `json:"id"`
				Event string `json:"event_type"`
			}
			if err := json.Unmarshal(c.hookctl(0, "deliveries", "list", "-o", "json"), &ds); err != nil {
				t.Fatal(err)
			}
			ids := map[string]string{}
			for _, d := range ds {
				ids[d.Event] = d.ID
			}
			if len(ids) != 2 || ids["card.created"] == "" || ids["card.status.active"] == "" {
				t.Fatalf("deliveries: %+v", ds)
			}
			prefix := func(k bool) string {
				if k {
					return "curl -k -X POST --globoff '" + tlsApp.URL + "/hooks'"
				}
				return "curl -X POST --globoff '" + tlsApp.URL + "/hooks'"
			}
			check := func(c *crashEnv, what string) string {
				t.Helper()
				var cmd string
				for _, tc := range []struct {
					id, attempt string
					k           bool
				}{
					{ids["card.created"], "1", false},
					{ids["card.created"], "2", true},
					{ids["card.status.active"], "1", true},
				} {
					got := string(c.hookctl(0, "deliveries", "show", tc.id, "--curl", "--attempt", tc.attempt))
					if !strings.HasPrefix(got, prefix(tc.k)+" \\\n") {
						t.Errorf("%s: deliveries show --curl --attempt %s of %s:\n%s\nwant it to start %q", what, tc.attempt, tc.id, got, prefix(tc.k))
					}
					cmd = got
				}
				return cmd
			}
			cmd := check(c, "sent")
			if _, err := exec.LookPath("curl"); err == nil {
				before := hits.Load()
				if out, err := exec.Command("sh", "-c", strings.TrimSpace(cmd)+" -sS -o /dev/null").CombinedOutput(); err != nil || hits.Load() != before+1 {
					t.Errorf("the --curl command of an attempt sent with -k: %v, %d requests\n%s", err, hits.Load()-before, out)
				}
			}
			dump := c.hookctl(0, "store", "export")
			if n := strings.Count(string(dump), `"insecure":true`); n != 2 {
				t.Errorf("store export: %d attempts with \"insecure\":true, want 2", n)
			}
			file := filepath.Join(c.dir, "dump.jsonl")
			if err := os.WriteFile(file, dump, 0o600); err != nil {
				t.Fatal(err)
			}
			other := newCrashEnv(t)
			other.hookctl(0, "store", "import", file)
			check(other, "imported into SQLite")
		})
	}
}
