package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/hookctl/hookctl/cmd"
	"github.com/hookctl/hookctl/internal/testutil/receiver"
)

// TestMain makes the test binary double as the programs the end-to-end
// scripts run as real processes: hookctl itself (the same Main as the
// release binary) and test receivers.
func TestMain(m *testing.M) {
	testscript.Main(parallelDefault{m}, map[string]func(){
		"hookctl":      func() { leaseclockTestClock(); faulthuntTestClock(); polish5TestUUIDs(); os.Exit(cmd.Main()) },
		"testreceiver": func() { os.Exit(receiver.Main()) },
		"seedsubs":     func() { os.Exit(seedSubscriptions()) },
		"demoapp":      func() { os.Exit(demoApp()) },
	})
}

// TestScripts runs testdata/script/*.txtar. Each script gets its own store
// and config directory. `go test -run TestScripts -update` refreshes
// golden files inside the scripts.
func TestScripts(t *testing.T) {
	testscript.Run(t, ScriptParams(t, "testdata/script"))
}

// ScriptParams are the parameters shared by every script suite.
func ScriptParams(t *testing.T, dir string) testscript.Params {
	return testscript.Params{
		Dir:                 dir,
		UpdateScripts:       *update,
		RequireExplicitExec: true,
		Setup: func(e *testscript.Env) error {
			e.Setenv("HOME", filepath.Join(e.WorkDir, "home"))
			e.Setenv("HOOKCTL_CONFIG_DIR", filepath.Join(e.WorkDir, "config"))
			e.Setenv("XDG_DATA_HOME", filepath.Join(e.WorkDir, "data"))
			e.Setenv("HOOKCTL_STORE", filepath.Join(e.WorkDir, "hookctl.db"))
			e.Setenv("NO_COLOR", "")
			if pg := os.Getenv("HOOKCTL_TEST_POSTGRES"); pg != "" {
				e.Setenv("HOOKCTL_TEST_POSTGRES", pg)
			}
			return nil
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"waitfile":  cmdWaitFile,
			"readfile":  cmdReadFile,
			"jsonget":   cmdJSONGet,
			"jsonwrite": cmdJSONWrite,
			"waitlines": cmdWaitLines,
			"hostport":  cmdHostPort,
			"uniqlines": cmdUniqLines,
			"sleep":     cmdSleep,
			"freeport":  cmdFreePort,
			"httpwait":  cmdHTTPWait,
			"post":      cmdPost,
			"api":       cmdAPI,
			"recvreq":   cmdRecvReq,
		},
	}
}

// waitfile FILE [TIMEOUT]: wait until FILE exists and is not empty.
func cmdWaitFile(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) < 1 || len(args) > 2 {
		ts.Fatalf("usage: waitfile FILE [TIMEOUT]")
	}
	timeout := 10 * time.Second
	if len(args) == 2 {
		d, err := time.ParseDuration(args[1])
		ts.Check(err)
		timeout = d
	}
	path := ts.MkAbs(args[0])
	deadline := time.Now().Add(timeout)
	for {
		if fi, err := os.Stat(path); err == nil && fi.Size() > 0 {
			if neg {
				ts.Fatalf("%s exists", args[0])
			}
			return
		}
		if time.Now().After(deadline) {
			if neg {
				return
			}
			ts.Fatalf("timed out after %s waiting for %s", timeout, args[0])
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// readfile VAR FILE: set $VAR to FILE's contents (trimmed).
func cmdReadFile(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 2 {
		ts.Fatalf("usage: readfile VAR FILE")
	}
	b, err := os.ReadFile(ts.MkAbs(args[1]))
	ts.Check(err)
	ts.Setenv(args[0], strings.TrimSpace(string(b)))
}
