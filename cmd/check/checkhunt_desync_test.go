package check_test

import (
	"bufio"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hookctl/hookctl/internal/check"
)

// TestCheckhuntUnreadBodyDesync: a receiver on Python's http.server with
// protocol_version HTTP/1.1 that answers 401 to a request without a
// signature header before reading its body leaves the body on the
// keep-alive connection, and its server reads the next probe from it
// ("501 Unsupported method ('{\"type\":…POST')"). rejects-wrong-secret
// failed with "the receiver failed (501): see its log; a 5xx makes the
// provider retry it for days: answer 400 or 401 …", and other checks
// with their own hints, though the handler never saw their probes. The
// hint now says what happened and to read the body before answering.
func TestCheckhuntUnreadBodyDesync(t *testing.T) {
	t.Parallel()
	py, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("SKIP: python3 not found")
	}
	cmd := exec.Command(py, filepath.Join("testdata", "checkhunt_noread.py"))
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	port, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		t.Fatalf("the receiver printed no port: %v", err)
	}
	url := "http://127.0.0.1:" + strings.TrimSpace(port) + "/webhooks"
	r := hookctl(t, nil, "check", url, "--scheme", "standard", "--secret", stdSecret,
		"--only", "rejects-missing-signature,rejects-wrong-secret", "-o", "json")
	if r.report == nil || len(r.report.Checks) != 2 {
		t.Fatalf("got\n%s", r.dump())
	}
	missing, wrong := r.report.Checks[0], r.report.Checks[1]
	if missing.ID != check.RejectsMissingSig || missing.Verdict != check.Pass {
		t.Fatalf("rejects-missing-signature: want PASS (401), got\n%s", r.dump())
	}
	if wrong.Verdict != check.Fail || wrong.Status != 501 {
		t.Fatalf("rejects-wrong-secret: want FAIL with the server's 501, got\n%s", r.dump())
	}
	if !strings.Contains(wrong.Hint, "did not read this request as sent") || !strings.Contains(wrong.Hint, "read the whole body (Content-Length bytes) before answering") ||
		strings.Contains(wrong.Hint, "retry it for days") {
		t.Errorf("rejects-wrong-secret hint %q: want it to say the server read the probe from the unread body before it", wrong.Hint)
	}
	if r.code != 1 {
		t.Errorf("exit %d, want 1", r.code)
	}
}
