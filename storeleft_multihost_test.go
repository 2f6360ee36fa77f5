package main

import (
	"net/url"
	"strings"
	"testing"

	"github.com/hookctl/hookctl/internal/store/postgres/pgtest"
)

// TestStoreLeftMultiHostSaysEach: a URL whose first host refuses the
// connection and whose second, a real server, refuses the password says
// both, and the password's hint (the first host's "connection refused"
// alone was said, and the hint named only it).
func TestStoreLeftMultiHostSaysEach(t *testing.T) {
	u, err := url.Parse(pgtest.ServerURL(t))
	if err != nil {
		t.Fatal(err)
	}
	server := u.Host
	u.Host = "127.0.0.1:1," + server
	u.User = url.UserPassword(u.User.Username(), "not-the-password")
	c := newCrashEnv(t)
	cmd := c.cmd("hookctl", "store", "info", "--store", u.String())
	out, err := cmd.CombinedOutput()
	if code := cmd.ProcessState.ExitCode(); code != 3 {
		t.Fatalf("store info: exit %d (%v)\n%s", code, err, out)
	}
	s := string(out)
	if !strings.Contains(s, "dial tcp 127.0.0.1:1: connect: connection refused; "+server+": password authentication failed") ||
		!strings.Contains(s, "hookctl: hint: check the user name and password in the store URL") || strings.Contains(s, "not-the-password") {
		t.Errorf("store info with a refusing host, then a wrong password:\n%s", s)
	}
}
