package listen

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"
)

// What listen remembers of each event it received (the duplicate check's
// ids, the recorder's written ids) is the id, not the request it came in:
// the fast server's header values are substrings of one string holding
// the whole header block, and an id kept as it was pinned that block. The
// soak (bench/soak.sh) found 30 MB of request heads held by the
// duplicate check's map after ~100,000 events of 300 bytes of headers;
// here the heads are over 3 KiB, so 4,000 events would pin 12 MB.
func TestSeenIDsDoNotPinRequestHeads(t *testing.T) {
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer app.Close()
	l, _, _ := startListener(t, app.URL, func(o *Options) { o.Out = io.Discard }) // (not a buffer that grows)
	defer l.Shutdown(context.Background())
	wh, err := standardwebhooks.NewWebhook(l.Sub.Secret)
	if err != nil {
		t.Fatal(err)
	}
	pad := strings.Repeat("p", 3<<10) // (the fast path reads heads of up to 4 KiB)
	c := &http.Client{}
	send := func(i int) {
		id := fmt.Sprintf("msg_retain_%d", i)
		body := []byte(fmt.Sprintf(`{"type":"invoice.paid","data":{"id":"in_%d"}}`, i))
		now := time.Now()
		sig, err := wh.Sign(id, now, body)
		if err != nil {
			t.Fatal(err)
		}
		req, _ := http.NewRequest("POST", l.URL()+"/", bytes.NewReader(body))
		req.Header.Set("webhook-id", id)
		req.Header.Set("webhook-timestamp", strconv.FormatInt(now.Unix(), 10))
		req.Header.Set("webhook-signature", sig)
		req.Header.Set("X-Pad", pad)
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("event %d: status %d", i, resp.StatusCode)
		}
	}
	settle := func(n int64) uint64 {
		for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(10 * time.Millisecond) {
			if w, _ := l.RecordCounts(); w >= n {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("%d records written after 30s, want %d", func() int64 { w, _ := l.RecordCounts(); return w }(), n)
			}
		}
		c.CloseIdleConnections()
		var ms runtime.MemStats
		runtime.GC()
		runtime.GC()
		runtime.ReadMemStats(&ms)
		return ms.HeapAlloc
	}
	const warm, n = 200, 4000
	for i := range warm {
		send(i)
	}
	before := settle(warm)
	for i := warm; i < warm+n; i++ {
		send(i)
	}
	after := settle(warm + n)
	if grew := int64(after) - int64(before); grew > 2<<20 {
		t.Fatalf("the heap grew by %.1f MB over %d events with 3 KiB of headers each (%.1f KB per event): their request heads are kept", float64(grew)/(1<<20), n, float64(grew)/n/1024)
	}
}
