package jsonmsg

import (
	"encoding/json"
	"errors"
	"testing"
)

func TestWords(t *testing.T) {
	type rec struct {
		S   string
		N   int
		B   bool
		L   []string
		M   map[string]string
		Raw []byte
		P   *struct{ X int }
	}
	for _, tc := range []struct{ in, found, want string }{
		{`{"S":5}`, "a number", "a string"},
		{`{"N":"x"}`, "a string", "a number"},
		{`{"N":1.5}`, "a number", "a number"},
		{`{"B":"true"}`, "a string", "a boolean"},
		{`{"L":{}}`, "an object", "an array"},
		{`{"M":[]}`, "an array", "an object"},
		{`{"Raw":{}}`, "an object", "a base64 string"},
		{`{"P":true}`, "a boolean", "an object"},
		{`[1]`, "an array", "an object"},
	} {
		var r rec
		var te *json.UnmarshalTypeError
		if err := json.Unmarshal([]byte(tc.in), &r); !errors.As(err, &te) {
			t.Fatalf("%s: %v, want a type error", tc.in, err)
		}
		if got := Found(te); got != tc.found {
			t.Errorf("%s: Found = %q, want %q", tc.in, got, tc.found)
		}
		if got := Want(te.Type); got != tc.want {
			t.Errorf("%s: Want = %q, want %q", tc.in, got, tc.want)
		}
	}
}
