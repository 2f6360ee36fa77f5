//go:build !windows

package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// TestExpungeleftSQLiteBytesGone: a Svix message whose content is
// expunged (DELETE …/msg/{id}/content on `hookctl serve`) leaves no trace
// of its payload in the SQLite store's files: neither in the database
// file (the page the row was on, the overflow pages of a large payload
// freed to the freelist) nor in its WAL, both while serve runs on and
// after it stopped. Before, secure_delete was off: the old row stayed in
// the page's free space and the freed pages, readable with `strings
// hookctl.db`, and the WAL kept the frames that wrote it until SQLite
// happened to overwrite them.
func TestExpungeleftSQLiteBytesGone(t *testing.T) {
	bin := hookctlBinary(t)
	dir := t.TempDir()
	db := filepath.Join(dir, "hookctl.db")
	c := exec.Command(bin, "--store", db, "serve", "--port", "0", "--no-worker", "-o", "json")
	c.Dir = dir
	c.Env = []string{"HOME=" + dir, "HOOKCTL_CONFIG_DIR=" + filepath.Join(dir, "config"), "PATH=" + os.Getenv("PATH")}
	srv := startServe(t, c)

	svixWant(t, srv.URL, "POST", "/api/v1/app", `{"name":"Secrets","uid":"secrets"}`, 201)
	svixWant(t, srv.URL, "POST", "/api/v1/app/secrets/endpoint", `{"url":"http://127.0.0.1:1/hook"}`, 201)
	// A small payload (on the row's own page) and a large one (in
	// overflow pages), each with a marker found nowhere else; others
	// beside them are kept.
	small, large := "SMALLSECRET-7f3a9c", "LARGESECRET-b81e44"
	big := strings.Repeat(large+" ", 2000) // ~38 KB: overflow pages
	msg := func(marker string) string {
		m := svixWant(t, srv.URL, "POST", "/api/v1/app/secrets/msg", fmt.Sprintf(`{"eventType":"card.created","payload":{"card":%q}}`, marker), 202)
		return m["id"].(string)
	}
	keep := msg("KEPTPAYLOAD-11aa22")
	ids := []string{msg(small), msg(big)}
	for i := 0; i < 20; i++ { // rows after them, so theirs are not at the end of the table
		msg(fmt.Sprintf("filler-%d", i))
	}
	files := func() map[string][]byte {
		t.Helper()
		got := map[string][]byte{}
		for _, f := range []string{db, db + "-wal"} {
			b, err := os.ReadFile(f)
			if err != nil && !os.IsNotExist(err) {
				t.Fatal(err)
			}
			got[filepath.Base(f)] = b
		}
		return got
	}
	// Before the expunge, the markers are on disk (the test can see them).
	seen := false
	for _, b := range files() {
		seen = seen || bytes.Contains(b, []byte(small)) && bytes.Contains(b, []byte(large))
	}
	if !seen {
		t.Fatal("the payloads' markers are not in the store's files before the expunge: the test cannot see them")
	}
	for _, id := range ids {
		svixWant(t, srv.URL, "DELETE", "/api/v1/app/secrets/msg/"+id+"/content", "", 204)
	}
	check := func(when string) {
		t.Helper()
		kept := false
		for name, b := range files() {
			for _, m := range []string{small, large} {
				if n := bytes.Count(b, []byte(m)); n > 0 {
					t.Errorf("%s: %s holds the expunged payload's marker %s %d times", when, name, m, n)
				}
			}
			kept = kept || bytes.Contains(b, []byte("KEPTPAYLOAD-11aa22"))
		}
		if !kept {
			t.Errorf("%s: the message not expunged is gone from the store too", when)
		}
	}
	check("serve running, right after the expunge")
	if err := srv.stop(syscall.SIGTERM); err != nil {
		t.Fatalf("serve: %v\n%s", err, srv.stderr.String())
	}
	check("serve stopped")
	// The store reads on: the kept message and the expunged one.
	srv = startServe(t, exec.Command(bin, "--store", db, "serve", "--port", "0", "--no-worker", "-o", "json"))
	if m := svixWant(t, srv.URL, "GET", "/api/v1/app/secrets/msg/"+keep, "", 200); !strings.Contains(fmt.Sprint(m["payload"]), "KEPTPAYLOAD-11aa22") {
		t.Errorf("the kept message after the expunge: %v", m)
	}
	if m := svixWant(t, srv.URL, "GET", "/api/v1/app/secrets/msg/"+ids[1], "", 200); fmt.Sprint(m["payload"]) != "map[expired:true]" {
		t.Errorf("the expunged message: %v", m)
	}
}
