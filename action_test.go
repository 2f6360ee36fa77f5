package main

import (
	"encoding/xml"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
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
// variables, GITHUB_STEP_SUMMARY and GITHUB_OUTPUT pointing at files.
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
	// Bad usage stays an error.
	if code, _, _ := runAction(t, env, map[string]string{"COMMAND": "deploy"}); code != 2 {
		t.Errorf("unknown command: exit %d, want 2", code)
	}
}
