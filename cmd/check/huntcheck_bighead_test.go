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

// TestHeadersTooLargeHint: a receiver answering with more than 1 MiB of
// headers (one set in a loop) did not close the connection; its checks
// fail with a hint about the headers, not "the receiver closed the
// connection without an HTTP answer: does it crash on this request?",
// and it is not said to have gone away after a probe it "closed". So
// too for 1xx answers (103 Early Hints) with headers in a loop before it
// (more than five 1xx answers: TestOnexxInformationalAnswers).
func TestHeadersTooLargeHint(t *testing.T) {
	t.Parallel()
	for name, head := range map[string]func(w *bufio.Writer){
		"headers": func(w *bufio.Writer) {
			w.WriteString("HTTP/1.1 200 OK\r\n")
			for i := 0; i < 20000; i++ { // 2 MB of headers
				fmt.Fprintf(w, "X-Trace-%d: %s\r\n", i, strings.Repeat("t", 90))
			}
		},
		"early-hints": func(w *bufio.Writer) { // 103s with 2 MB of headers
			for i := 0; i < 5; i++ {
				w.WriteString("HTTP/1.1 103 Early Hints\r\n")
				for j := 0; j < 4000; j++ {
					fmt.Fprintf(w, "Link: </app-%d.css>; rel=preload; %s\r\n", j, strings.Repeat("t", 90))
				}
				w.WriteString("\r\n")
			}
			w.WriteString("HTTP/1.1 200 OK\r\n")
		},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			bigHead(t, head)
		})
	}
}

func bigHead(t *testing.T, head func(w *bufio.Writer)) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
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
					head(w)
					w.WriteString("Content-Length: 2\r\n\r\nok")
					if w.Flush() != nil {
						return
					}
				}
			}()
		}
	}()
	r := hookctl(t, nil, "check", "http://"+l.Addr().String()+"/hooks", "--scheme", "standard", "--secret", stdSecret,
		"--only", "accepts-valid,rejects-wrong-secret,survives-burst", "--burst", "3", "-o", "json")
	if r.code != 1 || r.report == nil || len(r.verdicts(check.Fail)) != 3 {
		t.Fatalf("want exit 1 and 3 FAILs, got\n%s", r.dump())
	}
	for _, c := range r.report.Checks {
		if !strings.Contains(c.Hint, "more than 1 MiB of status line and headers") || strings.Contains(c.Hint, "crash") {
			t.Errorf("%s: hint %q, want it to name the headers over 1 MiB, not a crash", c.ID, c.Hint)
		}
		if !strings.Contains(c.Detail, "response headers exceed 1 MiB") {
			t.Errorf("%s: evidence %q, want the error", c.ID, c.Detail)
		}
		// It answered: not "no answer" (which contradicted the reason).
		if c.ID == check.AcceptsValid && !strings.Contains(c.Detail, "no usable answer after") {
			t.Errorf("%s: evidence %q, want \"no usable answer after\"", c.ID, c.Detail)
		}
	}
}
