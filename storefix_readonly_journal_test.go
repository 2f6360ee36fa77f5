//go:build unix

package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/signature"
	"github.com/hookctl/hookctl/internal/store/sqlite"
)

// storefixPost sends listen a signed event per id and wants each
// answered 2xx.
func storefixPost(t *testing.T, ready readyLine, ids ...string) {
	t.Helper()
	sc, err := signature.Lookup("standard")
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range ids {
		body := []byte(`{"type":"card.created","data":{"id":"` + id + `"}}`)
		h, err := sc.Sign(signature.SignInput{Secrets: []string{ready.Secret}, ID: id, Timestamp: time.Now(), Body: body})
		if err != nil {
			t.Fatal(err)
		}
		req, _ := http.NewRequest("POST", ready.URL+"/hooks", bytes.NewReader(body))
		req.Header = h
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode/100 != 2 {
			t.Fatalf("listen answered %s to %s", resp.Status, id)
		}
	}
}

// storefixJournalLeft runs `hookctl listen` on db (as nobody when
// asNobody), deletes the store file under it, posts ids to it, so they
// stay in its journal, and stops it with SIGINT; it returns its stderr.
func storefixJournalLeft(t *testing.T, bin, dir, db string, asNobody bool, ids ...string) string {
	t.Helper()
	cmd := exec.Command(bin, "--store", db, "listen", "--port", "0", "-o", "json")
	cmd.Dir = dir
	cmd.Env = []string{"HOME=" + dir, "HOOKCTL_CONFIG_DIR=" + filepath.Join(dir, "config"), "PATH=" + os.Getenv("PATH"), "NO_COLOR=1"}
	if asNobody {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
	}
	ready, stderr, done := startJSONListen(t, cmd)
	for _, side := range []string{"", "-wal", "-shm"} {
		if err := os.Remove(db + side); err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
	}
	storefixPost(t, ready, ids...)
	cmd.Process.Signal(os.Interrupt)
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("listen: %v\n%s", err, stderr)
		}
	case <-time.After(20 * time.Second):
		cmd.Process.Kill()
		t.Fatalf("listen did not stop\n%s", stderr)
	}
	return stderr.String()
}

// storefixRun runs the hookctl binary bin as nobody when the test runs as
// root (else as this user) in dir, and returns stdout, stderr and the exit
// code.
func storefixRun(t *testing.T, bin, dir string, asNobody bool, args ...string) (string, string, int) {
	t.Helper()
	c := exec.Command(bin, args...)
	c.Dir = dir
	c.Env = []string{"HOME=" + dir, "HOOKCTL_CONFIG_DIR=" + filepath.Join(dir, "config"), "PATH=" + os.Getenv("PATH"), "NO_COLOR=1"}
	if asNobody {
		c.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
	}
	var out, errb bytes.Buffer
	c.Stdout, c.Stderr = &out, &errb
	timer := time.AfterFunc(20*time.Second, func() { c.Process.Kill() })
	defer timer.Stop()
	err := c.Run()
	if ee, ok := err.(*exec.ExitError); ok {
		return out.String(), errb.String(), ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return out.String(), errb.String(), 0
}

// TestStorefixReadOnlyStoreJournalLeft: a listen that did not finish
// left received events in its journal, and the store is read-only for
// this user (chmod 400). store info and store export read the store
// without importing the journal (they cannot write it), and they say so:
// a warning naming the journal's bytes, that they were not imported (and
// for export, that the dump does not include them), and a hint; store
// info still counts the pending bytes and -o json says read_only. Before,
// both were silent: the export passed for the whole history. Once the
// store is writable again store info imports the events.
func TestStorefixReadOnlyStoreJournalLeft(t *testing.T) {
	bin := hookctlBinary(t)
	dir, sd, db, root := nobodyStoreDir(t, bin, "hookctl-storefix-ro")
	run := func(args ...string) (string, string, int) {
		t.Helper()
		return storefixRun(t, bin, dir, root, append([]string{"--store", db}, args...)...)
	}
	spare := filepath.Join(sd, "spare.db")
	if out, errs, code := storefixRun(t, bin, dir, root, "--store", spare, "store", "migrate"); code != 0 {
		t.Fatalf("store migrate: exit %d\n%s%s", code, out, errs)
	}

	// A listen whose store file is deleted under it keeps what it
	// receives in its journal, and leaves the journal when it stops.
	stderr := storefixJournalLeft(t, bin, dir, db, root, "msg_left_1", "msg_left_2")
	if !strings.Contains(stderr, "they are kept in") {
		t.Fatalf("listen kept nothing in its journal:\n%s", stderr)
	}
	// The store back in place (another, empty one), read-only.
	if err := os.Rename(spare, db); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(db, 0o400); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Chmod(db, 0o600) })

	warning := regexp.MustCompile(`(?m)^hookctl: warning: 1 listen journal in ` + regexp.QuoteMeta(filepath.Join(sd, "journal")) +
		` left by a hookctl listen that did not finish holds (\d+) bytes of received events not in the store yet: this user may not write the store, so they were not imported \((.*)\)\nhookctl: hint: once you may write ` +
		regexp.QuoteMeta(db) + ` again \(chmod u\+w, or its file system mounted read-write\), run "hookctl store info": it imports them\n`)
	out, errs, code := run("store", "info")
	m := warning.FindStringSubmatch(errs)
	if code != 0 || m == nil || m[2] != "store info's counts leave them out" {
		t.Errorf("store info on a read-only store with a journal left: exit %d, no warning\n%s%s", code, out, errs)
	} else if !strings.Contains(out, "pending journal bytes\t"+m[1]+" (1 listen journal in ") || !strings.Contains(out, "access\tread only") {
		t.Errorf("store info does not show the %s pending bytes, read only:\n%s", m[1], out)
	}
	js, errs, code := run("store", "info", "-o", "json")
	var doc struct {
		ReadOnly bool  `json:"read_only"`
		Pending  int64 `json:"pending_journal_bytes"`
		Events   int64 `json:"events"`
	}
	if err := json.Unmarshal([]byte(js), &doc); code != 0 || err != nil || !doc.ReadOnly || doc.Pending == 0 || doc.Events != 0 {
		t.Errorf("store info -o json: exit %d, %+v (%v)\n%s%s", code, doc, err, js, errs)
	}
	out, errs, code = run("store", "export")
	if m := warning.FindStringSubmatch(errs); code != 0 || m == nil || m[2] != "this export does not include them" || strings.Contains(out, "msg_left") {
		t.Errorf("store export on a read-only store with a journal left: exit %d\n%s%s", code, out, errs)
	}

	if err := os.Chmod(db, 0o600); err != nil {
		t.Fatal(err)
	}
	out, errs, code = run("store", "info")
	if code != 0 || !strings.Contains(errs, "Recovered 2 received events from 1 journal") || strings.Contains(errs, "warning") ||
		!strings.Contains(out, "pending journal bytes\t0 (0 listen journals") || strings.Contains(out, "read only") {
		t.Errorf("store info once the store is writable: exit %d\n%s%s", code, out, errs)
	}
	out, errs, code = run("store", "export")
	if code != 0 || !strings.Contains(out, `"id":"msg_left_1"`) || !strings.Contains(out, `"id":"msg_left_2"`) {
		t.Errorf("store export after the import: exit %d, the events left are not there\n%s%s", code, out, errs)
	}
}

// TestStorefixRootListenLeavesNoRootDir: root's listen on another user's
// store (sudo hookctl listen --store ~alice/…) made the journal/ folder
// next to it root's (0700), though it gives the journals in it to the
// store's owner: then the owner's own listen refused to start (exit 3,
// "the listen journal directory … belongs to another user") and her
// store commands could not see the journal a killed listen of root's left
// there, so it was never imported. The folder is given to the store's
// owner now: after root's listen is killed, the owner's store info
// imports and removes its journal, and the owner's listen runs.
func TestStorefixRootListenLeavesNoRootDir(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to run hookctl as root on another user's store")
	}
	bin := hookctlBinary(t)
	dir, sd, db, _ := nobodyStoreDir(t, bin, "hookctl-storefix-rootdir")
	if out, errs, code := storefixRun(t, bin, dir, true, "--store", db, "store", "migrate"); code != 0 {
		t.Fatalf("store migrate: exit %d\n%s%s", code, out, errs)
	}
	// Root's reads and writes of her store leave nothing of root's (SQLite
	// gives root's -wal and -shm to the file's owner), and her next
	// write works.
	for _, args := range [][]string{{"store", "info"}, {"store", "export"}, {"deliveries", "list"}, {"events", "log"},
		{"store", "prune", "--older-than", "1d", "--yes", "--vacuum"}, {"subscribe", "--url", "http://127.0.0.1:1/root", "--events", "*"}} {
		if out, errs, code := storefixRun(t, bin, dir, false, append([]string{"--store", db}, args...)...); code != 0 {
			t.Fatalf("%s as root: exit %d\n%s%s", strings.Join(args, " "), code, out, errs)
		}
		filepath.Walk(sd, func(p string, fi os.FileInfo, err error) error {
			if err == nil && fi.Sys().(*syscall.Stat_t).Uid == 0 {
				t.Errorf("%s as root left %s, root's", strings.Join(args, " "), p)
			}
			return nil
		})
	}
	if out, errs, code := storefixRun(t, bin, dir, true, "--store", db, "subscribe", "--url", "http://127.0.0.1:1/owner", "--events", "*"); code != 0 {
		t.Fatalf("the owner's subscribe after root's commands: exit %d\n%s%s", code, out, errs)
	}
	listenAs := func(nobody bool) (*exec.Cmd, readyLine, *bytes.Buffer, chan error) {
		t.Helper()
		cmd := exec.Command(bin, "--store", db, "listen", "--port", "0", "-o", "json")
		cmd.Dir = dir
		cmd.Env = []string{"HOME=" + dir, "HOOKCTL_CONFIG_DIR=" + filepath.Join(dir, "config"), "PATH=" + os.Getenv("PATH"), "NO_COLOR=1"}
		if nobody {
			cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
		}
		ready, stderr, done := startJSONListen(t, cmd)
		return cmd, ready, stderr, done
	}
	cmd, ready, _, done := listenAs(false)
	storefixPost(t, ready, "msg_root_1")
	cmd.Process.Kill()
	<-done
	jdir := filepath.Join(sd, "journal")
	if js, _ := filepath.Glob(filepath.Join(jdir, "listen-*.journal")); len(js) != 1 {
		t.Fatalf("journals left by root's killed listen: %v, want 1", js)
	}
	fi, err := os.Stat(jdir)
	if err != nil {
		t.Fatal(err)
	}
	if uid := fi.Sys().(*syscall.Stat_t).Uid; uid != 65534 {
		t.Errorf("root's listen left %s owned by uid %d, not the store's owner", jdir, uid)
	}

	// As an older hookctl left it: root's. The owner's store commands
	// say they cannot read it (store info said 0 pending bytes, 0
	// journals), and how to give it to her; her listen says how too.
	if err := os.Chown(jdir, 0, 0); err != nil {
		t.Fatal(err)
	}
	chown := "sudo chown -R nobody " + jdir
	out, errs, code := storefixRun(t, bin, dir, true, "--store", db, "store", "info")
	if code != 0 || !strings.Contains(out, "pending journal bytes\tunknown: "+jdir+" cannot be read by this user") ||
		!strings.Contains(errs, "hookctl: warning: the listen journal directory "+jdir+" cannot be read by this user") ||
		!strings.Contains(errs, chown) {
		t.Errorf("the owner's store info with a journal directory of root's: exit %d\n%s%s", code, out, errs)
	}
	js, _, _ := storefixRun(t, bin, dir, true, "--store", db, "store", "info", "-o", "json")
	if !strings.Contains(js, `"journals_permission_denied": true`) {
		t.Errorf("store info -o json with a journal directory of root's:\n%s", js)
	}
	if out, errs, code := storefixRun(t, bin, dir, true, "--store", db, "listen", "--port", "0"); code != 3 || !strings.Contains(errs, `sudo chown -R "$(id -un)" `+jdir) {
		t.Errorf("the owner's listen with a journal directory of root's: exit %d\n%s%s", code, out, errs)
	}
	if err := os.Chown(jdir, 65534, 65534); err != nil {
		t.Fatal(err)
	}

	out, errs, code = storefixRun(t, bin, dir, true, "--store", db, "store", "info")
	if code != 0 || !strings.Contains(out, "pending journal bytes\t0 (0 listen journals") || strings.Contains(out, "unknown") || strings.Contains(errs, "warning") {
		t.Errorf("the owner's store info after root's listen was killed: exit %d\n%s%s", code, out, errs)
	}
	if js, _ := filepath.Glob(filepath.Join(jdir, "listen-*.journal")); len(js) != 0 {
		t.Errorf("the owner's store info left root's journal %v", js)
	}
	if out, errs, code := storefixRun(t, bin, dir, true, "--store", db, "events", "show", "msg_root_1"); code != 0 {
		t.Errorf("the event root's listen received is not in the store: exit %d\n%s%s", code, out, errs)
	}

	cmd, _, stderr, done := listenAs(true)
	cmd.Process.Signal(os.Interrupt)
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("the owner's listen: %v\n%s", err, stderr)
		}
	case <-time.After(20 * time.Second):
		cmd.Process.Kill()
		t.Fatalf("the owner's listen did not stop\n%s", stderr)
	}

	// A journal of root's in her folder (an older hookctl's), which she
	// cannot open: not imported, said; her store commands work (they
	// exited 3, "importing the listen journal …: permission denied").
	rootJournal := filepath.Join(jdir, "listen-1-abcdef01.journal")
	if err := os.WriteFile(rootJournal, []byte("hookctl-listen-journal v1 0000000000000000 1 00000000 0000000000000038\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"store", "info"}, {"store", "export"}} {
		out, errs, code := storefixRun(t, bin, dir, true, append([]string{"--store", db}, args...)...)
		if code != 0 || !strings.Contains(errs, "hookctl: warning: the listen journal "+rootJournal+" belongs to another user (root): not imported") {
			t.Errorf("the owner's %s with a journal of root's she cannot open: exit %d\n%s%s", strings.Join(args, " "), code, out, errs)
		}
	}
	if _, err := os.Stat(rootJournal); err != nil {
		t.Errorf("root's journal: %v", err)
	}
}

// TestStorefixReadOnlyOtherSchema: a store this user may only read, of
// another schema than this hookctl's, is said in words with exit 3 by
// the commands that read it: an older one (it was "store P: schema 8, not
// 9", exit 1) with how to bring it up to date, a newer one as a writer
// says it ("was written by a newer hookctl"; it was "schema 10, not 9",
// exit 1). The -wal and -shm those failed reads leave do not stop the
// owner's writes once the file is writable again.
func TestStorefixReadOnlyOtherSchema(t *testing.T) {
	bin := hookctlBinary(t)
	dir, _, db, root := nobodyStoreDir(t, bin, "hookctl-storefix-schema")
	run := func(args ...string) (string, string, int) {
		t.Helper()
		return storefixRun(t, bin, dir, root, append([]string{"--store", db}, args...)...)
	}
	if out, errs, code := run("subscribe", "--url", "http://127.0.0.1:1/h", "--events", "*"); code != 0 {
		t.Fatalf("subscribe: exit %d\n%s%s", code, out, errs)
	}
	if _, err := os.Stat(db + "-wal"); err == nil {
		t.Fatalf("%s-wal left: the header's user_version may not be the store's", db)
	}
	// user_version: 4 bytes at offset 60 of the database header.
	setVersion := func(v int) {
		t.Helper()
		os.Chmod(db, 0o600) // as a user who is not root, its owner
		defer os.Chmod(db, 0o400)
		f, err := os.OpenFile(db, os.O_RDWR, 0)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		if _, err := f.WriteAt([]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)}, 60); err != nil {
			t.Fatal(err)
		}
	}
	t.Cleanup(func() { os.Chmod(db, 0o600) })
	latest := sqlite.SchemaVersion()
	for _, tc := range []struct {
		version int
		want    string
		hint    string
	}{
		{latest - 1, fmt.Sprintf("has schema %d, older than this hookctl's %d, and a reader does not migrate it", latest-1, latest), "hookctl store migrate"},
		{latest + 1, fmt.Sprintf("was written by a newer hookctl (schema %d, this hookctl knows up to %d)", latest+1, latest), "upgrade hookctl"},
	} {
		setVersion(tc.version)
		for _, args := range [][]string{{"store", "info"}, {"store", "export"}, {"deliveries", "list"}} {
			out, errs, code := run(args...)
			if code != 3 || !strings.Contains(errs, "hookctl: error: store "+db+" "+tc.want+"\n") || !strings.Contains(errs, "hookctl: hint: ") ||
				!strings.Contains(errs, tc.hint) {
				t.Errorf("%s on a read-only store of schema %d: exit %d, want 3 and %q\n%s%s", strings.Join(args, " "), tc.version, code, tc.want, out, errs)
			}
		}
	}
	// The reads that failed left the -wal and -shm they made with the
	// file's mode (0400): once the file is writable (and of this
	// hookctl's schema) again, its owner writes it (it was "attempt to
	// write a readonly database").
	setVersion(latest)
	if err := os.Chmod(db, 0o600); err != nil {
		t.Fatal(err)
	}
	if out, errs, code := run("subscribe", "--url", "http://127.0.0.1:1/again", "--events", "*"); code != 0 {
		t.Errorf("subscribe once the store is writable again: exit %d\n%s%s", code, out, errs)
	}
}
