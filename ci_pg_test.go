//go:build unix

package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestCITestNeverSkipsPostgresQuietly: .ci/test (the README's test command,
// which CI runs) stops when its throwaway PostgreSQL does not start, and
// under CI=true when there are no server binaries; elsewhere it says loudly
// that the PostgreSQL tests are skipped. It ran `eval "$(bash .ci/pg.sh
// start)"`, and eval of a failed command substitution succeeds: the run went
// on with no server, every PostgreSQL test (conformance, multi-worker)
// skipped, and CI passed.
//
// .ci/test runs from a copy in an empty tree (no Go module), where any step
// after the PostgreSQL set-up fails on its own ("go.mod file not found"):
// seeing that error means the run went on.
func TestCITestNeverSkipsPostgresQuietly(t *testing.T) {
	if _, err := exec.LookPath("bash"); err != nil {
		t.Skip("SKIP: bash is not installed")
	}
	tree := t.TempDir()
	if err := os.Mkdir(filepath.Join(tree, ".ci"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"test", "pg.sh"} {
		b, err := os.ReadFile(filepath.Join(".ci", f))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(tree, ".ci", f), b, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	// Server binaries whose initdb fails. Under /tmp with mode 0755: as
	// root, pg.sh runs initdb as the postgres user.
	broken, err := os.MkdirTemp("", "hookctl-brokenpg")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(broken) })
	if err := os.Chmod(broken, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(broken, "initdb"), []byte("#!/bin/sh\necho 'initdb: simulated failure' >&2\nexit 1\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	none := t.TempDir() // no server binaries at all

	run := func(env ...string) (int, string) {
		t.Helper()
		cmd := exec.Command("bash", filepath.Join(tree, ".ci", "test"))
		for _, kv := range os.Environ() {
			if k, _, _ := strings.Cut(kv, "="); k != "HOOKCTL_TEST_POSTGRES" && k != "PG_TEST_DIR" && k != "CI" && k != "PGBIN" {
				cmd.Env = append(cmd.Env, kv)
			}
		}
		cmd.Env = append(cmd.Env, env...)
		out, err := cmd.CombinedOutput()
		code := 0
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		return code, string(out)
	}
	wentOn := func(out string) bool { return strings.Contains(out, "go.mod") }

	for _, ci := range []string{"", "CI=true"} {
		code, out := run("PGBIN="+broken, ci)
		if code == 0 || wentOn(out) || !strings.Contains(out, "simulated failure") || !strings.Contains(out, "PostgreSQL server did not start") {
			t.Errorf("%s a PostgreSQL that does not start: exit %d, want the run stopped there:\n%s", ci, code, out)
		}
	}
	code, out := run("PGBIN="+none, "CI=true")
	if code == 0 || wentOn(out) || !strings.Contains(out, "CI does not skip the PostgreSQL tests") {
		t.Errorf("CI=true without PostgreSQL: exit %d, want the run stopped there:\n%s", code, out)
	}
	_, out = run("PGBIN=" + none)
	if !strings.Contains(out, "the PostgreSQL tests are SKIPPED") {
		t.Errorf("without PostgreSQL, outside CI: no loud word that its tests are skipped:\n%s", out)
	}
}
