package main

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/xml"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/signature"
)

// standardReceiver is a correct Standard Webhooks receiver: it verifies,
// answers duplicates 2xx without acting twice, ignores unknown types.
// With verify false it accepts anything (a receiver that never verifies).
func standardReceiver(t *testing.T, secret string, verify bool) *httptest.Server {
	sch, err := signature.Lookup("standard")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	seen := map[string]bool{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if verify {
			if err := sch.Verify(signature.VerifyInput{Secrets: []string{secret}, Header: r.Header, Body: body, Now: time.Now()}); err != nil {
				http.Error(w, err.Error(), http.StatusUnauthorized)
				return
			}
		}
		mu.Lock()
		seen[r.Header.Get("webhook-id")] = true
		mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(srv.Close)
	return srv
}

// runAction runs the action's run script as GitHub would: inputs in INPUT_*
// variables (a key "env:NAME" is the step's env NAME instead),
// GITHUB_STEP_SUMMARY and GITHUB_OUTPUT pointing at files.
func runAction(t *testing.T, env *crashEnv, inputs map[string]string) (code int, summary, outputs string) {
	t.Helper()
	sum := filepath.Join(env.dir, "summary.md")
	out := filepath.Join(env.dir, "output.txt")
	os.Remove(sum)
	os.Remove(out)
	wd, _ := os.Getwd()
	cmd := env.cmd("bash", filepath.Join(wd, "action", "run.sh"))
	cmd.Env = append(cmd.Env, "GITHUB_STEP_SUMMARY="+sum, "GITHUB_OUTPUT="+out, "GITHUB_ACTION_PATH="+wd, "RUNNER_TEMP="+env.dir)
	for k, v := range inputs {
		if name, ok := strings.CutPrefix(k, "env:"); ok {
			cmd.Env = append(cmd.Env, name+"="+v)
			continue
		}
		cmd.Env = append(cmd.Env, "INPUT_"+k+"="+v)
	}
	b, err := cmd.CombinedOutput()
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("run.sh: %v\n%s", err, b)
	}
	s, _ := os.ReadFile(sum)
	o, _ := os.ReadFile(out)
	t.Logf("run.sh exit %d\n%s\nsummary:\n%s", code, b, s)
	return code, string(s), string(o)
}

func TestActionCheckSummary(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("python3"); err != nil {
		t.Skip("SKIP: python3 is not installed; the action's summary needs it")
	}
	env := newCrashEnv(t)
	secret := "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	good := standardReceiver(t, secret, true)
	args := "--scheme standard --secret " + secret + " --burst 5 --deadline 5s"

	junit := filepath.Join(env.dir, "good.xml")
	code, summary, outputs := runAction(t, env, map[string]string{"COMMAND": "check", "URL": good.URL, "ARGS": args, "JUNIT": junit})
	if code != 0 {
		t.Fatalf("passing receiver: exit %d\n%s", code, summary)
	}
	for _, want := range []string{"| check | verdict |", "`accepts-valid`", "`rejects-tampered-body`", "PASS", " 0 failed"} {
		if !strings.Contains(summary, want) {
			t.Errorf("summary lacks %q:\n%s", want, summary)
		}
	}
	if !strings.Contains(outputs, "exit-code=0") || !strings.Contains(outputs, "failed=0") || !strings.Contains(outputs, "junit="+junit) {
		t.Errorf("outputs: %s", outputs)
	}
	b, err := os.ReadFile(junit)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct{}
	if err := xml.Unmarshal(b, &doc); err != nil {
		t.Errorf("JUnit report is not XML: %v", err)
	}

	bad := standardReceiver(t, secret, false)
	code, summary, outputs = runAction(t, env, map[string]string{"COMMAND": "check", "URL": bad.URL, "ARGS": args, "JUNIT": filepath.Join(env.dir, "bad.xml")})
	if code != 1 {
		t.Fatalf("receiver that never verifies: exit %d, want 1\n%s", code, summary)
	}
	if !strings.Contains(summary, "FAIL") || !strings.Contains(summary, "`rejects-wrong-secret`") || strings.Contains(summary, " 0 failed") {
		t.Errorf("failing summary:\n%s", summary)
	}
	if !strings.Contains(outputs, "exit-code=1") || strings.Contains(outputs, "failed=0") {
		t.Errorf("outputs: %s", outputs)
	}
	// fail-on-failure: false keeps the step green but still reports.
	code, _, outputs = runAction(t, env, map[string]string{"COMMAND": "check", "URL": bad.URL, "ARGS": args, "FAIL_ON_FAILURE": "false"})
	if code != 0 || !strings.Contains(outputs, "exit-code=1") {
		t.Errorf("fail-on-failure false: exit %d, outputs %s", code, outputs)
	}
	// The secret from the step's env (HOOKCTL_SECRET), out of the logged
	// args, as the README shows.
	code, summary, _ = runAction(t, env, map[string]string{"COMMAND": "check", "URL": good.URL, "ARGS": "--scheme standard --burst 5",
		"env:HOOKCTL_SECRET": secret})
	if code != 0 || !strings.Contains(summary, " 0 failed") {
		t.Errorf("secret from HOOKCTL_SECRET: exit %d\n%s", code, summary)
	}
	// Bad usage stays an error, and the exit-code output says so (a later
	// step reading it found it empty: only a bad args input set it).
	if code, _, outputs := runAction(t, env, map[string]string{"COMMAND": "deploy"}); code != 2 || !strings.Contains(outputs, "exit-code=2") {
		t.Errorf("unknown command: exit %d, outputs %q; want 2 and exit-code=2", code, outputs)
	}
	if code, _, outputs := runAction(t, env, map[string]string{"COMMAND": "check", "ARGS": args}); code != 2 || !strings.Contains(outputs, "exit-code=2") {
		t.Errorf("check without the url input: exit %d, outputs %q; want 2 and exit-code=2", code, outputs)
	}
}

// TestActionTriggerArgs: the args input is split as a shell splits it —
// a quoted header with spaces is one argument, lines are joined — without
// running or expanding anything in it. The script split it on blanks
// (read -a), so --header 'X-Env: ci run' became three arguments and trigger
// failed with "accepts 1 arg(s), received 3", and only the first line of a
// multi-line input was read.
func TestActionTriggerArgs(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("python3"); err != nil {
		t.Skip("SKIP: python3 is not installed; the action's scripts need it")
	}
	env := newCrashEnv(t)
	got := make(chan http.Header, 4)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		select {
		case got <- r.Header.Clone():
		default: // the bulk run's requests: only the first are looked at
		}
	}))
	t.Cleanup(srv.Close)
	marker := filepath.Join(env.dir, "expanded")
	args := "card.created --url " + srv.URL + "/hook --header 'X-Env: ci run'\n" +
		"  --header \"X-Cmd: $(touch " + marker + ") `touch " + marker + "`\" --no-retry"
	code, summary, outputs := runAction(t, env, map[string]string{"COMMAND": "trigger", "ARGS": args})
	if code != 0 {
		t.Fatalf("trigger: exit %d\n%s", code, summary)
	}
	select {
	case h := <-got:
		if v := h.Get("X-Env"); v != "ci run" {
			t.Errorf("X-Env = %q, want %q", v, "ci run")
		}
		if v, want := h.Get("X-Cmd"), "$(touch "+marker+") `touch "+marker+"`"; v != want {
			t.Errorf("X-Cmd = %q, want %q (as written, not run)", v, want)
		}
	default:
		t.Fatal("the receiver got nothing")
	}
	if _, err := os.Stat(marker); err == nil {
		t.Error("a command substitution in args was run")
	}
	if !strings.Contains(summary, "| card.created | "+srv.URL+"/hook | succeeded | 1 |") || !strings.Contains(outputs, "passed=1") {
		t.Errorf("summary or outputs: %s\n%s", summary, outputs)
	}
	// The url input is trigger's --url too.
	code, summary, _ = runAction(t, env, map[string]string{"COMMAND": "trigger", "URL": srv.URL + "/from-input", "ARGS": "card.created --no-retry"})
	if code != 0 || !strings.Contains(summary, "| "+srv.URL+"/from-input | succeeded |") {
		t.Errorf("trigger with the url input: exit %d, summary:\n%s", code, summary)
	}
	// More deliveries than the table shows: the summary says how many more.
	code, summary, outputs = runAction(t, env, map[string]string{"COMMAND": "trigger", "ARGS": "card.created --count 103 --url " + srv.URL + " --no-retry"})
	if code != 0 || !strings.Contains(summary, "… and 3 more deliveries") || !strings.Contains(outputs, "passed=103") {
		t.Errorf("103 deliveries: exit %d, outputs %q, summary:\n%s", code, outputs, summary)
	}
	// Without a report, the summary says what the exit status means.
	// No report was written, so the junit output names none (it named the
	// default path, where an upload or a test reporter found no file), and
	// a report an earlier run left there is not taken for this run's.
	stale := filepath.Join(env.dir, "stale.xml")
	if err := os.WriteFile(stale, []byte("<testsuites/>"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, summary, outputs = runAction(t, env, map[string]string{"COMMAND": "check", "URL": "http://127.0.0.1:1/hooks", "ARGS": "--scheme standard --secret whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "JUNIT": stale})
	// check -o json's error document (no report) gives the summary its error.
	if code != 3 || !strings.Contains(summary, "hookctl exited 3 — the receiver (or the store) could not be reached") ||
		!strings.Contains(summary, "`hookctl: error: cannot reach http://127.0.0.1:1/hooks") {
		t.Errorf("unreachable receiver: exit %d, summary:\n%s", code, summary)
	}
	if strings.Contains(outputs, "junit=") || !strings.Contains(outputs, "exit-code=3") {
		t.Errorf("unreachable receiver: outputs %q name a JUnit report that was not written", outputs)
	}
	if _, err := os.Stat(stale); err == nil {
		t.Error("unreachable receiver: the earlier run's JUnit report is still there")
	}
	// An unclosed quote is bad usage, said plainly.
	if code, _, outputs := runAction(t, env, map[string]string{"COMMAND": "trigger", "ARGS": "card.created --header 'X-Env: ci"}); code != 2 || !strings.Contains(outputs, "exit-code=2") {
		t.Errorf("unclosed quote: exit %d, outputs %q; want 2", code, outputs)
	}
}

// fakeRelease serves one release the way GitHub lays it out: /latest
// redirects to /tag/vVERSION, /download/vVERSION/ holds the archive for this
// platform and checksums.txt. The "binary" is a script printing its version.
// tamper changes the archive after its checksum was taken.
func fakeRelease(t *testing.T, version string, tamper bool) string {
	t.Helper()
	var tgz bytes.Buffer
	gz := gzip.NewWriter(&tgz)
	tw := tar.NewWriter(gz)
	script := []byte("#!/bin/sh\necho \"hookctl " + version + " (fake release)\"\n")
	tw.WriteHeader(&tar.Header{Name: "hookctl", Mode: 0o755, Size: int64(len(script))})
	tw.Write(script)
	tw.Close()
	gz.Close()
	archive := "hookctl_" + version + "_" + runtime.GOOS + "_" + runtime.GOARCH + ".tar.gz"
	sum := sha256.Sum256(tgz.Bytes())
	checksums := hex.EncodeToString(sum[:]) + "  " + archive + "\n"
	body := tgz.Bytes()
	if tamper {
		body = append(append([]byte{}, body...), 0)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/latest", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/tag/v"+version, http.StatusFound)
	})
	mux.HandleFunc("/tag/", func(w http.ResponseWriter, r *http.Request) {})
	mux.HandleFunc("/download/v"+version+"/"+archive, func(w http.ResponseWriter, r *http.Request) { w.Write(body) })
	mux.HandleFunc("/download/v"+version+"/checksums.txt", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, checksums) })
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv.URL
}

// TestActionInstallRelease runs the action's install script against a local
// copy of a release: a version with or without its v, 'latest', and an
// archive that does not match its checksum (refused, nothing installed).
func TestActionInstallRelease(t *testing.T) {
	t.Parallel()
	if runtime.GOOS != "linux" && runtime.GOOS != "darwin" {
		t.Skip("SKIP: the install script's tar.gz path runs on Linux and macOS")
	}
	for _, tool := range []string{"curl", "tar"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("SKIP: %s is not installed", tool)
		}
	}
	wd, _ := os.Getwd()
	install := func(t *testing.T, base, version string) (code int, out, bin string, path []byte) {
		dir := t.TempDir()
		ghPath := filepath.Join(dir, "github_path")
		cmd := exec.Command("bash", filepath.Join(wd, "action", "install.sh"))
		cmd.Env = append(os.Environ(), "INPUT_VERSION="+version, "HOOKCTL_RELEASES_URL="+base,
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
	base := fakeRelease(t, "1.2.3", false)
	for _, v := range []string{"v1.2.3", "1.2.3", "latest"} {
		code, out, bin, path := install(t, base, v)
		if code != 0 || !strings.Contains(out, "hookctl 1.2.3 (fake release)") {
			t.Errorf("version %s: exit %d\n%s", v, code, out)
			continue
		}
		if strings.TrimSpace(string(path)) != filepath.Dir(bin) {
			t.Errorf("version %s: GITHUB_PATH = %q, want %q", v, path, filepath.Dir(bin))
		}
	}
	code, out, bin, path := install(t, fakeRelease(t, "1.2.3", true), "v1.2.3")
	if code == 0 || !strings.Contains(out, "does not match its checksum") {
		t.Errorf("tampered archive: exit %d\n%s", code, out)
	}
	if _, err := os.Stat(bin); err == nil || len(path) > 0 {
		t.Errorf("tampered archive: installed anyway (%s, GITHUB_PATH %q)", bin, path)
	}
	if code, out, _, _ := install(t, base, "v9.9.9"); code == 0 {
		t.Errorf("missing release: exit 0\n%s", out)
	}
}

// Without python3 the run step says so (exit 3, an environment problem):
// it failed as if the args input were malformed (exit 2).
func TestActionNeedsPython(t *testing.T) {
	bin := t.TempDir()
	for _, tool := range []string{"bash", "mktemp", "rm"} {
		p, err := exec.LookPath(tool)
		if err != nil {
			t.Skipf("SKIP: %s is not installed", tool)
		}
		if err := os.Symlink(p, filepath.Join(bin, tool)); err != nil {
			t.Fatal(err)
		}
	}
	wd, _ := os.Getwd()
	out := filepath.Join(t.TempDir(), "output")
	cmd := exec.Command(filepath.Join(bin, "bash"), filepath.Join(wd, "action", "run.sh"))
	cmd.Env = []string{"PATH=" + bin, "GITHUB_OUTPUT=" + out, "INPUT_COMMAND=trigger", "INPUT_ARGS=card.created"}
	b, err := cmd.CombinedOutput()
	ee, ok := err.(*exec.ExitError)
	if !ok || ee.ExitCode() != 3 || !strings.Contains(string(b), "needs python3") {
		t.Errorf("run.sh without python3: %v\n%s", err, b)
	}
	if o, _ := os.ReadFile(out); !strings.Contains(string(o), "exit-code=3") {
		t.Errorf("outputs: %q", o)
	}
}
