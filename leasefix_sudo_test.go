//go:build unix

package main

import (
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestLeasefixSudoWorkerLeavesLocksUsable: `sudo hookctl worker` on
// nobody's store, killed with kill -9, left STORE-leases/ root's (0700,
// with its lock file in it, root's 0600): nobody's own processes could
// then neither make their lock file there nor probe root's, and silently
// fell back to the wall clock. Now root gives the directory and its file
// to the store's owner, as it gives journal/ and SQLite its -wal. Then,
// as nobody: a worker takes its lock there (no warning) and sweeps root's
// dead file; a trigger sending a delivery (the receiver keeps it open) is
// killed with kill -9, and the worker sends it again at once, on the
// dead trigger's free lock, instead of when its lease ends (1.5-2 s
// later by the wall-clock rule); nothing is left in the directory once
// they are all gone.
func TestLeasefixSudoWorkerLeavesLocksUsable(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to run hookctl as root and as the store's owner (nobody)")
	}
	bin := hookctlBinary(t)
	dir, _, db, _ := nobodyStoreDir(t, bin, "hookctl-leasefix-sudo")
	locks := db + "-leases"
	rcv, url := newLeasefixReceiver(t)
	if out, errs, code := storefixRun(t, bin, dir, true, "--store", db, "subscribe", "--url", url, "--events", "*"); code != 0 {
		t.Fatalf("subscribe as nobody: exit %d\n%s%s", code, out, errs)
	}

	root := leasefixStart(t, bin, dir, false, "--store", db, "worker", "--poll", "20ms")
	rootOwner := leasefixWaitLock(t, locks, root.Process.Pid)
	leasefixKill(t, root)
	fi, err := os.Stat(locks)
	if err != nil {
		t.Fatal(err)
	}
	if st := fi.Sys().(*syscall.Stat_t); st.Uid != 65534 || fi.Mode().Perm() != 0o700 {
		t.Errorf("%s after root's worker: uid %d, mode %04o; want nobody's (65534), 0700", locks, st.Uid, fi.Mode().Perm())
	}
	if uid := leasefixLockFiles(t, locks)[rootOwner]; uid != 65534 {
		t.Errorf("root's lock file is uid %d's, want the store owner's (65534): they could not probe it", uid)
	}

	worker := leasefixStart(t, bin, dir, true, "--store", db, "worker", "--poll", "20ms")
	leasefixWaitLock(t, locks, worker.Process.Pid)
	deadline := time.Now().Add(10 * time.Second)
	for {
		if _, ok := leasefixLockFiles(t, locks)[rootOwner]; !ok {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("root's dead worker's lock file (it held no lease) is still in %s", locks)
		}
		time.Sleep(20 * time.Millisecond)
	}

	trig := leasefixStart(t, bin, dir, true, "--store", db, "trigger", "card.created", "--timeout", "30s")
	rcv.wait(t, 1, 20*time.Second)
	leasefixWaitLock(t, locks, trig.Process.Pid)
	leasefixKill(t, trig)
	killed := time.Now()
	again := rcv.wait(t, 2, 20*time.Second)
	if took := again.Sub(killed); took > 1200*time.Millisecond {
		t.Errorf("the killed trigger's delivery was sent again %v after the kill, want at once (its lock free), not when its lease ends", took.Round(time.Millisecond))
	}
	rcv.free()
	if err := worker.stop(t); err != nil {
		t.Errorf("worker as nobody: %v", err)
	}
	for _, p := range []*leasefixProc{root, worker, trig} {
		if strings.Contains(p.out(), "lease lock") {
			t.Errorf("%s warned about its lease lock:\n%s", p.Args[3:], p.out())
		}
	}
	if files := leasefixLockFiles(t, locks); len(files) != 0 {
		t.Errorf("lock files left once every process is gone: %v", files)
	}
}

// TestLeasefixForeignLockDirWarns: a lease lock directory that this
// user cannot write (root's, left by an older `sudo hookctl worker`,
// 0700) makes a worker say so once, with a hint, and work on by the wall
// clock (exit 0); it was silent.
func TestLeasefixForeignLockDirWarns(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to make a directory of root's and run hookctl as nobody")
	}
	bin := hookctlBinary(t)
	dir, _, db, _ := nobodyStoreDir(t, bin, "hookctl-leasefix-foreign")
	if out, errs, code := storefixRun(t, bin, dir, true, "--store", db, "store", "migrate"); code != 0 {
		t.Fatalf("store migrate: exit %d\n%s%s", code, out, errs)
	}
	locks := db + "-leases"
	if err := os.Mkdir(locks, 0o700); err != nil {
		t.Fatal(err)
	}
	w := leasefixStart(t, bin, dir, true, "--store", db, "worker", "--poll", "20ms")
	time.Sleep(time.Second)
	err := w.stop(t)
	out := w.out()
	warning := "hookctl: warning: cannot take a lease lock in " + locks + " (permission denied; the directory is root's, mode 0700): this process's leases fall back to the wall clock"
	hint := "hookctl: hint: sudo chown -R nobody " + locks
	if err != nil || strings.Count(out, "hookctl: warning:") != 1 || !strings.Contains(out, warning) || !strings.Contains(out, hint) {
		t.Errorf("worker as nobody beside root's lock directory: %v, want exit 0, one warning and its hint:\n%s", err, out)
	}
}

// TestLeasefixGroupSharedStoreLocks: a store shared by a group (its
// directory 2775, the store 0660, nobody's): the lock directory the
// owner's worker made was 0700, so a member's worker (uid 1, group
// nogroup) could not make its lock file there nor probe the owner's and
// fell back to the wall clock without a word. Now the directory gets the
// group's access (0770, the store's group) and the files the group's
// read (0640): the member's worker takes its lock, and says nothing
// about it.
func TestLeasefixGroupSharedStoreLocks(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to run hookctl as the store's owner and as a member of its group")
	}
	bin := hookctlBinary(t)
	dir, sd, db, _ := nobodyStoreDir(t, bin, "hookctl-leasefix-group")
	if err := os.Chmod(sd, 0o2775); err != nil {
		t.Fatal(err)
	}
	if out, errs, code := storefixRun(t, bin, dir, true, "--store", db, "store", "migrate"); code != 0 {
		t.Fatalf("store migrate: exit %d\n%s%s", code, out, errs)
	}
	if err := os.Chmod(db, 0o660); err != nil {
		t.Fatal(err)
	}
	locks := db + "-leases"
	owner := leasefixStart(t, bin, dir, true, "--store", db, "worker", "--poll", "20ms")
	ownerLock := leasefixWaitLock(t, locks, owner.Process.Pid)
	fi, err := os.Stat(locks)
	if err != nil {
		t.Fatal(err)
	}
	if st := fi.Sys().(*syscall.Stat_t); fi.Mode().Perm() != 0o770 || st.Gid != 65534 {
		t.Errorf("%s: mode %04o, gid %d; want 0770 and the store's group (65534)", locks, fi.Mode().Perm(), st.Gid)
	}
	member := leasefixStartAs(t, bin, dir, 1, 65534, "--store", db, "worker", "--poll", "20ms")
	memberLock := leasefixWaitLock(t, locks, member.Process.Pid)
	for _, o := range []string{ownerLock, memberLock} {
		fi, err := os.Stat(filepath.Join(locks, hex.EncodeToString([]byte(o))))
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != 0o640 {
			t.Errorf("lock file of %s: mode %04o, want 0640 (the group may probe it)", o, fi.Mode().Perm())
		}
	}
	for _, p := range []*leasefixProc{owner, member} {
		if err := p.stop(t); err != nil || strings.Contains(p.out(), "lease lock") {
			t.Errorf("%v: %v\n%s", p.Args, err, p.out())
		}
	}
}
