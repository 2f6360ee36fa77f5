package listen

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path"
	"strings"
	"testing"

	"github.com/hookctl/hookctl/internal/httplimit"
	"github.com/hookctl/hookctl/internal/signature"
)

// captureTransport is the "app": it keeps the forwarded request.
type captureTransport struct {
	req  *http.Request
	body []byte
}

func (c *captureTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	c.req = r
	if r.Body != nil {
		c.body, _ = io.ReadAll(r.Body)
	}
	return &http.Response{StatusCode: 200, Header: http.Header{}, Body: io.NopCloser(strings.NewReader("ok")), Request: r}, nil
}

func fuzzSeed(uri string, body string, extra string) []byte {
	h, _ := hexScheme{}.Sign(signatureInput("s3cret", body))
	return []byte(fmt.Sprintf("POST %s HTTP/1.1\r\nHost: listen.test\r\nContent-Type: application/json\r\nX-Test-Signature: %s\r\n%sContent-Length: %d\r\n\r\n%s",
		uri, h.Get("X-Test-Signature"), extra, len(body), body))
}

// FuzzServeHTTP feeds raw request bytes through http.ReadRequest, the
// limiter's checks and listen's handler. Whatever the bytes: no panic, an
// answer with a real status, and anything forwarded stays under the
// target's path, carries exactly the body that was read (its own
// Content-Length, no Transfer-Encoding) and was validly signed.
func FuzzServeHTTP(f *testing.F) {
	body := `{"id":"evt_1","type":"card.created"}`
	f.Add(fuzzSeed("/", body, ""))
	f.Add(fuzzSeed("/bond?x=1", body, ""))
	f.Add(fuzzSeed("/../../admin", body, ""))
	f.Add(fuzzSeed("/%2e%2e/admin", body, ""))
	f.Add(fuzzSeed("/a/../b/", body, "Connection: X-Test-Signature, Upgrade\r\nUpgrade: h2c\r\nTe: trailers\r\n"))
	f.Add(fuzzSeed("http://evil.example/admin", body, ""))
	f.Add(fuzzSeed("/", body, "Transfer-Encoding: chunked\r\n"))
	f.Add(fuzzSeed("/", body, "Expect: 100-continue\r\nX-Forwarded-For: 10.0.0.1\r\n"))
	f.Add(fuzzSeed("/", `{"type":"kyc.verification.success"}`, ""))
	f.Add([]byte("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n"))
	f.Add([]byte("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"))
	f.Add([]byte("OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n"))
	f.Fuzz(func(t *testing.T, raw []byte) {
		req, err := http.ReadRequest(bufio.NewReader(bytes.NewReader(raw)))
		if err != nil {
			return // Go's server answers 400 itself
		}
		req.RemoteAddr = "192.0.2.1:1234"
		target, _ := url.Parse("http://app.test/webhooks")
		tr := &captureTransport{}
		var out bytes.Buffer
		log := NewLogger(&out, true)
		defer log.Close()
		s, err := NewServer(Config{SchemeImpl: hexScheme{}, Secrets: []string{"s3cret"}, Target: target, Transport: tr,
			Log: log, MaxBody: 4096, Events: []string{"card.*"},
			Limits: httplimit.New(httplimit.Config{MaxBody: 4096})})
		if err != nil {
			t.Fatal(err)
		}
		rw := httptest.NewRecorder()
		s.cfg.Limits.Handler(s).ServeHTTP(rw, req)
		if rw.Code < 200 || rw.Code > 599 {
			t.Fatalf("status %d", rw.Code)
		}
		if tr.req == nil {
			return
		}
		fw := tr.req
		if fw.URL.Host != "app.test" || fw.URL.Scheme != "http" {
			t.Fatalf("forwarded to %s", fw.URL)
		}
		if p := path.Clean("/" + fw.URL.Path); p != "/webhooks" && !strings.HasPrefix(p, "/webhooks/") {
			t.Fatalf("forwarded out of the target: %q (from %q)", fw.URL.Path, req.RequestURI)
		}
		if fw.ContentLength != int64(len(tr.body)) || len(fw.TransferEncoding) > 0 || fw.Header.Get("Transfer-Encoding") != "" {
			t.Fatalf("forwarded framing: CL %d, TE %q, body %d", fw.ContentLength, fw.TransferEncoding, len(tr.body))
		}
		for _, h := range []string{"Connection", "Upgrade", "Te", "Keep-Alive", "Proxy-Authorization"} {
			if fw.Header.Get(h) != "" {
				t.Fatalf("hop-by-hop %s forwarded", h)
			}
		}
		if hexScheme.Verify(hexScheme{}, verifyInput("s3cret", tr.body, req.Header)) != nil {
			t.Fatalf("an unsigned body was forwarded")
		}
	})
}

func signatureInput(secret, body string) signature.SignInput {
	return signature.SignInput{Secrets: []string{secret}, Body: []byte(body)}
}

func verifyInput(secret string, body []byte, h http.Header) signature.VerifyInput {
	return signature.VerifyInput{Secrets: []string{secret}, Body: body, Header: h}
}

// The fuzz seeds reach the forward (so the fuzzer explores it).
func TestFuzzSeedIsForwarded(t *testing.T) {
	req, err := http.ReadRequest(bufio.NewReader(bytes.NewReader(fuzzSeed("/a/../b", `{"type":"card.created"}`, ""))))
	if err != nil {
		t.Fatal(err)
	}
	target, _ := url.Parse("http://app.test/webhooks")
	tr := &captureTransport{}
	log := NewLogger(io.Discard, true)
	defer log.Close()
	s, _ := NewServer(Config{SchemeImpl: hexScheme{}, Secrets: []string{"s3cret"}, Target: target, Transport: tr, Log: log})
	rw := httptest.NewRecorder()
	s.ServeHTTP(rw, req)
	if rw.Code != 200 || tr.req == nil || tr.req.URL.String() != "http://app.test/webhooks/b" {
		t.Fatalf("%d %s; forwarded %v", rw.Code, rw.Body, tr.req)
	}
}
