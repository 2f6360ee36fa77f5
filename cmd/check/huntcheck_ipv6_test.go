package check_test

import (
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/hookctl/hookctl/internal/check"
)

// TestIPv6URLWithoutBrackets: an IPv6 address written without brackets
// (::1:PORT/hooks, as one writes 127.0.0.1:PORT/hooks) is refused (exit
// 2) with a hint that gives the URL in brackets, and that URL is the
// receiver's: check passes against it. The hint was "use an absolute
// http or https URL, e.g. http://localhost:3000/webhooks".
func TestIPv6URLWithoutBrackets(t *testing.T) {
	t.Parallel()
	l, err := net.Listen("tcp", "[::1]:0")
	if err != nil {
		t.Skipf("no IPv6 loopback: %v", err)
	}
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/hooks" || r.URL.RawQuery != "a=1" {
			http.NotFound(w, r)
			return
		}
		w.Write([]byte(`{"ok":true}`))
	}))
	srv.Listener.Close()
	srv.Listener = l
	srv.Start()
	defer srv.Close()
	port := l.Addr().(*net.TCPAddr).Port
	bare := "::1:" + strconv.Itoa(port) + "/hooks?a=1"
	want := "http://[::1]:" + strconv.Itoa(port) + "/hooks?a=1"
	r := hookctl(t, nil, "check", bare, "--scheme", "standard", "--secret", stdSecret, "--only", "accepts-valid")
	if r.code != 2 || !strings.Contains(r.stderr, "hookctl: hint: an IPv6 address goes in brackets in a URL: did you mean "+want+"?") {
		t.Fatalf("check %s: want exit 2 and a hint naming %s, got\n%s", bare, want, r.dump())
	}
	r = hookctl(t, nil, "check", want, "--scheme", "standard", "--secret", stdSecret, "--only", "accepts-valid", "-o", "json")
	if r.code != 0 || r.report == nil || len(r.verdicts(check.Pass)) != 1 {
		t.Fatalf("check %s (the hint's URL): want a PASS, got\n%s", want, r.dump())
	}
}
