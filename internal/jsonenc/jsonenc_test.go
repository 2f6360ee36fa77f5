package jsonenc

import (
	"encoding/json"
	"testing"
)

var cases = []string{
	"", "plain", "application/json", `quote " and \ backslash`, "<script>&amp;</script>",
	"\x00\x01\b\f\n\r\t\x1f\x7f", "héllo ☃ \u2028\u2029 😀", "\xff\xfe ok \xc3", "v1,K5oZfzN95Z9UVu1EsfQmfVNQhnkZ2pj9o9NDN/H/pI4=",
}

// AppendString writes exactly what json.Marshal writes for a string.
func TestAppendStringMatchesEncodingJSON(t *testing.T) {
	for _, s := range cases {
		want, _ := json.Marshal(s)
		if got := AppendString([]byte("x"), s); string(got) != "x"+string(want) {
			t.Errorf("AppendString(%q) = %s, want x%s", s, got, want)
		}
	}
}

func FuzzAppendString(f *testing.F) {
	for _, s := range cases {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		want, _ := json.Marshal(s)
		if got := AppendString(nil, s); string(got) != string(want) {
			t.Fatalf("AppendString(%q) = %s, want %s", s, got, want)
		}
	})
}
