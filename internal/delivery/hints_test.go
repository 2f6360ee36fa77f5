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
			"the app behind hookctl listen at 127.0.0.1:8787 did not answer within listen's --timeout (10s): make it answer sooner (acknowledge first, then work), or start listen with a longer --timeout"},
		{"http://127.0.0.1:8787/", `HTTP 502 Bad Gateway: {"error":"the app did not answer","reason":"tls: failed to verify certificate: x509: certificate signed by unknown au…`,
			"hookctl listen at 127.0.0.1:8787 does not trust the TLS certificate of the app it forwards to: for a self-signed one, start listen with --skip-verify (then replay)"},
		{"http://127.0.0.1:8787/", `HTTP 502 Bad Gateway: {"error":"the app did not answer","reason":"the app closed the connection without an HTTP answer: does it crash on this request? (see its log)"}`,
			"hookctl listen at 127.0.0.1:8787 answered 502: the app it forwards to did not answer (see listen's log)"},
		// any other answer quoting a refused connection: the receiver is up
		{"http://127.0.0.1:8080/h", `HTTP 503 Service Unavailable: upstream connect error: dial tcp 10.0.0.1:80: connect: connection refused`, ""},
	} {
		if got := FailureHint(tc.url, tc.err); got != tc.want {
			t.Errorf("FailureHint(%q, %q) = %q, want %q", tc.url, tc.err, got, tc.want)
		}
	}
}

// A subscription disabled (by this attempt's 410, or before: nothing
// sent) is named with what to do; a redirect with where it points.
func TestFailureHintsSubscriptionAndRedirect(t *testing.T) {
	sub := &store.Delivery{SubscriptionID: "5a0e0efb-7910-4853-8ab8-1c26f471181c"}
	adhoc := &store.Delivery{}
	for _, tc := range []struct {
		name string
		r    Result
		want []string
	}{
		{"410 disabled it", Result{Delivery: sub, Disabled: true, Final: true, Attempt: &store.Attempt{RequestURL: "http://127.0.0.1:9/h", ResponseStatus: 410}},
			[]string{"its endpoint answered 410 Gone, so subscription 5a0e0efb-7910-4853-8ab8-1c26f471181c is disabled now: once the endpoint is back, hookctl subscriptions enable 5a0e0efb-7910-4853-8ab8-1c26f471181c, then replay"}},
		{"disabled, not sent", Result{Delivery: sub, NotSent: true, Final: true, Attempt: &store.Attempt{RequestURL: "http://127.0.0.1:9/h", Error: errSubscriptionDisabled.Error()}},
			[]string{"subscription 5a0e0efb-7910-4853-8ab8-1c26f471181c is disabled, so nothing was sent to it: hookctl subscriptions enable 5a0e0efb-7910-4853-8ab8-1c26f471181c, then replay"}},
		// a stopped listen's subscription: its deliveries keep their schedule
		{"disabled, not final", Result{Delivery: sub, NotSent: true, Attempt: &store.Attempt{RequestURL: "http://127.0.0.1:9/h", Error: errSubscriptionDisabled.Error()}}, nil},
		{"ad-hoc 410", Result{Delivery: adhoc, Final: true, Attempt: &store.Attempt{RequestURL: "http://127.0.0.1:9/h", ResponseStatus: 410}}, nil},
		{"lease lost", Result{Delivery: sub, Disabled: true, LeaseLost: true, Attempt: &store.Attempt{ResponseStatus: 410}}, nil},
		{"relative redirect", Result{Delivery: adhoc, Attempt: &store.Attempt{RequestURL: "http://127.0.0.1:9/h", ResponseStatus: 301, ResponseHeaders: map[string][]string{"Location": {"/v2/h"}}}},
			[]string{"http://127.0.0.1:9/h answered 301, redirecting to http://127.0.0.1:9/v2/h: webhooks do not follow redirects; send to that URL instead"}},
		{"absolute redirect", Result{Delivery: adhoc, Attempt: &store.Attempt{RequestURL: "http://127.0.0.1:9/h", ResponseStatus: 307, ResponseHeaders: map[string][]string{"Location": {"https://app.example/h"}}}},
			[]string{"http://127.0.0.1:9/h answered 307, redirecting to https://app.example/h: webhooks do not follow redirects; send to that URL instead"}},
		{"3xx without Location", Result{Delivery: adhoc, Attempt: &store.Attempt{RequestURL: "http://127.0.0.1:9/h", ResponseStatus: 304}}, nil},
		{"Location with a control character", Result{Delivery: adhoc, Attempt: &store.Attempt{RequestURL: "http://127.0.0.1:9/h", ResponseStatus: 302, ResponseHeaders: map[string][]string{"Location": {"/a\x1b[2J"}}}}, nil},
	} {
		h := FailureHints{}
		h.Note(tc.r)
		if got := h.List(); !reflect.DeepEqual(got, tc.want) && (len(got) != 0 || len(tc.want) != 0) {
			t.Errorf("%s: hints %q\nwant %q", tc.name, got, tc.want)
		}
	}
}
