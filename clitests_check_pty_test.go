//go:build !windows

package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"regexp"
	"strings"
	"testing"
)

// clitestsEarlyHints is a receiver that answers every request with n
// informational answers (103 Early Hints), then 200 "ok".
func clitestsEarlyHints(t *testing.T, n int) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				br := bufio.NewReader(c)
				for {
					req, err := http.ReadRequest(br)
					if err != nil {
						return
					}
					io.Copy(io.Discard, req.Body)
					w := bufio.NewWriter(c)
					for range n {
						w.WriteString("HTTP/1.1 103 Early Hints\r\nLink: </app.css>; rel=preload\r\n\r\n")
					}
					w.WriteString("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
					if w.Flush() != nil {
						return
					}
				}
			}()
		}
	}()
	return "http://" + l.Addr().String() + "/hooks"
}

// clitestsFlat is a terminal's output without colour, each wrapped
// sentence joined again (a hint wraps at the terminal's width, its
// continuation lines indented).
func clitestsFlat(out string) string {
	return strings.Join(strings.Fields(ansiSeq.ReplaceAllString(out, "")), " ")
}

// `hookctl check URL` as a user reads it on a terminal of 100 columns: a
// receiver that answers 200 passes (PASS, exit 0, the summary), one that
// answers 500 fails with the hint for a failing receiver and where to see
// the probe (exit 1), and one that answers six 103 Early Hints before its
// 200 fails with the informational answers' hint (exit 1). Verdicts are
// coloured, no line is wider than the terminal, and NO_COLOR leaves no
// escape code. -o json on the terminal is the report a pipe gets (the same
// keys, verdicts, details and hints; no colour).
func TestClitestsCheckOnTerminal(t *testing.T) {
	t.Parallel()
	ok := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		fmt.Fprint(w, "ok")
	}))
	defer ok.Close()
	failing := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		http.Error(w, "boom", http.StatusInternalServerError)
	}))
	defer failing.Close()
	hints := clitestsEarlyHints(t, 6)
	const secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	args := func(url string, more ...string) []string {
		return append([]string{"check", url, "--scheme", "standard", "--secret", secret, "--only", "accepts-valid"}, more...)
	}
	e := newPTYEnv(t)
	e.cols = 100
	ms := `\d+(\.\d+)?(µs|ms|s)`
	for _, tc := range []struct {
		name string
		url  string
		code int
		want []*regexp.Regexp // on the flattened terminal text
	}{
		{"pass", ok.URL + "/hooks", 0, []*regexp.Regexp{
			regexp.MustCompile(`^Checking ` + regexp.QuoteMeta(ok.URL) + `/hooks \(standard events, scheme standard, deadline 15s\)… `),
			regexp.MustCompile(`CHECK VERDICT EVIDENCE accepts-valid PASS a valid event: 200 in ` + ms + `: ok `),
			regexp.MustCompile(`1 passed, 0 failed, 0 warnings, 0 skipped \(` + ms + `, run [0-9a-f]{8}\)$`),
		}},
		{"fail", failing.URL + "/hooks", 1, []*regexp.Regexp{
			regexp.MustCompile(`accepts-valid FAIL a valid event: 500 in ` + ms + `: boom `),
			regexp.MustCompile(`FAIL accepts-valid: the receiver failed \(500\): see its log; verify the signature over the raw body bytes with the subscription's secret, then answer 2xx \(hookctl deliveries show [0-9a-f]{8}\) `),
			regexp.MustCompile(`0 passed, 1 failed, 0 warnings, 0 skipped \(` + ms + `, run [0-9a-f]{8}\)$`),
		}},
		{"1xx", hints, 1, []*regexp.Regexp{
			// The evidence cell is cut to the terminal's width.
			regexp.MustCompile(`accepts-valid FAIL a valid event: no usable answer after ` + ms + `: more than 5 inform`),
			regexp.MustCompile(`FAIL accepts-valid: the receiver wrote more than 5 informational answers \(1xx: 103 Early Hints, 102 Processing\) before its response: Go's HTTP client, which many providers send with, refuses the answer and retries the delivery; send at most one 103 \(a webhook sender uses none\) and then the response \(hookctl deliveries show [0-9a-f]{8}\) `),
			regexp.MustCompile(`0 passed, 1 failed, 0 warnings, 0 skipped \(` + ms + `, run [0-9a-f]{8}\)$`),
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := e.pty(nil, args(tc.url)...)
			if r.code != tc.code {
				t.Fatalf("exit %d, want %d\n%s", r.code, tc.code, r.out)
			}
			flat := clitestsFlat(r.out)
			for _, re := range tc.want {
				if !re.MatchString(flat) {
					t.Errorf("the terminal does not show %s:\n%s", re, r.out)
				}
			}
			verdict := "\x1b[32mPASS\x1b[0m"
			if tc.code != 0 {
				verdict = "\x1b[31mFAIL\x1b[0m"
			}
			if !strings.Contains(r.out, verdict) {
				t.Errorf("the verdict is not coloured %q:\n%q", verdict, r.out)
			}
			linesFit(t, strings.Split(ansiSeq.ReplaceAllString(r.out, ""), "\n"), 100)
			if nc := e.pty([]string{"NO_COLOR=1"}, args(tc.url)...); nc.code != tc.code || strings.Contains(nc.out, "\x1b") || clitestsFlat(nc.out) == "" {
				t.Errorf("NO_COLOR: exit %d, want %d and no escape code:\n%q", nc.code, tc.code, nc.out)
			}

			// -o json: the same report on a terminal as piped.
			tj := e.pty(nil, args(tc.url, "-o", "json")...)
			if tj.code != tc.code || strings.Contains(tj.out, "\x1b") {
				t.Fatalf("-o json on a terminal: exit %d, want %d and no escape code:\n%q", tj.code, tc.code, tj.out)
			}
			c := e.command(nil, args(tc.url, "-o", "json")...)
			piped, err := c.Output()
			if ee, ok := err.(*exec.ExitError); err != nil && (!ok || ee.ExitCode() != tc.code) {
				t.Fatalf("-o json piped: %v", err)
			}
			a, b := clitestsCheckReport(t, tj.out), clitestsCheckReport(t, string(piped))
			if a != b {
				t.Errorf("-o json differs on a terminal:\n%s\npiped:\n%s", a, b)
			}
		})
	}
}

// clitestsCheckReport is check's -o json report with what differs from
// run to run (ids, timings) blanked, re-encoded.
func clitestsCheckReport(t *testing.T, s string) string {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		t.Fatalf("-o json is not one JSON object: %v\n%s", err, s)
	}
	for _, k := range []string{"run_id", "elapsed_ms"} {
		if _, ok := m[k]; !ok {
			t.Errorf("-o json has no %q:\n%s", k, s)
		}
		m[k] = "…"
	}
	checks, _ := m["checks"].([]any)
	if len(checks) != 1 {
		t.Fatalf("-o json: %d checks, want 1:\n%s", len(checks), s)
	}
	for _, c := range checks {
		c := c.(map[string]any)
		for _, k := range []string{"latency_ms", "delivery_id"} {
			c[k] = "…"
		}
		if d, ok := c["detail"].(string); ok {
			c["detail"] = regexp.MustCompile(`\d+(\.\d+)?(µs|ms|s)`).ReplaceAllString(d, "…")
		}
	}
	b, _ := json.MarshalIndent(m, "", "  ")
	return string(b)
}
