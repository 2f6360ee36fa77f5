//go:build unix

package main

import (
	"bytes"
	"database/sql"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	_ "modernc.org/sqlite"
)

// storefix3RunAs runs the hookctl binary bin in dir as uid with the
// group gid (and no other), and returns stdout, stderr and the exit code.
func storefix3RunAs(t *testing.T, bin, dir string, uid, gid uint32, args ...string) (string, string, int) {
	t.Helper()
	c := exec.Command(bin, args...)
	c.Dir = dir
	c.Env = []string{"HOME=" + dir, "HOOKCTL_CONFIG_DIR=" + filepath.Join(dir, "config-"+strconv.Itoa(int(uid))), "PATH=" + os.Getenv("PATH"), "NO_COLOR=1"}
	c.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: uid, Gid: gid, Groups: []uint32{gid}}}
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

// TestStorefix3GroupMemberOwnersJournal: a SQLite store shared by a
// group (store directory 2775, the store 0660, its owner nobody), whose
// owner's listen left a journal (0600, the owner's) in a journal folder
// the group may read (0750: listen makes it 0700 when it starts; a team
// opens it up for its members after). A member of the group (uid 1, group
// nogroup) runs store info, export, prune and migrate on the store, which
// they may write: each exits 0 and says once that the journal is the
// store's owner's and was not imported, with one hint: run store info as
// the owner. Before, each exited 3 ("importing the listen journal …:
// permission denied"); the last session made only journals of neither
// this user nor the store's owner a warning. The owner's store info then
// imports the journal's events.
//
// The owner's process holds the store open (as a listen or serve running
// all day does), so its -wal and -shm are the owner's: a member's hookctl
// that creates them itself is refused, which is another matter.
func TestStorefix3GroupMemberOwnersJournal(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to run hookctl as the store's owner and as a member of its group")
	}
	bin := hookctlBinary(t)
	dir, sd, db, _ := nobodyStoreDir(t, bin, "hookctl-storefix3-group")
	if err := os.Chmod(sd, 0o2775); err != nil {
		t.Fatal(err)
	}
	spare := filepath.Join(sd, "spare.db")
	if out, errs, code := storefixRun(t, bin, dir, true, "--store", spare, "store", "migrate"); code != 0 {
		t.Fatalf("store migrate: exit %d\n%s%s", code, out, errs)
	}
	stderr := storefixJournalLeft(t, bin, dir, db, true, "msg_group_1", "msg_group_2")
	jdir := filepath.Join(sd, "journal")
	js, _ := filepath.Glob(filepath.Join(jdir, "listen-*.journal"))
	if len(js) != 1 {
		t.Fatalf("journals left: %v, want 1\n%s", js, stderr)
	}
	if err := os.Rename(spare, db); err != nil {
		t.Fatal(err)
	}
	for p, mode := range map[string]os.FileMode{db: 0o660, jdir: 0o750} {
		if err := os.Chmod(p, mode); err != nil {
			t.Fatal(err)
		}
	}
	hold, err := sql.Open("sqlite", db)
	if err != nil {
		t.Fatal(err)
	}
	defer hold.Close()
	hold.SetMaxOpenConns(1)
	var n int
	if err := hold.QueryRow("SELECT count(*) FROM events").Scan(&n); err != nil {
		t.Fatal(err)
	}
	for _, side := range []string{"-wal", "-shm"} {
		if fi, err := os.Stat(db + side); err != nil {
			t.Fatal(err)
		} else if st := fi.Sys().(*syscall.Stat_t); st.Uid != 65534 {
			t.Fatalf("%s%s is uid %d's, want the store owner's", db, side, st.Uid)
		}
	}

	member := func(args ...string) (string, string, int) {
		t.Helper()
		return storefix3RunAs(t, bin, dir, 1, 65534, append([]string{"--store", db}, args...)...)
	}
	warning := "hookctl: warning: the listen journal " + js[0] + " belongs to another user (nobody): not imported: " +
		"received events a listen that did not finish left there, if any, are not in the store ("
	hint := "hookctl: hint: it is the store's owner's: run \"hookctl store info\" as nobody: it imports it\n"
	for _, args := range [][]string{
		{"store", "info"}, {"store", "export"}, {"store", "prune", "--older-than", "1d", "--yes"}, {"store", "migrate"},
	} {
		out, errs, code := member(args...)
		if code != 0 || strings.Count(errs, "listen journal") != 1 || !strings.Contains(errs, warning) ||
			strings.Count(errs, "hookctl: hint:") != 2 || !strings.Contains(errs, hint) {
			// (the other hint: chmod 600, the store being 0660)
			t.Errorf("%s as a member of the store's group, a journal of the store's owner's: exit %d, want 0, one warning and its hint\n%s%s",
				strings.Join(args, " "), code, out, errs)
		}
		if args[1] == "info" && !strings.Contains(out, "pending journal bytes\tunknown: 1 listen journal in "+jdir+" is another user's") {
			t.Errorf("store info as a member: the pending bytes do not say the journal is another user's:\n%s", out)
		}
	}

	// The hint followed: the owner's store info imports the journal.
	out, errs, code := storefixRun(t, bin, dir, true, "--store", db, "store", "info")
	if code != 0 || !strings.Contains(errs, "Recovered 2 received events from 1 journal") || strings.Contains(errs, "listen journal") ||
		!strings.Contains(out, "events\t2\n") {
		t.Errorf("store info as the store's owner: exit %d, want the journal imported\n%s%s", code, out, errs)
	}
	if _, errs, code := member("store", "info"); code != 0 || strings.Contains(errs, "journal") {
		t.Errorf("store info as a member once the owner imported the journal: exit %d\n%s", code, errs)
	}
}
