package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
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
