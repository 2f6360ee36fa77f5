package delivery

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"strings"
	"sync"
	"testing"
)

// CurlCommand's command, run by a POSIX sh (dash on Debian) with the real
// curl, sends the request it was made from: the same method, path and
// query, every header with its value, the body byte for byte. Bodies with
// NUL, non-UTF-8 bytes, quotes, $, backticks, CR LF, a leading "@", and
// over the argument limit; a URL with [] and {} (curl globbed them: a
// {a,b} sent two requests, a [] none) and a header with an empty value
// (curl dropped "Name:").
func TestCurlCommandResends(t *testing.T) {
	t.Parallel()
	for _, tool := range []string{"sh", "curl", "base64"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("no %s to run the command", tool)
		}
	}
	type got struct {
		method, uri string
		header      http.Header
		body        []byte
	}
	var mu sync.Mutex
	var reqs []got
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		reqs = append(reqs, got{r.Method, r.RequestURI, r.Header, b})
		mu.Unlock()
	}))
	defer srv.Close()
	headers := map[string][]string{
		"Content-Type":    {"application/octet-stream"},
		"User-Agent":      {"Bond/1.0 hookctl/test"},
		"Bond-Signature":  {"t=1614265330,v1=it's \"$HOME\" `id`"},
		"X-Many":          {"one", "two"},
		"X-Empty":         {""},
		"Idempotency-Key": {"evt_1"},
	}
	big := strings.Repeat("it's a $line `x`\n", 10000) // 170 KB of text
	for name, body := range map[string][]byte{
		"hostile": []byte("{\"a\":\"it's\"}\x00\xff\xfe$HOME `id` \"q\" \\n\n"),
		"text":    []byte("{\"note\":\"it's $HOME `id` \\\"q\\\"\",\n\"é\":\"ü\"}"),
		"crlf":    []byte("a=1\r\nb=2\r\n"),
		"c1":      []byte("a \u009b2J b"), // CSI: piped in from base64, not printed
		"at":      []byte("@/etc/passwd"),
		"large":   []byte(big),
		"empty":   {},
	} {
		mu.Lock()
		reqs = nil
		mu.Unlock()
		u := srv.URL + "/hooks/[1]/{a,b}?x=[2]&y={c,d}&z=it's"
		cmdline := CurlCommand("POST", u, headers, body)
		if name == "c1" && strings.Contains(cmdline, "\u009b") {
			t.Errorf("c1: the command holds the body's CSI: %q", cmdline)
		}
		sh := exec.Command("sh") // the command on stdin, as pasted (a large one is over the limit of one argument)
		sh.Stdin = strings.NewReader(cmdline + " -sS -o /dev/null\n")
		out, err := sh.CombinedOutput()
		if err != nil {
			t.Fatalf("%s: %v: %s\n%s", name, err, out, cmdline)
		}
		mu.Lock()
		rs := reqs
		mu.Unlock()
		if len(rs) != 1 {
			t.Fatalf("%s: the receiver got %d requests, want 1\n%s", name, len(rs), cmdline)
		}
		r := rs[0]
		if r.method != "POST" || r.uri != "/hooks/[1]/{a,b}?x=[2]&y={c,d}&z=it's" {
			t.Errorf("%s: got %s %s", name, r.method, r.uri)
		}
		if !bytes.Equal(r.body, body) {
			t.Errorf("%s: the receiver got %q, want %q", name, r.body, body)
		}
		for k, vs := range headers {
			if g := r.header.Values(k); strings.Join(g, "\n") != strings.Join(vs, "\n") || len(g) != len(vs) {
				t.Errorf("%s: header %s = %q, want %q", name, k, g, vs)
			}
		}
	}
}

// A credential sent in clear stays masked, as everywhere hookctl shows a
// request; the signature is not a credential.
func TestCurlCommandMasksCredentials(t *testing.T) {
	c := CurlCommand("POST", "http://127.0.0.1/h", map[string][]string{
		"Authorization": {"Bearer sk_live_abcdefghijklmnop"}, "Webhook-Signature": {"v1,abc="}}, []byte("{}"))
	if strings.Contains(c, "sk_live_abcdefghijklmnop") || !strings.Contains(c, "-H 'Webhook-Signature: v1,abc='") {
		t.Errorf("curl = %s", c)
	}
}
