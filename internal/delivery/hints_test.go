package delivery

import (
	"reflect"
	"testing"

	"github.com/hookctl/hookctl/internal/store"
)

func TestFailureHints(t *testing.T) {
	res := func(url, errText string, mod func(*Result)) Result {
		r := Result{Attempt: &store.Attempt{RequestURL: url, Error: errText}}
		if mod != nil {
			mod(&r)
		}
		return r
	}
	var h FailureHints
	h.Max = 2
	for _, r := range []Result{
		res("http://127.0.0.1:9/h", "", nil), // succeeded or answered: no error text
		res("http://127.0.0.1:9/h", "dial tcp 127.0.0.1:9: connect: connection refused", func(r *Result) { r.NotSent = true }),
		res("http://127.0.0.1:9/h", "dial tcp 127.0.0.1:9: connect: connection refused", func(r *Result) { r.LeaseLost = true }),
		res("http://127.0.0.1:9/h", "context deadline exceeded (Client.Timeout exceeded while awaiting headers)", nil),
		res("https://localhost/h", "dial tcp [::1]:443: connect: connection refused", nil),
		res("https://localhost/h", "dial tcp 127.0.0.1:443: connect: connection refused", nil),
		res("http://x.invalid/h", "dial tcp: lookup x.invalid on 10.0.0.53:53: no such host", nil),
		res("https://self/h", "tls: failed to verify certificate: x509: certificate signed by unknown authority", nil),
	} {
		h.Note(r)
	}
	want := []string{
		"nothing listens at localhost:443: is the receiver running? (start it first; in CI, wait for its port)",
		"could not resolve x.invalid: check the URL",
	}
	if got := h.List(); !reflect.DeepEqual(got, want) {
		t.Fatalf("hints %q\nwant %q", got, want)
	}
	for _, tc := range []struct{ url, err, want string }{
		{"https://self/h", "tls: failed to verify certificate: x509: certificate is valid for a, not b", "the receiver's TLS certificate is refused here (see the error): pass --insecure (-k) to accept it anyway"},
		{"https://127.0.0.1:8080/h", "http: server gave HTTP response to HTTPS client", "the receiver does not speak TLS on that port: use an http:// URL"},
		{"http://127.0.0.1:8080/h", "unexpected EOF", ""},
		// hookctl listen in front of an app that is not running: listen is
		// up (it answered), the app behind it is not
		{"http://127.0.0.1:8787/", `HTTP 502 Bad Gateway: {"error":"the app did not answer","reason":"connection refused: is your app running? (dial tcp 127.0.0.1:3000: connect: connection refused)"}`,
			"hookctl listen at 127.0.0.1:8787 could not reach the app it forwards to (connection refused): is your app running? (start it, then replay)"},
		{"http://127.0.0.1:8787/", `HTTP 502 Bad Gateway: {"error":"the app did not answer","reason":"the app did not answer within 10s (--timeout)"}`,
			"hookctl listen at 127.0.0.1:8787 answered 502: the app it forwards to did not answer (see listen's log)"},
		// any other answer quoting a refused connection: the receiver is up
		{"http://127.0.0.1:8080/h", `HTTP 503 Service Unavailable: upstream connect error: dial tcp 10.0.0.1:80: connect: connection refused`, ""},
	} {
		if got := FailureHint(tc.url, tc.err); got != tc.want {
			t.Errorf("FailureHint(%q, %q) = %q, want %q", tc.url, tc.err, got, tc.want)
		}
	}
}
