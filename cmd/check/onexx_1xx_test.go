package check_test

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"

	"github.com/hookctl/hookctl/internal/check"
)

// TestOnexxInformationalAnswers: a receiver writing informational answers
// (103 Early Hints) before its response passes with up to five of them
// and fails with six, as Go's HTTP client (max1xxResponses) and so a
// provider sending with it would: before, check (and every delivery)
// read any number of them up to 1 MiB of head and called the receiver
// fine.
func TestOnexxInformationalAnswers(t *testing.T) {
	t.Parallel()
	for _, n := range []int{5, 6, 20} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			t.Parallel()
			url := earlyHintsReceiver(t, n)
			r := hookctl(t, nil, "check", url, "--scheme", "standard", "--secret", stdSecret,
				"--only", "accepts-valid", "-o", "json")
			if r.report == nil || len(r.report.Checks) != 1 {
				t.Fatalf("want one check in the report, got\n%s", r.dump())
			}
			c := r.report.Checks[0]
			if n <= 5 {
				if r.code != 0 || c.Verdict != check.Pass {
					t.Fatalf("%d early hints: want exit 0 and PASS, got\n%s", n, r.dump())
				}
				return
			}
			if r.code != 1 || c.Verdict != check.Fail {
				t.Fatalf("%d early hints: want exit 1 and FAIL, got\n%s", n, r.dump())
			}
			if !strings.Contains(c.Hint, "more than 5 informational answers") || !strings.Contains(c.Hint, "Go's HTTP client") {
				t.Errorf("hint %q, want it to name the informational answers and Go's limit", c.Hint)
			}
			if !strings.Contains(c.Detail, "more than 5 informational (1xx) answers before the response") {
				t.Errorf("evidence %q, want the error", c.Detail)
			}
		})
	}
}

// earlyHintsReceiver answers every request with n 103 answers, then 200.
func earlyHintsReceiver(t *testing.T, n int) string {
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
