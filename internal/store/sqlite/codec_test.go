package sqlite

import (
	"encoding/json"
	"testing"

	"github.com/hookctl/hookctl/internal/store"
)

// The header encoder must write exactly what json.Marshal writes (the
// columns are read back with encoding/json, and stores written before it
// existed hold json.Marshal's output); jsonMap writes the headers with
// their bytes that are not UTF-8 kept (store.EncodeHeaderBytes), the
// rest as before.
func TestHeaderJSONMatchesEncodingJSON(t *testing.T) {
	cases := []map[string][]string{
		{"Content-Type": {"application/json"}, "User-Agent": {"hookctl/dev"}},
		{"X-Multi": {"a", "b", ""}, "X-Nil": nil, "X-Empty": {}},
		{"Webhook-Signature": {"v1,K5oZfzN95Z9UVu1EsfQmfVNQhnkZ2pj9o9NDN/H/pI4="}, "A": {"<script>&\"quote\"\\"}},
		{"Ctl": {"\x00\x01\b\f\n\r\t\x1f\x7f"}, "Uni": {"héllo ☃ \u2028\u2029 😀"}, "Bad": {"\xff\xfe ok \xc3"}},
		{"": {""}},
	}
	for _, m := range cases {
		want, err := json.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		if got := appendHeaderJSON(nil, m); string(got) != string(want) {
			t.Errorf("appendHeaderJSON(%q)\n got %s\nwant %s", m, got, want)
		}
		kept, err := json.Marshal(store.EncodeHeaderBytes(m))
		if err != nil {
			t.Fatal(err)
		}
		if got := jsonMap(m); got != string(kept) {
			t.Errorf("jsonMap(%q) = %v, want %s", m, got, kept)
		}
	}
	if jsonMap(map[string][]string{}) != nil {
		t.Error("an empty map must be stored as NULL")
	}
}
