package store

import (
	"encoding/json"
	"reflect"
	"testing"
)

// TestHeaderBytesRoundTrip: EncodeHeaderBytes' JSON reads back, through
// DecodeHeaderBytes, as the bytes written (not UTF-8, a value that starts
// with the prefix itself, a name); UTF-8 headers are written as before
// (the same map, no copy), and a row written before (plain JSON, a
// U+FFFD already in it) reads as it is.
func TestHeaderBytesRoundTrip(t *testing.T) {
	h := map[string][]string{
		"X-Raw":    {"caf\xe9", "ok", "\xff"},
		"X-Prefix": {HeaderBytesPrefix + "AAAA"},
		"X-\xfe":   {"v"},
		"X-Nil":    nil,
	}
	b, err := json.Marshal(EncodeHeaderBytes(h))
	if err != nil {
		t.Fatal(err)
	}
	var back map[string][]string
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if got := DecodeHeaderBytes(back); !reflect.DeepEqual(got, h) {
		t.Errorf("round trip through %s:\n got %q\nwant %q", b, got, h)
	}
	if h["X-Raw"][0] != "caf\xe9" {
		t.Error("EncodeHeaderBytes changed its argument")
	}
	text := map[string][]string{"Content-Type": {"application/json"}, "X-Name": {"café"}}
	if got := EncodeHeaderBytes(text); reflect.ValueOf(got).Pointer() != reflect.ValueOf(text).Pointer() {
		t.Error("UTF-8 headers were copied")
	}
	var old map[string][]string
	if err := json.Unmarshal([]byte(`{"X-Raw":["caf\ufffd"],"X-A":["base64:AAAA"]}`), &old); err != nil {
		t.Fatal(err)
	}
	if got := DecodeHeaderBytes(old); got["X-Raw"][0] != "caf\uFFFD" || got["X-A"][0] != "base64:AAAA" {
		t.Errorf("an old row reads %q", got)
	}
}
