// Package jsonkeys lists a JSON object's keys in the order they were
// written, for tests holding documented output (README examples, -o json)
// to the real one key for key.
package jsonkeys

import (
	"bytes"
	"encoding/json"
	"testing"
)

// Of returns the keys of the JSON object b, in their order; it fails the
// test when b is not one.
func Of(tb testing.TB, b []byte) []string {
	tb.Helper()
	dec := json.NewDecoder(bytes.NewReader(b))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		tb.Fatalf("not a JSON object: %s", b)
	}
	var keys []string
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			tb.Fatalf("%s: %v", b, err)
		}
		keys = append(keys, tok.(string))
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			tb.Fatalf("%s: %v", b, err)
		}
	}
	return keys
}
