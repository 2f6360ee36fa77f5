package store

import (
	"encoding/json"
	"reflect"
	"testing"
)

// TestInspbytesHeaderMapRoundTrip: EncodeHeaderMap's JSON (a delivery's
// or subscription's own headers, one value a name) reads back through
// DecodeHeaderMap as the bytes written (not UTF-8, a value that starts
// with the prefix itself, a name); UTF-8 sets are written as before (the
// same map, no copy), and a row written before (U+FFFD already in it)
// reads as it is.
func TestInspbytesHeaderMapRoundTrip(t *testing.T) {
	h := map[string]string{"X-Raw": "caf\xe9 \xff", "X-Prefix": HeaderBytesPrefix + "AAAA", "X-\xfe": "v", "X-Text": "café"}
	b, err := json.Marshal(EncodeHeaderMap(h))
	if err != nil {
		t.Fatal(err)
	}
	var back map[string]string
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if got := DecodeHeaderMap(back); !reflect.DeepEqual(got, h) {
		t.Errorf("round trip through %s:\n got %q\nwant %q", b, got, h)
	}
	if h["X-Raw"] != "caf\xe9 \xff" {
		t.Error("EncodeHeaderMap changed its argument")
	}
	text := map[string]string{"Authorization": "Bearer t0k3n", "X-Name": "café"}
	if got := EncodeHeaderMap(text); reflect.ValueOf(got).Pointer() != reflect.ValueOf(text).Pointer() {
		t.Error("UTF-8 headers were copied")
	}
	if DecodeHeaderMap(nil) != nil || EncodeHeaderMap(nil) != nil {
		t.Error("nil is not nil")
	}
	var old map[string]string
	if err := json.Unmarshal([]byte(`{"X-Raw":"caf\ufffd","X-A":"base64:AAAA"}`), &old); err != nil {
		t.Fatal(err)
	}
	if got := DecodeHeaderMap(old); got["X-Raw"] != "caf\uFFFD" || got["X-A"] != "base64:AAAA" {
		t.Errorf("an old row reads %q", got)
	}
}
