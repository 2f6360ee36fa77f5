//go:build unix

package main

import (
	"context"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// leasefixKillWorker kills a worker leaseclockWorker started (SIGKILL;
// its cleanup reaps it) and waits until it is gone.
func leasefixKillWorker(t *testing.T, c *exec.Cmd) {
	t.Helper()
	if err := c.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 1000; i++ {
		b, err := os.ReadFile("/proc/" + strconv.Itoa(c.Process.Pid) + "/stat")
		if err != nil || strings.Contains(string(b), ") Z ") {
			return // gone, or a zombie: its descriptors (and lock) are closed
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("pid %d still running after SIGKILL", c.Process.Pid)
}

// TestLeasefixDeadLockFilesSwept: every worker, trigger or replay killed
// with kill -9 left its lock file in STORE-leases/, and only a worker's
// claim of every due delivery ever removed them: a team running only
// trigger and replay (or workers always behind) piled up one file per
// process ever killed. Now the first lock a process takes sweeps the
// dead owners' files that no pending delivery names. Three idle workers
// and one sending a delivery (the receiver keeps it open) are killed;
// a trigger run (which never claims every due delivery) then leaves only
// the file of the one whose delivery is still leased to it (its file is
// what lets a worker take it over at once); store info counts it; a
// worker then takes that delivery over and removes the file.
func TestLeasefixDeadLockFilesSwept(t *testing.T) {
	rcv := newLeaseclockReceiver("evt_held")
	path, st, sub := leaseclockSetup(t, rcv)
	locks := path + "-leases"
	var workers []*exec.Cmd
	for i := 0; i < 4; i++ {
		w := leaseclockWorker(t, path, 0)
		leasefixWaitLock(t, locks, w.Process.Pid)
		workers = append(workers, w)
	}
	t.Cleanup(rcv.free) // before the workers stop (cleanups run last first)
	id := leaseclockEnqueue(t, st, sub, "evt_held", time.Time{})
	rcv.waitArrivals(t, "evt_held", 1, 20*time.Second)
	d, err := st.GetDelivery(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	heldOwner := d.LeaseOwner
	// All four die at once: killed one by one, a worker still alive
	// could take the dead holder's lease over (its lock is free) or sweep
	// the dead idle workers' files before this test counts them.
	for _, w := range workers {
		if err := w.Process.Signal(syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
	}
	for _, w := range workers {
		leasefixKillWorker(t, w)
	}
	if files := leasefixLockFiles(t, locks); len(files) != 4 || !leasefixHas(files, heldOwner) {
		t.Fatalf("lock files after four workers were killed: %v, want 4 with evt_held's owner %s", files, heldOwner)
	}

	env := append(os.Environ(), "HOOKCTL_STORE="+path, "NO_COLOR=1", "HOME="+t.TempDir(), "HOOKCTL_CONFIG_DIR="+t.TempDir())
	trig := exec.Command("hookctl", "trigger", "card.created", "--timeout", "10s")
	trig.Env = env
	if out, err := trig.CombinedOutput(); err != nil {
		t.Fatalf("trigger: %v\n%s", err, out)
	}
	files := leasefixLockFiles(t, locks)
	if _, ok := files[heldOwner]; len(files) != 1 || !ok {
		t.Errorf("lock files after a trigger run: %v, want only the killed worker's that still holds evt_held's lease (%s)", files, heldOwner)
	}
	info := exec.Command("hookctl", "store", "info")
	info.Env = env
	out, err := info.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "lease locks\t0 running, 1 left by a killed process (the next worker takes over what it leased and removes it)") {
		t.Errorf("store info: %v, want the killed worker's lock file counted\n%s", err, out)
	}

	rcv.free()
	leaseclockWorker(t, path, 0)
	deadline := time.Now().Add(20 * time.Second)
	for {
		d, err := st.GetDelivery(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		_, left := leasefixLockFiles(t, locks)[heldOwner]
		if d.Status == "succeeded" && !left {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("evt_held %s, the killed worker's lock file left: %v", d.Status, left)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestLeasefixStoppedOwnerClockAheadTakenOver: a worker whose wall clock
// is an hour ahead writes its leases an hour in the future; stopped with
// SIGSTOP (Ctrl-Z) while sending a delivery, it is alive (its lock is
// held), so another worker waited for that far-future lease to end: an
// hour. Now a live owner's lease ending further than a lease from the
// claimer's now is taken once seen unchanged for a whole lease on the
// claimer's monotonic clock (a live owner renews every quarter lease):
// the delivery is sent again within seconds.
func TestLeasefixStoppedOwnerClockAheadTakenOver(t *testing.T) {
	t.Parallel()
	rcv := newLeaseclockReceiver("evt_ahead")
	path, st, sub := leaseclockSetup(t, rcv)
	ahead := leaseclockWorker(t, path, time.Hour)
	id := leaseclockEnqueue(t, st, sub, "evt_ahead", time.Time{})
	rcv.waitArrivals(t, "evt_ahead", 1, 20*time.Second)
	d, err := st.GetDelivery(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(d.LeaseOwner, ":"+strconv.Itoa(ahead.Process.Pid)+":") || time.Until(d.LeaseExpiresAt) < 50*time.Minute {
		t.Fatalf("evt_ahead leased to %q until %v, want the worker an hour ahead, an hour from now", d.LeaseOwner, d.LeaseExpiresAt)
	}
	leaseclockStopOutsideWrite(t, path, ahead)
	stopped := time.Now()
	leaseclockWorker(t, path, 0)
	t.Cleanup(rcv.free) // before the workers stop (cleanups run last first)
	rcv.waitArrivals(t, "evt_ahead", 2, 20*time.Second)
	t.Logf("taken over from the stopped worker (clock an hour ahead) after %v", time.Since(stopped).Round(time.Millisecond))
}

func leasefixHas(files map[string]uint32, owner string) bool { _, ok := files[owner]; return ok }
