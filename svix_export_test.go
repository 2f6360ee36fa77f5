//go:build !windows

package main

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"syscall"
	"testing"

	"github.com/hookctl/hookctl/internal/store/postgres/pgtest"
)

// TestServeSvixStateMovesWithExport: `store export` → `store import` into
// a fresh store (the way to move a store, SQLite → PostgreSQL for a team)
// keeps what serve's Svix API keeps besides endpoints and messages: an
// application's name, uid, metadata, rateLimit and times, the declared
// event types, and a deleted application's tombstone, so the deleted one
// stays deleted although its message came along. Before, objects were
// not exported: the new store's serve showed the deleted application
// again (from its message) and had lost the others' details and the
// event types.
func TestServeSvixStateMovesWithExport(t *testing.T) {
	t.Parallel()
	lite := func(t *testing.T) (string, string) {
		dir := t.TempDir()
		return dir, filepath.Join(dir, "hookctl.db")
	}
	pg := func(t *testing.T) (string, string) { return t.TempDir(), pgtest.URL(t) }
	for _, tc := range []struct {
		name     string
		src, dst func(t *testing.T) (dir, store string)
	}{
		{"sqlite to sqlite", lite, lite},
		{"sqlite to postgres", lite, pg},
		{"postgres to sqlite", pg, lite},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srcDir, srcStore := tc.src(t)
			dstDir, dstStore := tc.dst(t)
			testSvixStateMovesWithExport(t, srcDir, srcStore, dstDir, dstStore)
		})
	}
}

func testSvixStateMovesWithExport(t *testing.T, srcDir, srcStore, dstDir, dstStore string) {
	bin := hookctlBinary(t)
	env := func(dir string) []string {
		return []string{"HOME=" + dir, "HOOKCTL_CONFIG_DIR=" + filepath.Join(dir, "config"),
			"XDG_DATA_HOME=" + filepath.Join(dir, "data"), "PATH=" + os.Getenv("PATH")}
	}
	serve := func(dir, storeArg string) *servedProcess {
		c := exec.Command(bin, "--store", storeArg, "serve", "--port", "0", "-o", "json")
		c.Dir, c.Env = dir, env(dir)
		return startServe(t, c)
	}
	hookctl := func(dir, storeArg string, stdin []byte, args ...string) []byte {
		t.Helper()
		c := exec.Command(bin, append([]string{"--store", storeArg}, args...)...)
		c.Dir, c.Env = dir, env(dir)
		var out, errb bytes.Buffer
		c.Stdin, c.Stdout, c.Stderr = bytes.NewReader(stdin), &out, &errb
		if err := c.Run(); err != nil {
			t.Fatalf("hookctl %s: %v\n%s", strings.Join(args, " "), err, errb.String())
		}
		return out.Bytes()
	}

	src := serve(srcDir, srcStore)
	gone := svixWant(t, src.URL, "POST", "/api/v1/app", `{"name":"Gone","uid":"gone"}`, 201)["id"].(string)
	svixWant(t, src.URL, "POST", "/api/v1/app/gone/endpoint", `{"url":"http://127.0.0.1:1/hook"}`, 201)
	svixWant(t, src.URL, "POST", "/api/v1/app/gone/msg", `{"eventType":"a.b","payload":{}}`, 202)
	svixWant(t, src.URL, "DELETE", "/api/v1/app/gone", "", 204)
	svixWant(t, src.URL, "POST", "/api/v1/app", `{"name":"Kept","uid":"kept"}`, 201)
	svixWant(t, src.URL, "PATCH", "/api/v1/app/kept", `{"metadata":{"team":"billing"},"rateLimit":7}`, 200)
	svixWant(t, src.URL, "POST", "/api/v1/event-type", `{"name":"order.created","description":"An order","schemas":{"1":{"type":"object"}}}`, 201)
	svixWant(t, src.URL, "POST", "/api/v1/event-type", `{"name":"order.old","description":"Old"}`, 201)
	svixWant(t, src.URL, "DELETE", "/api/v1/event-type/order.old", "", 204)
	// What serve answers for them, to compare after the move.
	paths := []string{"/api/v1/app/kept", "/api/v1/app", "/api/v1/event-type/order.created",
		"/api/v1/event-type/order.old", "/api/v1/event-type?include_archived=true"}
	before := map[string]map[string]any{}
	for _, p := range paths {
		before[p] = svixWant(t, src.URL, "GET", p, "", 200)
	}
	if err := src.stop(syscall.SIGTERM); err != nil {
		t.Fatalf("serve: %v\n%s", err, src.stderr.String())
	}

	dump := hookctl(srcDir, srcStore, nil, "store", "export")
	if n := bytes.Count(dump, []byte(`{"object":`)); n != 4 {
		t.Errorf("export: %d objects, want 4 (2 applications, 2 event types):\n%s", n, dump)
	}
	out := hookctl(dstDir, dstStore, dump, "store", "import", "-", "-o", "json")
	// The deleted application's message came along (the one event): the
	// tombstone, not a missing message, keeps the application deleted.
	var res struct{ Written map[string]int }
	if err := json.Unmarshal(out, &res); err != nil || res.Written["objects"] != 4 || res.Written["events"] != 1 {
		t.Errorf("import: %s", out)
	}

	dst := serve(dstDir, dstStore)
	for _, id := range []string{"gone", gone} {
		if code, m := svixCall(t, dst.URL, "GET", "/api/v1/app/"+id, ""); code != 404 {
			t.Fatalf("the deleted application %s after the move: %d %v, want 404", id, code, m)
		}
	}
	for _, p := range paths {
		if got := svixWant(t, dst.URL, "GET", p, "", 200); !reflect.DeepEqual(got, before[p]) {
			t.Errorf("GET %s after the move:\n got %v\nwant %v", p, got, before[p])
		}
	}
	if d := before["/api/v1/app"]["data"].([]any); len(d) != 1 {
		t.Errorf("applications before the move: %v", d)
	}
	// Its uid is free, as it was in the source store.
	if id := svixWant(t, dst.URL, "POST", "/api/v1/app", `{"name":"Gone again","uid":"gone"}`, 201)["id"]; id == gone {
		t.Errorf("the deleted application came back: %v", id)
	}
	if err := dst.stop(syscall.SIGTERM); err != nil {
		t.Fatalf("serve: %v\n%s", err, dst.stderr.String())
	}
}
