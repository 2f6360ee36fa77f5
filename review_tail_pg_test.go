//go:build !windows

package main

import (
	"bytes"
	"errors"
	"net/url"
	"os/exec"
	"strings"
	"testing"

	"github.com/hookctl/hookctl/internal/store/postgres/pgtest"
)

// TestReviewTailPostgresNoStore: `deliveries tail` on a PostgreSQL schema
// that holds no hookctl store yet (tail started before anything created
// it) or that does not exist (a typo in search_path) says so, as
// `deliveries list` does, with the commands that create a store: not
// PostgreSQL's "relation "hookctl_schema_migrations" does not exist
// (SQLSTATE 42P01)" with a hint about a store of an older hookctl. It
// exits 3 and creates nothing.
func TestReviewTailPostgresNoStore(t *testing.T) {
	empty := pgtest.URL(t) // a fresh schema without tables
	u, err := url.Parse(empty)
	if err != nil {
		t.Fatal(err)
	}
	schema := u.Query().Get("search_path")
	q := u.Query()
	q.Set("search_path", schema+"_typo")
	u.RawQuery = q.Encode()
	for _, tc := range []struct{ name, url, schema string }{
		{"empty schema", empty, schema},
		{"no such schema", u.String(), schema + "_typo"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := pgEnv(t, tc.url)
			var out, errb bytes.Buffer
			cmd := c.cmd("hookctl", "deliveries", "tail", "--timeout", "5s")
			cmd.Stdout, cmd.Stderr = &out, &errb
			err := cmd.Run()
			var ee *exec.ExitError
			if !errors.As(err, &ee) || ee.ExitCode() != 3 {
				t.Fatalf("tail: %v, want exit 3\nstdout:\n%s\nstderr:\n%s", err, out.String(), errb.String())
			}
			msg := errb.String()
			if want := `no hookctl store in schema "` + tc.schema + `"`; !strings.Contains(msg, want) {
				t.Errorf("stderr does not say %q:\n%s", want, msg)
			}
			if !strings.Contains(msg, "create the store") {
				t.Errorf("stderr does not say what creates a store:\n%s", msg)
			}
			for _, bad := range []string{"SQLSTATE", "hookctl_schema_migrations", "older hookctl"} {
				if strings.Contains(msg, bad) {
					t.Errorf("stderr says %q:\n%s", bad, msg)
				}
			}
			// Nothing was created: tail only reads. (deliveries list
			// creates the tables in an existing schema, as in a 0-byte
			// SQLite file; store migrate says whether it created them.)
			if tc.name == "empty schema" {
				if out := string(c.hookctl(0, "store", "migrate", "-o", "json")); !strings.Contains(out, `"created": true`) {
					t.Errorf("store migrate after tail did not create the store:\n%s", out)
				}
			} else {
				c.hookctl(3, "deliveries", "list")
			}
		})
	}
}
