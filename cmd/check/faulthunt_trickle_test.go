package check_test

import (
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/check"
)

// TestFaulthuntHeadStalledMidLineIsAHang: a receiver that starts its
// answer's head and stalls in the middle of a header line is one that
// does not answer: a timeout, and no more probes. The line the deadline
// cut was parsed as it stood ("malformed MIME header line"), so check
// said the receiver spoke broken HTTP and sent it every other probe, each
// waiting out the whole request timeout (100 s for a run that ends in 8).
func TestFaulthuntHeadStalledMidLineIsAHang(t *testing.T) {
	t.Parallel()
	ln := rawReceiver(t, func(c net.Conn) {
		defer c.Close()
		c.Read(make([]byte, 64<<10)) // the request (small)
		io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 2\r")
		time.Sleep(30 * time.Second) // the rest never comes
	})
	only := []string{check.AcceptsValid, check.RespondsFast, check.RejectsMissingSig, check.RejectsWrongSecret}
	r := hookctl(t, nil, "check", "http://"+ln.Addr().String()+"/hooks", "--provider", "bond", "--secret", bondSecret,
		"-o", "json", "--deadline", "1s", "--only", strings.Join(only, ","))
	if r.code != 1 || r.report == nil || len(r.verdicts(check.Fail)) != len(only) {
		t.Fatalf("want exit 1 and FAIL %v, got\n%s", only, r.dump())
	}
	for _, c := range r.report.Checks {
		switch c.ID {
		case check.AcceptsValid:
			if !strings.Contains(c.Detail, "timeout after") || strings.Contains(c.Detail, "malformed") ||
				!strings.Contains(c.Hint, "no answer before the timeout") {
				t.Errorf("accepts-valid: %q hint %q", c.Detail, c.Hint)
			}
		case check.RejectsMissingSig, check.RejectsWrongSecret:
			if want := "not run: the receiver did not answer the accepts-valid probe within 6s"; !strings.Contains(c.Detail, want) {
				t.Errorf("%s: %q, want %q", c.ID, c.Detail, want)
			}
		}
	}
}
