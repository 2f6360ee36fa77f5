//go:build !windows

package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestHuntcli3DashAndBinaryFiles: a file flag given - (stdin, as store
// import and --data @- take it) and a header file that is not text say
// what is wrong, exit 2. Before: "reading --secret-file: open -: no such
// file or directory" (sign, verify, listen, subscribe, check, serve's
// --api-key-file, …), "reading --header-file: open -: …", and a binary
// --header-file (a gzipped body, a program) printed its first "line"
// whole in the error: 3,000 bytes of a program gave a 10,000-character
// line of escapes.
func TestHuntcli3DashAndBinaryFiles(t *testing.T) {
	t.Parallel()
	e := newClierrEnv(t)
	const secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"sign", "--secret-file", "-"}, "--secret-file -: hookctl reads no secret from standard input, only from a file"},
		{[]string{"verify", "--secret-file", "-", "-H", "webhook-id: x"}, "--secret-file -: hookctl reads no secret from standard input"},
		{[]string{"subscribe", "--url", "http://127.0.0.1:9/h", "--events", "card.created", "--secret-file", "-"}, "--secret-file -: hookctl reads no secret from standard input"},
		{[]string{"serve", "--api-key-file", "-"}, "--api-key-file -: hookctl reads no key from standard input"},
		{[]string{"verify", "--secret", secret, "--header-file", "-"}, "--header-file -: the headers cannot come from standard input, which holds the body"},
	} {
		what := "hookctl " + strings.Join(tc.args, " ")
		r := e.run(nil, tc.args...)
		wantHumanError(t, what, r, tc.want)
		if strings.Contains(r.stderr, "no such file") {
			t.Errorf("%s: still the open error:\n%s", what, r.stderr)
		}
	}

	// A binary file as --header-file: one short line saying so.
	bin := filepath.Join(e.dir, "body.gz")
	prog := bytes.Repeat([]byte("\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00"), 200)
	if err := os.WriteFile(bin, prog, 0o600); err != nil {
		t.Fatal(err)
	}
	r := e.run(nil, "verify", "--secret", secret, "--header-file", bin)
	wantHumanError(t, "verify --header-file body.gz", r, "is not text")
	if first, _, _ := strings.Cut(r.stderr, "\n"); len(first) > 300 {
		t.Errorf("verify --header-file body.gz: a %d-byte error line:\n%.400s", len(first), first)
	}
	// -o json: the result document says the same.
	r = e.run(nil, "verify", "--secret", secret, "--header-file", bin, "-o", "json")
	var doc struct {
		Valid bool   `json:"valid"`
		Error string `json:"error"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &doc); err != nil || doc.Valid || !strings.Contains(doc.Error, "is not text") || r.code != 2 {
		t.Errorf("verify --header-file body.gz -o json: exit %d, %v:\n%s", r.code, err, r.stdout)
	}
	// A text line that is no header is cut in the error, its length said.
	prose := filepath.Join(e.dir, "prose.txt")
	if err := os.WriteFile(prose, []byte(strings.Repeat("not a header ", 40)+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	r = e.run(nil, "verify", "--secret", secret, "--header-file", prose)
	wantHumanError(t, "verify --header-file prose.txt", r, `invalid header "not a header not a header`)
	if first, _, _ := strings.Cut(r.stderr, "\n"); len(first) > 300 || !strings.Contains(first, "… (520 bytes)") {
		t.Errorf("verify --header-file prose.txt: the line not cut:\n%s", first)
	}
	// A raw request whose body is binary is still read (its head is text).
	raw := filepath.Join(e.dir, "raw.req")
	req := "POST /webhooks HTTP/1.1\r\nwebhook-id: msg_1\r\nwebhook-timestamp: 1614265330\r\nwebhook-signature: v1,AAAA\r\nContent-Length: 3\r\n\r\n\x00\x01\x02"
	if err := os.WriteFile(raw, []byte(req), 0o600); err != nil {
		t.Fatal(err)
	}
	r = e.run(nil, "verify", "--secret", secret, "--header-file", raw, "--ignore-timestamp")
	if r.code != 1 || !strings.Contains(r.stderr, "no matching signature") {
		t.Errorf("verify --header-file raw.req (binary body): exit %d, want 1 and no matching signature:\n%s", r.code, r.stderr)
	}
}
