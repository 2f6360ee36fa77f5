package main

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/signature"
)

// A sender that gzips its webhooks (Content-Encoding: gzip, the signature
// over the compressed bytes, as it goes on the wire): the real listen
// verifies it, forwards the bytes and the coding untouched, and names the
// event by the id and type inside (it logged an rcv_ hash and no type, so
// deliveries list --event could not find it). A tampered one is refused
// for its signature, not as "not valid JSON".
func TestProvleftListenGzipWebhook(t *testing.T) {
	if _, err := exec.LookPath("hookctl"); err != nil {
		t.Skip("hookctl is not on PATH")
	}
	t.Parallel()
	var mu sync.Mutex
	type got struct {
		body []byte
		ce   string
	}
	var gots []got
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		gots = append(gots, got{b, r.Header.Get("Content-Encoding")})
		mu.Unlock()
		w.WriteHeader(200)
	}))
	defer app.Close()

	c := newCrashEnv(t)
	port := mustFreePort(t)
	const secret = "whsec_dGVzdHNlY3JldA=="
	stop := startListen(t, c, port, "--forward", app.URL+"/hooks", "--scheme", "stripe", "--secret", secret)

	var zb bytes.Buffer
	zw := gzip.NewWriter(&zb)
	io.WriteString(zw, `{"id":"evt_gz_1","object":"event","type":"invoice.paid","data":{"object":{"id":"in_1"}}}`)
	zw.Close()
	body := zb.Bytes()
	sc, err := signature.Lookup("stripe")
	if err != nil {
		t.Fatal(err)
	}
	post := func(b []byte) (int, string) {
		h, err := sc.Sign(signature.SignInput{Secrets: []string{secret}, Timestamp: time.Now(), Body: body})
		if err != nil {
			t.Fatal(err)
		}
		req, _ := http.NewRequest("POST", "http://127.0.0.1:"+port+"/", bytes.NewReader(b))
		for k, v := range h {
			req.Header[k] = v
		}
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Content-Encoding", "gzip")
		resp, err := (&http.Client{Timeout: 20 * time.Second}).Do(req)
		if err != nil {
			t.Fatal(err)
		}
		out, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		return resp.StatusCode, string(out)
	}
	if code, out := post(body); code != 200 {
		t.Fatalf("gzip'd, signed: %d %s", code, out)
	}
	tampered := append([]byte(nil), body...)
	tampered[len(tampered)-9] ^= 1 // the CRC: still gzip, other bytes
	if code, out := post(tampered); code != 401 || strings.Contains(out, "JSON") {
		t.Errorf("tampered: %d %s, want 401 for its signature", code, out)
	}
	mu.Lock()
	if len(gots) != 1 || !bytes.Equal(gots[0].body, body) || gots[0].ce != "gzip" {
		t.Errorf("the app got %d requests; first: %q (Content-Encoding %q), want the bytes sent, gzip", len(gots), gots[0].body, gots[0].ce)
	}
	mu.Unlock()
	out, errs := stop()
	if !strings.Contains(out, `"kind":"event","event_id":"evt_gz_1","event_type":"invoice.paid"`) {
		t.Errorf("listen's log does not name the event by its id and type:\n%s\n%s", out, errs)
	}
	if l := string(c.hookctl(0, "deliveries", "list", "--event", "invoice.paid")); !strings.Contains(l, "succeeded") {
		t.Errorf("deliveries list --event invoice.paid:\n%s", l)
	}
}
