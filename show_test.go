package main

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/signature"
	"github.com/hookctl/hookctl/internal/store/postgres/pgtest"
)

// showApp is a receiver that records every request as it arrived, raw,
// and answers with the next of its answers (the last one once they run
// out).
type showApp struct {
	srv     *httptest.Server
	mu      sync.Mutex
	reqs    []showReq
	answers []showAnswer
}

type showReq struct {
	method, uri string
	header      http.Header
	body        []byte
}

type showAnswer struct {
	status int
	body   []byte
}

func newShowApp(t *testing.T, answers ...showAnswer) *showApp {
	a := &showApp{answers: answers}
	a.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		a.mu.Lock()
		ans := a.answers[min(len(a.reqs), len(a.answers)-1)]
		a.reqs = append(a.reqs, showReq{r.Method, r.RequestURI, r.Header.Clone(), b})
		a.mu.Unlock()
		w.Header().Set("Content-Length", strconv.Itoa(len(ans.body)))
		w.WriteHeader(ans.status)
		w.Write(ans.body)
	}))
	t.Cleanup(a.srv.Close)
	return a
}

func (a *showApp) all() []showReq {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]showReq(nil), a.reqs...)
}

// showRun runs a program of the test binary (hookctl, or sh) and returns its stdout and stderr; wantCode is the
// expected exit status.
func (c *crashEnv) showRun(wantCode int, stdin []byte, name string, args ...string) ([]byte, string) {
	c.t.Helper()
	var out, errb bytes.Buffer
	cmd := c.cmd(name, args...)
	cmd.Stdin = bytes.NewReader(stdin)
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		c.t.Fatalf("%s %v: %v", name, args, err)
	}
	if code != wantCode {
		c.t.Fatalf("%s %s: exit %d, want %d\nstdout: %s\nstderr: %s", name, strings.Join(args, " "), code, wantCode, tail(out.String()), errb.String())
	}
	return out.Bytes(), errb.String()
}

// deliveries show --body, --response and --curl with the real binary: the
// body printed is the bytes the receiver got (any bytes: NUL, non-UTF-8,
// quotes, $, backticks, a newline), the response the bytes it answered
// (of the last attempt, or of --attempt n), and --curl's command, run by
// a POSIX sh with the real curl, delivers the same bytes and headers with
// a signature that verifies. A form-encoded delivery (a subscription that
// asks for application/x-www-form-urlencoded) prints and re-sends the
// form body that was sent, not the stored JSON. On SQLite and, when a
// server is configured, PostgreSQL.
func TestShowBodyResponseCurl(t *testing.T) {
	t.Parallel()
	for _, tool := range []string{"sh", "curl", "base64"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("no %s to run the command", tool)
		}
	}
	t.Run("sqlite", func(t *testing.T) { testShowRaw(t, newCrashEnv(t)) })
	t.Run("postgres", func(t *testing.T) {
		u := pgtest.URL(t)
		c := newCrashEnv(t)
		c.env = append(c.env, "HOOKCTL_STORE="+u)
		testShowRaw(t, c)
	})
}

func testShowRaw(t *testing.T, c *crashEnv) {
	const secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	body := []byte("{\"a\":\"it's\"}\x00\xff\xfe $HOME `id` \"q\" \\n '\\'' %s\n")
	first := []byte("busy\x00\xff 'x' $y `z`") // no final newline
	app := newShowApp(t, showAnswer{503, first}, showAnswer{200, []byte("ok\n")})
	if err := os.WriteFile(filepath.Join(c.dir, "body.bin"), body, 0o644); err != nil {
		t.Fatal(err)
	}
	// A text/plain event takes any bytes; two attempts (503, then 200).
	out, _ := c.showRun(0, nil, "hookctl", "trigger", "mambu:deposit.withdrawal", "--data", "@body.bin", "--url", app.srv.URL+"/hooks?n=1",
		"--scheme", "standard", "--secret", secret, "--retry-schedule", "0s,10ms", "-o", "json")
	id := showDeliveryID(t, out)
	reqs := app.all()
	if len(reqs) != 2 || !bytes.Equal(reqs[0].body, body) || !bytes.Equal(reqs[1].body, body) {
		t.Fatalf("the receiver got %d requests, want 2 with the body", len(reqs))
	}

	if got, _ := c.showRun(0, nil, "hookctl", "deliveries", "show", id[:8], "--body"); !bytes.Equal(got, reqs[1].body) {
		t.Errorf("--body printed %q, the receiver got %q", got, reqs[1].body)
	}
	if got, stderr := c.showRun(0, nil, "hookctl", "deliveries", "show", id, "--response"); string(got) != "ok\n" || stderr != "" {
		t.Errorf("--response printed %q (stderr %q), want the last answer %q", got, stderr, "ok\n")
	}
	if got, _ := c.showRun(0, nil, "hookctl", "deliveries", "show", id, "--response", "--attempt", "1"); !bytes.Equal(got, first) {
		t.Errorf("--response --attempt 1 printed %q, want %q", got, first)
	}
	_, stderr := c.showRun(1, nil, "hookctl", "deliveries", "show", id, "--response", "--attempt", "3")
	if !strings.Contains(stderr, "hookctl: error: delivery "+id+" has 2 attempts: no attempt 3") {
		t.Errorf("--attempt 3: stderr %q", stderr)
	}

	// --curl of each attempt re-sends that attempt's request.
	for n, want := range map[string]showReq{"": reqs[1], "1": reqs[0]} {
		args := []string{"deliveries", "show", id, "--curl"}
		if n != "" {
			args = append(args, "--attempt", n)
		}
		cmdline, _ := c.showRun(0, nil, "hookctl", args...)
		before := len(app.all())
		c.showRun(0, append(bytes.TrimSuffix(cmdline, []byte("\n")), " -sS -o /dev/null\n"...), "sh")
		got := app.all()
		if len(got) != before+1 {
			t.Fatalf("--curl %s: the receiver got %d requests, want 1\n%s", n, len(got)-before, cmdline)
		}
		showSameRequest(t, "--curl "+n, got[len(got)-1], want, "standard", secret)
	}

	// A form-encoded delivery: the body sent is payload=<the JSON>.
	form := newShowApp(t, showAnswer{200, nil})
	out, _ = c.showRun(0, nil, "hookctl", "trigger", "card.created", "--url", form.srv.URL+"/f", "--secret", secret,
		"-H", "Content-Type: application/x-www-form-urlencoded", "--no-retry", "-o", "json")
	fid := showDeliveryID(t, out)
	sent := form.all()
	if len(sent) != 1 || !bytes.HasPrefix(sent[0].body, []byte("payload=")) {
		t.Fatalf("the form receiver got %d requests, want 1 with a form body", len(sent))
	}
	if got, _ := c.showRun(0, nil, "hookctl", "deliveries", "show", fid, "--body"); !bytes.Equal(got, sent[0].body) {
		t.Errorf("form --body printed %q, the receiver got %q", got, sent[0].body)
	}
	cmdline, _ := c.showRun(0, nil, "hookctl", "deliveries", "show", fid, "--curl")
	c.showRun(0, append(bytes.TrimSuffix(cmdline, []byte("\n")), " -sS -o /dev/null\n"...), "sh")
	if got := form.all(); len(got) != 2 {
		t.Errorf("form --curl: the receiver got %d requests, want 2", len(got))
	} else {
		showSameRequest(t, "form --curl", got[1], sent[0], "bond", secret)
	}

	// An answer over the 64 KiB an attempt keeps: the kept bytes, and a
	// note on stderr that it was cut (exit 0).
	big := bytes.Repeat([]byte("0123456789abcdef"), 5000)
	large := newShowApp(t, showAnswer{200, big})
	out, _ = c.showRun(0, nil, "hookctl", "trigger", "card.created", "--url", large.srv.URL, "--secret", secret, "--no-retry", "-o", "json")
	got, stderr := c.showRun(0, nil, "hookctl", "deliveries", "show", showDeliveryID(t, out), "--response")
	if !bytes.Equal(got, big[:64<<10]) || stderr != "hookctl: note: the response was cut: the first 64 KiB of 80000 bytes kept\n" {
		t.Errorf("--response of a large answer: %d bytes, stderr %q", len(got), stderr)
	}
}

func showDeliveryID(t *testing.T, triggerJSON []byte) string {
	t.Helper()
	var doc struct {
		Deliveries []struct{ ID string } `json:"deliveries"`
	}
	if err := json.Unmarshal(triggerJSON, &doc); err != nil || len(doc.Deliveries) != 1 {
		t.Fatalf("trigger -o json: %v %s", err, tail(string(triggerJSON)))
	}
	return doc.Deliveries[0].ID
}

// showSameRequest: got (curl's) is want (hookctl's) again: method, path
// and query, body, every header with its values (curl adds only its
// Accept), and the signature verifies.
func showSameRequest(t *testing.T, what string, got, want showReq, scheme, secret string) {
	t.Helper()
	if got.method != want.method || got.uri != want.uri || !bytes.Equal(got.body, want.body) {
		t.Errorf("%s: sent %s %s %q, want %s %s %q", what, got.method, got.uri, got.body, want.method, want.uri, want.body)
	}
	for k, vs := range want.header {
		if g := got.header.Values(k); strings.Join(g, "\x00") != strings.Join(vs, "\x00") {
			t.Errorf("%s: header %s = %q, want %q", what, k, g, vs)
		}
	}
	for k := range got.header {
		if want.header.Values(k) == nil && k != "Accept" {
			t.Errorf("%s: header %s = %q was not sent by hookctl", what, k, got.header.Values(k))
		}
	}
	sch, err := signature.Lookup(scheme)
	if err != nil {
		t.Fatal(err)
	}
	if err := sch.Verify(signature.VerifyInput{Secrets: []string{secret}, Header: got.header, Body: got.body, Now: time.Now()}); err != nil {
		t.Errorf("%s: the signature does not verify: %v", what, err)
	}
}
