package main

import (
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
)

// TestRelauditActionInstallBadVersion runs the action's install script with
// version inputs that name no release, against releases that cannot be
// reached, and with 'source' on a runner without Go. Each says what is
// wrong in hookctl's voice with hookctl's exit status (2 bad input, 3 the
// environment) and installs nothing. They ended with curl's bare
// "curl: (22) The requested URL returned error: 404" and exit 22, "curl:
// (7) Failed to connect" and exit 7, or "go: command not found" and 127.
func TestRelauditActionInstallBadVersion(t *testing.T) {
	if runtime.GOOS != "linux" && runtime.GOOS != "darwin" {
		t.Skip("SKIP: the install script's tar.gz path runs on Linux and macOS")
	}
	for _, tool := range []string{"curl", "tar", "bash", "uname"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("SKIP: %s is not installed", tool)
		}
	}
	wd, _ := os.Getwd()
	base := fakeRelease(t, "1.2.3", false)
	install := func(t *testing.T, env []string, version string) (code int, out string, bin string, path []byte) {
		t.Helper()
		dir := t.TempDir()
		ghPath := filepath.Join(dir, "github_path")
		cmd := exec.Command("bash", filepath.Join(wd, "action", "install.sh"))
		cmd.Env = append(append(os.Environ(), env...), "INPUT_VERSION="+version,
			"RUNNER_TEMP="+dir, "GITHUB_PATH="+ghPath, "GITHUB_ACTION_PATH="+wd)
		b, err := cmd.CombinedOutput()
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		path, _ = os.ReadFile(ghPath)
		return code, string(b), filepath.Join(dir, "hookctl-bin", "hookctl"), path
	}
	// A PATH with bash and uname but no go.
	nogo := t.TempDir()
	for _, tool := range []string{"bash", "uname", "mkdir"} {
		p, _ := exec.LookPath(tool)
		if err := os.Symlink(p, filepath.Join(nogo, tool)); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct {
		name, version string
		env           []string
		code          int
		want          []string
	}{
		{"no such release", "v9.9.9", []string{"HOOKCTL_RELEASES_URL=" + base}, 2,
			[]string{"hookctl: error: there is no release v9.9.9 at " + base, "hookctl: hint: the version input takes a release tag (v1.2.3 or 1.2.3), 'latest', or 'source'"}},
		{"two numbers", "1.2", []string{"HOOKCTL_RELEASES_URL=" + base}, 2,
			[]string{`hookctl: error: the version input "1.2" is not a release tag`, "hookctl: hint: the version input takes a release tag (v1.2.3 or 1.2.3)"}},
		{"not a version", "main", []string{"HOOKCTL_RELEASES_URL=" + base}, 2,
			[]string{`hookctl: error: the version input "main" is not a release tag`}},
		{"a path", "v1.2.3/../../x", []string{"HOOKCTL_RELEASES_URL=" + base}, 2,
			[]string{`hookctl: error: the version input "v1.2.3/../../x" is not a release tag`}},
		{"latest unreachable", "latest", []string{"HOOKCTL_RELEASES_URL=http://127.0.0.1:1"}, 3,
			[]string{"hookctl: error: cannot reach http://127.0.0.1:1 to find the latest release: ", "hookctl: hint: is the runner offline"}},
		{"tag unreachable", "v1.2.3", []string{"HOOKCTL_RELEASES_URL=http://127.0.0.1:1"}, 3,
			[]string{"hookctl: error: cannot reach http://127.0.0.1:1 to download release v1.2.3: "}},
		{"source without go", "source", []string{"PATH=" + nogo}, 3,
			[]string{"hookctl: error: the version input 'source' builds hookctl with Go, and there is no go on the runner's PATH", "hookctl: hint: set up Go in an earlier step (actions/setup-go)"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, out, bin, path := install(t, tc.env, tc.version)
			if code != tc.code {
				t.Errorf("version %q: exit %d, want %d\n%s", tc.version, code, tc.code, out)
			}
			for _, w := range tc.want {
				if !strings.Contains(out, w) {
					t.Errorf("version %q: output lacks %q:\n%s", tc.version, w, out)
				}
			}
			if strings.Contains(out, "curl: (") || strings.Contains(out, "command not found") {
				t.Errorf("version %q: a bare tool error instead of hookctl's:\n%s", tc.version, out)
			}
			if _, err := os.Stat(bin); err == nil || len(path) > 0 {
				t.Errorf("version %q: installed anyway (%s, GITHUB_PATH %q)", tc.version, bin, path)
			}
		})
	}
	// Blanks around a version (a YAML value copied with its space) are not
	// part of it.
	if code, out, _, _ := install(t, []string{"HOOKCTL_RELEASES_URL=" + base}, " v1.2.3\n"); code != 0 || !strings.Contains(out, "hookctl 1.2.3 (fake release)") {
		t.Errorf("version \" v1.2.3\\n\": exit %d\n%s", code, out)
	}
}

// TestRelauditActionFailOnFailureValue: the fail-on-failure input is true
// or false, in any case (False passes the step on a failed delivery); any
// other value is bad input, said before anything is sent (exit 2). "flase"
// or "no" were taken as true without a word: the step failed though the
// user meant it not to.
func TestRelauditActionFailOnFailureValue(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("python3"); err != nil {
		t.Skip("SKIP: python3 is not installed; the action's scripts need it")
	}
	env := newCrashEnv(t)
	var hits atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		hits.Add(1)
		w.WriteHeader(http.StatusInternalServerError)
	}))
	t.Cleanup(srv.Close)
	wd, _ := os.Getwd()
	run := func(fof string) (int, string, string) {
		t.Helper()
		out := filepath.Join(env.dir, "output.txt")
		os.Remove(out)
		cmd := env.cmd("bash", filepath.Join(wd, "action", "run.sh"))
		cmd.Env = append(cmd.Env, "GITHUB_OUTPUT="+out, "GITHUB_STEP_SUMMARY="+filepath.Join(env.dir, "summary.md"),
			"GITHUB_ACTION_PATH="+wd, "RUNNER_TEMP="+env.dir, "INPUT_COMMAND=trigger", "INPUT_URL="+srv.URL,
			"INPUT_ARGS=card.created --no-retry", "INPUT_FAIL_ON_FAILURE="+fof)
		b, err := cmd.CombinedOutput()
		code := 0
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatalf("run.sh: %v\n%s", err, b)
		}
		o, _ := os.ReadFile(out)
		return code, string(b), string(o)
	}
	for _, tc := range []struct {
		fof     string
		code    int
		outputs string
	}{
		{"true", 1, "exit-code=1"},
		{"false", 0, "exit-code=1"},
		{"False", 0, "exit-code=1"},
		{"FALSE", 0, "exit-code=1"},
	} {
		if code, b, o := run(tc.fof); code != tc.code || !strings.Contains(o, tc.outputs) {
			t.Errorf("fail-on-failure %q: exit %d, outputs %q, want exit %d and %s\n%s", tc.fof, code, o, tc.code, tc.outputs, b)
		}
	}
	sent := hits.Load()
	if sent != 4 {
		t.Fatalf("the receiver got %d requests for 4 runs", sent)
	}
	for _, fof := range []string{"flase", "no", "0"} {
		code, b, o := run(fof)
		if want := `hookctl: error: the fail-on-failure input is "` + fof + `": want true or false`; code != 2 || !strings.Contains(b, want) || !strings.Contains(o, "exit-code=2") {
			t.Errorf("fail-on-failure %q: exit %d, outputs %q, want exit 2, exit-code=2 and %q\n%s", fof, code, o, want, b)
		}
	}
	if n := hits.Load(); n != sent {
		t.Errorf("a run with a bad fail-on-failure sent %d requests", n-sent)
	}
}
