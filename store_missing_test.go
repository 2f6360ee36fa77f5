package main

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/testutil/syncbuf"
)

// A read-only command given a SQLite store that does not exist (a typo in
// --store or HOOKCTL_STORE) fails with exit 3 naming the path and leaves
// no file behind; it used to create an empty store and report it empty,
// exit 0. worker does the same: on a typo'd path it waited forever on a
// new, empty store. Commands that record still create the store (ui, which
// records too, says it made a new one), and the default
// store, when missing, still reads as empty.
func TestMissingStoreIsNotCreated(t *testing.T) {
	c := newCrashEnv(t)
	run := func(env []string, args ...string) (stdout, stderr string, code int) {
		t.Helper()
		var out, errb bytes.Buffer
		cmd := c.cmd("hookctl", args...)
		cmd.Env = append(cmd.Env, env...)
		cmd.Stdout, cmd.Stderr = &out, &errb
		// worker and ui run until stopped: one that took the missing
		// store for an empty one would wait forever.
		cmd.WaitDelay = time.Second
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		stop := time.AfterFunc(10*time.Second, func() { cmd.Process.Signal(os.Interrupt) })
		err := cmd.Wait()
		stop.Stop()
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatalf("hookctl %v: %v", args, err)
		}
		return out.String(), errb.String(), code
	}
	readers := [][]string{
		{"store", "info"},
		{"store", "info", "-o", "json"},
		{"store", "prune", "--older-than", "30d", "--yes"},
		{"subscriptions", "list"},
		{"subscriptions", "list", "-o", "json"},
		{"subscriptions", "get", "4f1c"},
		{"subscriptions", "delete", "4f1c", "--yes"},
		{"subscriptions", "disable", "4f1c"},
		{"subscriptions", "rotate-secret", "4f1c"},
		{"subscriptions", "update", "4f1c", "--url", "http://localhost:3000/x"},
		{"events", "log"},
		{"events", "log", "-o", "json"},
		{"events", "show", "evt_4f1c"},
		{"deliveries", "list"},
		{"deliveries", "list", "-o", "json"},
		{"deliveries", "show", "4f1c"},
		{"replay", "--failed", "--dry-run"},
		{"replay", "--failed", "--yes"},
		{"worker"},
		{"worker", "-o", "json"},
	}
	for _, args := range readers {
		for _, how := range []string{"flag", "env"} {
			typo := filepath.Join(c.dir, "sub", "typo.db")
			argv, env := args, []string{"HOOKCTL_STORE=" + typo}
			if how == "flag" {
				argv = append([]string{"--store", typo}, args...)
				env = nil
			}
			stdout, stderr, code := run(env, argv...)
			name := how + ": hookctl " + strings.Join(args, " ")
			if code != 3 {
				t.Errorf("%s: exit %d, want 3\nstdout: %s\nstderr: %s", name, code, stdout, stderr)
			}
			switch {
			case slices.Contains(args, "json"):
				// -o json: the error is stdout's one JSON document.
				var doc struct {
					Error    string `json:"error"`
					ExitCode int    `json:"exit_code"`
				}
				if err := json.Unmarshal([]byte(stdout), &doc); err != nil || doc.Error != "no store at "+typo+": the file does not exist" || doc.ExitCode != 3 {
					t.Errorf("%s: stdout is not the JSON error document:\n%s", name, stdout)
				}
			case stdout != "":
				t.Errorf("%s: stdout %q, want nothing", name, stdout)
			}
			if !strings.Contains(stderr, "hookctl: error: no store at "+typo+": the file does not exist\n") ||
				!strings.Contains(stderr, "hookctl: hint: check --store, HOOKCTL_STORE or the store setting") {
				t.Errorf("%s: stderr:\n%s", name, stderr)
			}
			if _, err := os.Stat(filepath.Dir(typo)); !os.IsNotExist(err) {
				t.Fatalf("%s created %s (stat: %v)", name, filepath.Dir(typo), err)
			}
		}
	}

	// The default store (no --store, no HOOKCTL_STORE) reads as empty.
	noEnv := []string{"HOOKCTL_STORE=", "XDG_DATA_HOME=" + filepath.Join(c.dir, "data")}
	if stdout, stderr, code := run(noEnv, "subscriptions", "list", "-o", "json"); code != 0 || stdout != "[]\n" {
		t.Errorf("default store: subscriptions list -o json: exit %d\nstdout: %s\nstderr: %s", code, stdout, stderr)
	}

	// ui creates the store it is given (subscribe and trigger from the
	// page) and says so.
	uiStore := filepath.Join(c.dir, "ui", "new.db")
	ui := c.cmd("hookctl", "--store", uiStore, "ui", "--no-open", "--addr", "127.0.0.1:0")
	uiErr := &syncbuf.Buffer{}
	ui.Stderr = uiErr
	if err := ui.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(uiErr.String(), "Inspector at") && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	ui.Process.Signal(os.Interrupt)
	if err := ui.Wait(); err != nil {
		t.Errorf("ui: %v\n%s", err, uiErr.String())
	}
	if want := "hookctl: warning: no store at " + uiStore + ": created a new, empty one"; !strings.Contains(uiErr.String(), want) {
		t.Errorf("ui on a new store: stderr does not say %q:\n%s", want, uiErr.String())
	}
	if _, err := os.Stat(uiStore); err != nil {
		t.Errorf("ui did not create its store: %v", err)
	}

	// Commands that record create the store they are given.
	typo := filepath.Join(c.dir, "new", "hookctl.db")
	if stdout, stderr, code := run(nil, "--store", typo, "subscribe", "--url", "http://localhost:3000/h", "--events", "*"); code != 0 {
		t.Fatalf("subscribe: exit %d\nstdout: %s\nstderr: %s", code, stdout, stderr)
	}
	if stdout, stderr, code := run(nil, "--store", typo, "subscriptions", "list", "-o", "json"); code != 0 || !strings.Contains(stdout, "http://localhost:3000/h") {
		t.Errorf("subscriptions list on the new store: exit %d\nstdout: %s\nstderr: %s", code, stdout, stderr)
	}
}
