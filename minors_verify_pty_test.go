//go:build !windows

package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// verify --header-file with a raw HTTP request (CRLF, as captured) on a
// terminal, nothing piped: the request's own body is verified, and said
// so, instead of waiting for a body on stdin (the dump was refused at its
// request line).
func TestMinorsVerifyRawRequestOnTerminal(t *testing.T) {
	t.Parallel()
	e := newPTYEnv(t)
	dump := strings.ReplaceAll(`POST /webhooks HTTP/1.1
Host: localhost:3000
Content-Length: 20
webhook-id: msg_p5jXN8AQM9LWM0D4loKWxJek
webhook-timestamp: 1614265330
webhook-signature: v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=

{"test": 2432232314}`, "\n", "\r\n")
	if err := os.WriteFile(filepath.Join(e.dir, "dump.txt"), []byte(dump), 0o600); err != nil {
		t.Fatal(err)
	}
	r := e.pty([]string{"NO_COLOR=1"}, "verify", "--secret", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "--header-file", "dump.txt", "--now", "1614265330")
	if r.code != 0 || !strings.Contains(r.out, "hookctl: verifying the body in dump.txt (20 bytes after its headers)\n") || !strings.Contains(r.out, "valid\n") {
		t.Fatalf("exit %d:\n%s", r.code, r.out)
	}
}
