package main

import (
	"bytes"
	"context"
	"fmt"
	"net/url"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/hookctl/hookctl/internal/store/postgres/pgtest"
)

// TestStoreLeftSearchPathFirstSchema: hookctl's store is in the first
// schema of search_path. With search_path=teama,<a schema holding a store>
// — teama created and empty, or not created yet, in the URL's search_path
// or in options=-c search_path=… — store info, store migrate, subscribe,
// subscriptions list and deliveries tail refuse (exit 3) naming both
// schemas: they read and wrote the later schema's store (another team's),
// through PostgreSQL's lookup of each table on the path. Once teama has a
// store of its own (store migrate with search_path=teama alone), the same
// path uses it.
func TestStoreLeftSearchPathFirstSchema(t *testing.T) {
	t.Parallel()
	u := pgtest.URL(t)
	ctx := context.Background()
	parsed, err := url.Parse(u)
	if err != nil {
		t.Fatal(err)
	}
	shared := parsed.Query().Get("search_path")
	c := pgEnv(t, u)
	c.hookctl(0, "subscribe", "--url", "http://127.0.0.1:1/shared", "--events", "card.created")

	admin, err := pgx.Connect(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close(ctx)
	stamp := time.Now().UnixNano()
	made := fmt.Sprintf("teama_%d", stamp)   // created, empty
	absent := fmt.Sprintf("teamb_%d", stamp) // not created
	if _, err := admin.Exec(ctx, `CREATE SCHEMA `+made); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		for _, s := range []string{made, absent} {
			_, _ = admin.Exec(context.Background(), `DROP SCHEMA IF EXISTS `+s+` CASCADE`)
		}
	})
	withPath := func(path string, options bool) string {
		p := *parsed
		q := p.Query()
		if options {
			q.Del("search_path")
			q.Set("options", "-c search_path="+path)
		} else {
			q.Set("search_path", path)
		}
		p.RawQuery = strings.ReplaceAll(q.Encode(), "+", "%20") // (pgx reads no + as a space)
		return p.String()
	}
	run := func(store string, args ...string) (int, string, string) {
		var out, errb bytes.Buffer
		cmd := c.cmd("hookctl", append(args, "--store", store)...)
		cmd.Stdout, cmd.Stderr = &out, &errb
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		// deliveries tail follows a store it opens: it must have ended.
		timer := time.AfterFunc(20*time.Second, func() { cmd.Process.Kill() })
		defer timer.Stop()
		err := cmd.Wait()
		code := 0
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		return code, out.String(), errb.String()
	}
	for _, first := range []string{made, absent} {
		for _, options := range []bool{false, true} {
			store := withPath(first+","+shared, options)
			for _, args := range [][]string{
				{"store", "info"},
				{"subscriptions", "list"},
				{"deliveries", "tail"},
				{"subscribe", "--url", "http://127.0.0.1:1/teama", "--events", "card.created"},
				{"store", "migrate"},
			} {
				code, out, errs := run(store, args...)
				want := fmt.Sprintf(`schema %q, the first of search_path, has no hookctl store, but schema %q later on the path has one`, first, shared)
				if code != 3 || !strings.Contains(errs, want) || !strings.Contains(errs, "hookctl: hint: ") || strings.Contains(out, "/shared") {
					t.Errorf("hookctl %s with search_path=%s,%s (options: %v): exit %d\nstdout: %s\nstderr: %s",
						strings.Join(args, " "), first, shared, options, code, out, errs)
				}
			}
		}
	}
	var n int
	if err := admin.QueryRow(ctx, `SELECT count(*) FROM pg_namespace WHERE nspname = $1`, absent).Scan(&n); err != nil || n != 0 {
		t.Errorf("schema %s created (%d, %v) though refused", absent, n, err)
	}

	// teama's own store, then the same path uses it.
	if code, _, errs := run(withPath(made, false), "store", "migrate"); code != 0 {
		t.Fatalf("store migrate with search_path=%s: exit %d\n%s", made, code, errs)
	}
	store := withPath(made+","+shared, true)
	if code, _, errs := run(store, "subscribe", "--url", "http://127.0.0.1:1/teama", "--events", "card.created"); code != 0 {
		t.Fatalf("subscribe into %s: exit %d\n%s", made, code, errs)
	}
	if code, out, errs := run(store, "subscriptions", "list"); code != 0 || !strings.Contains(out, "/teama") || strings.Contains(out, "/shared") {
		t.Errorf("subscriptions list of %s: exit %d\n%s%s", made, code, out, errs)
	}
}
