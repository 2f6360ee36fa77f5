package catalog

import (
	"testing"
	"time"

	"github.com/tidwall/gjson"
)

// FuzzTemplate: any fixture text compiles or fails cleanly, and renders
// without panicking; a JSON body without {{…}} renders to itself.
func FuzzTemplate(f *testing.F) {
	for _, s := range []string{`{"a":"{{uuid @x}}","b":"{{uuid @x}}"}`, `{{now_unix -1h}}`, `{"a":"{{random_int 1 2}}"}`,
		`<x>{CLIENT_ID}</x>`, `{{`, `{{}}`, `{{minus @a @b}}`, `{"a":"\"{{now_unix}}"}`, `{{choice a|b c}}`, `{{random_amount 0 1e300}}`, `{{random_int 5 1e12}}`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		tm, err := compileTemplate([]byte(src), true, defaultPlaceholders)
		if err != nil {
			return
		}
		out := tm.render(&renderer{now: time.Unix(1700000000, 0).UTC()}, nil)
		if gjson.Valid(src) && !containsTemplate(src) && string(out) != src {
			t.Fatalf("plain JSON changed: %q -> %q", src, out)
		}
	})
}

func containsTemplate(s string) bool {
	for i := 0; i+1 < len(s); i++ {
		if s[i] == '{' && (s[i+1] == '{' || (s[i+1] >= 'A' && s[i+1] <= 'Z') || s[i+1] == '_') {
			return true
		}
	}
	return false
}

// FuzzOverride: any --set text is parsed or refused as a usage error, and
// an accepted override keeps a JSON body valid.
func FuzzOverride(f *testing.F) {
	for _, s := range []string{"a=1", "a.b.c=x", `a\.b=null`, "a.-1=2", "=", "a..b=1", "a.0.b=true"} {
		f.Add(s, "set")
	}
	f.Add(`a={"x":[1]}`, "set-json")
	f.Add("a.b", "unset")
	f.Fuzz(func(t *testing.T, text, op string) {
		ov, err := ParseOverride(op, text)
		if err != nil {
			return
		}
		body := []byte(`{"a":{"b":[1,2,{"c":"d"}]},"e":"f"}`)
		out, err := ApplyOverrides(body, []Override{ov})
		if err == nil && !gjson.ValidBytes(out) {
			t.Fatalf("%s %q made invalid JSON: %s", op, text, out)
		}
	})
}
