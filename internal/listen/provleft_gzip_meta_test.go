package listen

import (
	"bytes"
	"compress/gzip"
	"net/http"
	"runtime"
	"testing"
)

func gz(t *testing.T, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	zw.Write(b)
	zw.Close()
	return buf.Bytes()
}

// A gzip'd body (Content-Encoding: gzip) is named by the id and type
// inside it, Stripe's type after its data too; without the coding, or
// with another, the bytes are taken as they are. A bomb is inflated no
// further than metaInflateMax.
func TestProvleftEventMetaGzip(t *testing.T) {
	body := gz(t, []byte(`{"id":"evt_1","object":"event","data":{"object":{"id":"in_1"}},"type":"invoice.paid"}`))
	h := http.Header{"Content-Encoding": {"gzip"}}
	if m := eventMeta(h, body, "stripe", ""); m.id != "evt_1" || m.typ != "invoice.paid" {
		t.Errorf("gzip'd: id %q type %q", m.id, m.typ)
	}
	if m := eventMeta(http.Header{"Content-Encoding": {"br"}}, body, "stripe", ""); m.typ != "" || m.id[:4] != "rcv_" {
		t.Errorf("another coding: id %q type %q, want the bytes as they are", m.id, m.typ)
	}
	if m := eventMeta(http.Header{}, body, "stripe", ""); m.typ != "" {
		t.Errorf("no coding: type %q", m.typ)
	}
	bomb := gz(t, bytes.Repeat([]byte(" "), 16<<20))
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	m := eventMeta(h, bomb, "stripe", "")
	runtime.ReadMemStats(&after)
	if got := after.TotalAlloc - before.TotalAlloc; got > 8<<20 {
		t.Errorf("a 16 MiB bomb (%d bytes gzip'd) allocated %d bytes to name", len(bomb), got)
	}
	if m.typ != "" {
		t.Errorf("bomb: type %q", m.typ)
	}
}
