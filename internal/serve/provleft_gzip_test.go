package serve_test

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/hookctl/hookctl/internal/serve/servetest"
)

func gzipped(t *testing.T, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write(b)
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestProvleftCompressedBodiesRefused: a body sent with Content-Encoding:
// gzip was read as it came: Svix's API answered 422 "the request body is
// not valid JSON", Stripe's 400 "Received unknown parameter: \x1f\x8b…",
// Bond's and Mambu's "not valid JSON". None of the real APIs documents
// compressed request bodies (and Svix's own server decompresses none):
// every API of serve answers 415 in its own error shape, naming the
// coding, with Accept-Encoding: identity (RFC 9110 §12.5.3); the same
// body uncompressed (or with Content-Encoding: identity) is taken. A
// gzip bomb is refused before it is read, let alone inflated.
func TestProvleftCompressedBodiesRefused(t *testing.T) {
	e := servetest.Start(t, nil)
	bond := map[string]string{"Identity": "i", "Authorization": "k", "Content-Type": "application/json"}
	bearer := map[string]string{"Authorization": "Bearer sk_test_k", "Content-Type": "application/json"}
	form := map[string]string{"Authorization": "Bearer sk_test_k", "Content-Type": "application/x-www-form-urlencoded"}
	mambu := map[string]string{"apiKey": "k", "Content-Type": "application/json", "Accept": servetest.MambuV2Accept}
	cases := []struct {
		name, path string
		hdr        map[string]string
		body       string
		ok         int    // the answer to the body uncompressed
		shape      string // a key of the API's error envelope
	}{
		{"bond", "/api/v0/webhooks/", bond, `{"events":["card.created"],"callback_url":"` + e.Recv.URL + `"}`, 200, "Message"},
		{"stripe", "/v1/webhook_endpoints", form, "url=" + e.Recv.URL + "&enabled_events[]=*", 200, "error"},
		{"svix", "/api/v1/app/", bearer, `{"name":"gz"}`, 201, "detail"},
		{"mambu", "/api/communications/messages:search", mambu, `{"filterCriteria":[]}`, 200, "errors"},
		{"control", "/_hookctl/trigger", bearer, `{"type":"card.created"}`, 201, "error"},
	}
	for _, c := range cases {
		for _, enc := range []string{"gzip", "x-gzip", "deflate, gzip"} {
			hdr := map[string]string{"Content-Encoding": enc}
			for k, v := range c.hdr {
				hdr[k] = v
			}
			req, _ := http.NewRequest("POST", e.URL+c.path, bytes.NewReader(gzipped(t, []byte(c.body))))
			for k, v := range hdr {
				req.Header.Set(k, v)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			out, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			var doc map[string]any
			if resp.StatusCode != http.StatusUnsupportedMediaType || json.Unmarshal(out, &doc) != nil || doc[c.shape] == nil ||
				!strings.Contains(string(out), "Content-Encoding: "+enc) || strings.Contains(string(out), "not valid JSON") ||
				resp.Header.Get("Accept-Encoding") != "identity" {
				t.Errorf("%s %s with Content-Encoding %s: %d (Accept-Encoding %q) %s; want 415 in the API's shape (%q) naming the coding",
					c.name, c.path, enc, resp.StatusCode, resp.Header.Get("Accept-Encoding"), out, c.shape)
			}
		}
		hdr := map[string]string{"Content-Encoding": "identity"}
		for k, v := range c.hdr {
			hdr[k] = v
		}
		if code, out := e.Do("POST", c.path, hdr, c.body); code != c.ok {
			t.Errorf("%s %s uncompressed, Content-Encoding identity: %d %s", c.name, c.path, code, out)
		}
	}

	// A bomb: 64 MiB of zeros in 64 KiB; refused unread.
	var bomb bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&bomb, gzip.BestCompression)
	zw.Write(bytes.Repeat([]byte{0}, 64<<20))
	zw.Close()
	hdr := map[string]string{"Content-Encoding": "gzip"}
	for k, v := range bearer {
		hdr[k] = v
	}
	if code, out := e.Do("POST", "/api/v1/app/", hdr, bomb.Bytes()); code != http.StatusUnsupportedMediaType {
		t.Errorf("gzip bomb: %d %s", code, out)
	}
	// A GET's Content-Encoding with no body is nobody's business.
	if code, out := e.Do("GET", "/api/v1/app/", map[string]string{"Authorization": "Bearer k", "Content-Encoding": "gzip"}, nil); code != 200 {
		t.Errorf("GET with Content-Encoding and no body: %d %s", code, out)
	}
}
