package catalog

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spf13/pflag"
)

func TestApplyOverrides(t *testing.T) {
	body := []byte(`{"b":1,"a":{"x":"y","n":[1,2]},"s":"keep"}`)
	for _, tc := range []struct {
		name string
		ops  []Override
		want string
	}{
		// --set keeps the type of the field it replaces (issue 20 item 9).
		{"string stays a string", []Override{{OpSet, "a.x", "12.50"}, {OpSet, "s", "null"}}, `{"b":1,"a":{"x":"12.50","n":[1,2]},"s":"null"}`},
		{"number stays a number", []Override{{OpSet, "b", "12.50"}}, `{"b":12.50,"a":{"x":"y","n":[1,2]},"s":"keep"}`},
		{"new fields typed", []Override{{OpSet, "t", "true"}, {OpSet, "u", "null"}, {OpSet, "v", "7"}, {OpSet, "w", "hi"}}, `{"b":1,"a":{"x":"y","n":[1,2]},"s":"keep","t":true,"u":null,"v":7,"w":"hi"}`},
		{"string", []Override{{OpSet, "s", "hello world"}}, `{"b":1,"a":{"x":"y","n":[1,2]},"s":"hello world"}`},
		{"quote escaped", []Override{{OpSet, "s", `say "hi"`}}, `{"b":1,"a":{"x":"y","n":[1,2]},"s":"say \"hi\""}`},
		{"set-json changes the type", []Override{{OpSetJSON, "s", "5"}}, `{"b":1,"a":{"x":"y","n":[1,2]},"s":5}`},
		{"set-string keeps number text", []Override{{OpSetString, "b", "007"}}, `{"b":"007","a":{"x":"y","n":[1,2]},"s":"keep"}`},
		{"set-json", []Override{{OpSetJSON, "a.x", `{"k":[true]}`}}, `{"b":1,"a":{"x":{"k":[true]},"n":[1,2]},"s":"keep"}`},
		{"missing path created", []Override{{OpSet, "c.d.e", "1"}}, `{"b":1,"a":{"x":"y","n":[1,2]},"s":"keep","c":{"d":{"e":1}}}`},
		{"array index", []Override{{OpSet, "a.n.1", "5"}}, `{"b":1,"a":{"x":"y","n":[1,5]},"s":"keep"}`},
		{"array append", []Override{{OpSet, "a.n.-1", "3"}}, `{"b":1,"a":{"x":"y","n":[1,2,3]},"s":"keep"}`},
		{"unset", []Override{{OpUnset, "a.x", ""}}, `{"b":1,"a":{"n":[1,2]},"s":"keep"}`},
		{"numeric object key", []Override{{OpSet, "a.:20240101", "1"}}, `{"b":1,"a":{"x":"y","n":[1,2],"20240101":1},"s":"keep"}`},
		{"escaped dot", []Override{{OpSet, `k\.v`, "1"}}, `{"b":1,"a":{"x":"y","n":[1,2]},"s":"keep","k.v":1}`},
		{"through an escaped dot", []Override{{OpSet, `k\.v`, "1"}, {OpSet, `a.x\.y.z`, "1"}}, `{"b":1,"a":{"x":"y","n":[1,2],"x.y":{"z":1}},"s":"keep","k.v":1}`},
		{"through null", []Override{{OpSetJSON, "u", "null"}, {OpSet, "u.v", "1"}}, `{"b":1,"a":{"x":"y","n":[1,2]},"s":"keep","u":{"v":1}}`},
		{"in order", []Override{{OpSet, "b", "1"}, {OpUnset, "b", ""}, {OpSet, "b", "2"}}, `{"a":{"x":"y","n":[1,2]},"s":"keep","b":2}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ApplyOverrides(append([]byte(nil), body...), tc.ops)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tc.want {
				t.Errorf("got  %s\nwant %s", got, tc.want)
			}
		})
	}
}

// What --set cannot do without changing a field's type, and --unset of a
// field that is not there, are errors naming the way to say it.
func TestApplyOverridesRefused(t *testing.T) {
	body := []byte(`{"b":1,"a":{"x":"y","n":[1,2]},"ok":true}`)
	for _, tc := range []struct {
		op   Override
		want string
	}{
		{Override{OpSet, "b", "hello"}, `--set b=hello: b is a number in this event and "hello" is not`},
		{Override{OpSet, "ok", "yes"}, `--set ok=yes: ok is a boolean`},
		{Override{OpSet, "a", "x"}, `a is an object`},
		{Override{OpSet, "a.n", "x"}, `a.n is an array`},
		{Override{OpUnset, "zz", ""}, `--unset zz: the body has no such field`},
		// A path through a scalar would drop it for a new object.
		{Override{OpSet, "a.x.k", "1"}, `--set a.x.k=1: a.x is a string in this event, not an object or array`},
		{Override{OpSetString, "b.c", "1"}, `--set-string b.c=1: b is a number in this event`},
		{Override{OpSetJSON, "ok.k.l", "{}"}, `ok is a boolean in this event`},
		{Override{OpSet, "a.n.0.k", "1"}, `a.n.0 is a number in this event`},
	} {
		_, err := ApplyOverrides(append([]byte(nil), body...), []Override{tc.op})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: err = %v, want %q", tc.op, err, tc.want)
		}
	}
}

func TestParseOverrideErrors(t *testing.T) {
	for _, tc := range []struct{ op, text, want string }{
		{OpSet, "novalue", `malformed --set "novalue": want PATH=VALUE`},
		{OpSet, "=1", `malformed --set "=1": empty path`},
		{OpSet, "a..b=1", `malformed --set "a..b=1": empty key`},
		{OpSet, ".a=1", `malformed --set ".a=1": empty key`},
		{OpSet, "a.=1", `malformed --set "a.=1": empty key at the end`},
		{OpSet, "a.*=1", `malformed --set "a.*=1": "*" in path`},
		{OpSetJSON, "a={bad", `malformed --set-json "a={bad": the value is not valid JSON`},
		{OpSetString, "x", `malformed --set-string "x": want PATH=VALUE`},
		{OpUnset, "a.#", `malformed --unset "a.#": "#" in path`},
		{OpUnset, "", `malformed --unset "": empty path`},
		{OpSet, "a.99999999=1", `malformed --set "a.99999999=1": array index 99999999 is too large (at most 10000; for an object key write :99999999)`},
	} {
		_, err := ParseOverride(tc.op, tc.text)
		if err == nil || !strings.HasPrefix(err.Error(), tc.want) {
			t.Errorf("%s %q: got %v, want %s…", tc.op, tc.text, err, tc.want)
			continue
		}
		var ce interface{ ExitCode() int }
		if !errors.As(err, &ce) || ce.ExitCode() != 2 {
			t.Errorf("%s %q: want exit code 2", tc.op, tc.text)
		}
	}
}

func TestOverrideFlags(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "body.json")
	if err := os.WriteFile(file, []byte(`{"from":"file"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	var f OverrideFlags
	fs := pflag.NewFlagSet("x", pflag.ContinueOnError)
	f.Register(fs)
	err := fs.Parse([]string{"--set", "a=1", "--unset", "b", "--set-json", `c={"d":1}`, "--set-string", "e=2", "--set", "f=x", "--data", "@" + file})
	if err != nil {
		t.Fatal(err)
	}
	bo, err := f.Resolve(nil)
	if err != nil {
		t.Fatal(err)
	}
	want := []Override{{OpSet, "a", "1"}, {OpUnset, "b", ""}, {OpSetJSON, "c", `{"d":1}`}, {OpSetString, "e", "2"}, {OpSet, "f", "x"}}
	if len(bo.Overrides) != len(want) {
		t.Fatalf("overrides %v", bo.Overrides)
	}
	for i := range want {
		if bo.Overrides[i] != want[i] {
			t.Errorf("override %d = %+v, want %+v (command-line order)", i, bo.Overrides[i], want[i])
		}
	}
	if string(bo.Data) != `{"from":"file"}` {
		t.Errorf("data %q", bo.Data)
	}

	for _, tc := range []struct {
		data, stdin, want string
	}{
		{"@-", `{"from":"stdin"}`, ""},
		{"@" + filepath.Join(dir, "nope.json"), "", `cannot read --data file "` + filepath.Join(dir, "nope.json") + `": no such file or directory`},
		{"@-", "  \n", "--data @- is empty"},
		{`{"inline":true}`, "", ""},
	} {
		g := OverrideFlags{Data: tc.data}
		bo, err := g.Resolve(strings.NewReader(tc.stdin))
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("--data %s: %v", tc.data, err)
		case tc.want != "" && (err == nil || err.Error() != tc.want):
			t.Errorf("--data %s: got %v, want %s", tc.data, err, tc.want)
		case tc.want == "" && tc.stdin != "" && string(bo.Data) != tc.stdin:
			t.Errorf("--data @-: %q", bo.Data)
		}
	}
}
