package provider

import (
	"encoding/json"
	"reflect"
	"testing"
)

type fuzzInner struct {
	Name string `json:"name"`
}

type fuzzIn struct {
	URL     *string                 `json:"url"`
	Items   []fuzzInner             `json:"items"`
	ByKey   map[string]fuzzInner    `json:"byKey"`
	Payload json.RawMessage         `json:"payload"`
	Ptr     *fuzzInner              `json:"ptr"`
	Nested  map[string][]*fuzzInner `json:"nested"`
}

// FuzzSvixleftExactWalk: the in-place walk finds its way through every
// valid JSON body (it never gives up on one, which would leave a
// case-folded key to encoding/json), its renames are keys (quoted, in
// order, within the body) and the renamed body stays valid JSON.
func FuzzSvixleftExactWalk(f *testing.F) {
	for _, s := range []string{`{}`, `{"URL":"a","url":"b"}`, `{"items":[{"NAME":"x"}],"byKey":{"k":{"Name":1}}}`,
		`{"payload":{"URL":[1,{"x":"}"}]},"Ptr":{"nAme":"y"},"nested":{"a":[null,{"Name":"z"}]}}`, `[1,2]`, `"s"`, `{"\u0055rl":1}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		w := exactWalker{b: b}
		ok := w.value(reflect.TypeFor[fuzzIn]())
		if !json.Valid(b) {
			return
		}
		if !ok {
			t.Fatalf("the walk gave up on valid JSON %q", b)
		}
		out, last := []byte{}, 0
		for _, s := range w.renames {
			if s.from < last || s.to > len(b) || s.to-s.from < 2 || b[s.from] != '"' || b[s.to-1] != '"' {
				t.Fatalf("rename %v of %q is no key after %d", s, b, last)
			}
			out = append(append(out, b[last:s.from]...), `""`...)
			last = s.to
		}
		out = append(out, b[last:]...)
		if !json.Valid(out) {
			t.Fatalf("renamed %q to invalid %q", b, out)
		}
	})
}
