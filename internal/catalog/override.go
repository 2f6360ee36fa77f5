package catalog

import (
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"github.com/tidwall/gjson"
	"github.com/tidwall/sjson"

	"github.com/hookctl/hookctl/internal/config"
	"github.com/hookctl/hookctl/internal/textdist"
)

// Override operations.
const (
	OpSet       = "set"
	OpSetString = "set-string"
	OpSetJSON   = "set-json"
	OpUnset     = "unset"
)

// Override is one --set / --set-string / --set-json / --unset.
type Override struct {
	Op    string // set | set-string | set-json | unset
	Path  string
	Value string
}

// ParseOverride parses the text of one --set/--set-string/--set-json
// (PATH=VALUE) or --unset (PATH) flag.
func ParseOverride(op, text string) (Override, error) {
	flag := "--" + op
	if op == OpUnset {
		if err := checkPath(text); err != nil {
			return Override{}, overrideErr(flag, text, err.Error())
		}
		return Override{Op: op, Path: text}, nil
	}
	p, v, ok := strings.Cut(text, "=")
	if !ok {
		return Override{}, overrideErr(flag, text, "want PATH=VALUE")
	}
	if err := checkPath(p); err != nil {
		return Override{}, overrideErr(flag, text, err.Error())
	}
	switch op {
	case OpSet, OpSetString:
	case OpSetJSON:
		if !gjson.Valid(v) {
			return Override{}, overrideErr(flag, text, "the value is not valid JSON")
		}
	default:
		return Override{}, fmt.Errorf("unknown override %q", op)
	}
	return Override{Op: op, Path: p, Value: v}, nil
}

func overrideErr(flag, text, why string) error {
	return &Error{
		Msg: fmt.Sprintf("malformed %s %q: %s", flag, text, why),
		HintList: []string{"paths are dot-separated keys and array indexes, e.g. " + flag + " " + exampleFor(flag) +
			"; escape a literal dot as \\."},
	}
}

func exampleFor(flag string) string {
	switch flag {
	case "--unset":
		return "data.meta"
	case "--set-json":
		return `'data.meta={"ref":"x"}'`
	}
	return "data.object.amount=1299"
}

// checkPath rejects paths sjson would misread: empty keys and wildcards.
func checkPath(p string) error {
	if p == "" {
		return fmt.Errorf("empty path")
	}
	esc := false
	empty := true
	for i := 0; i < len(p); i++ {
		c := p[i]
		switch {
		case esc:
			esc, empty = false, false
		case c == '\\':
			esc = true
		case c == '.':
			if empty {
				return fmt.Errorf("empty key in path %q", p)
			}
			empty = true
		case c == '*' || c == '?' || c == '|' || c == '#':
			return fmt.Errorf("%q in path %q (wildcards and modifiers are not supported)", string(c), p)
		default:
			empty = false
		}
	}
	if empty || esc {
		return fmt.Errorf("empty key at the end of path %q", p)
	}
	// sjson pads arrays with nulls up to an index: keep that bounded.
	for _, k := range strings.Split(p, ".") {
		if k == "" || strings.Trim(k, "0123456789") != "" {
			continue // not an index
		}
		// An index too long for an int is too large as well.
		if n, err := strconv.Atoi(k); err != nil || n > maxIndex {
			return fmt.Errorf("array index %s is too large (at most %d; for an object key write :%s)", k, maxIndex, k)
		}
	}
	return nil
}

const maxIndex = 10000

// ApplyOverrides applies overrides in order to a JSON body, preserving the
// bytes and key order of everything else. A missing path is created.
func ApplyOverrides(body []byte, ovs []Override) ([]byte, error) {
	var err error
	for _, o := range ovs {
		if o.Op != OpUnset {
			if err := checkParents(body, o); err != nil {
				return nil, err
			}
		}
		switch o.Op {
		case OpSet:
			var raw string
			if raw, err = keepType(body, o); err != nil {
				return nil, err
			}
			body, err = sjson.SetRawBytes(body, o.Path, []byte(raw))
		case OpSetString:
			body, err = sjson.SetBytes(body, o.Path, o.Value)
		case OpSetJSON:
			if !gjson.Valid(o.Value) {
				return nil, overrideErr("--set-json", o.Path+"="+o.Value, "the value is not valid JSON")
			}
			body, err = sjson.SetRawBytes(body, o.Path, []byte(o.Value))
		case OpUnset:
			if !gjson.GetBytes(body, o.Path).Exists() {
				e := &Error{Msg: fmt.Sprintf("--unset %s: the body has no such field", o.Path)}
				if near := nearPath(body, o.Path); near != "" {
					e.HintList = append(e.HintList, fmt.Sprintf("did you mean --unset %s?", near))
				}
				// Build names the type in place of TYPE.
				e.HintList = append(e.HintList, "see the body and its paths: hookctl events show TYPE")
				return nil, e
			}
			body, err = sjson.DeleteBytes(body, o.Path)
		default:
			return nil, fmt.Errorf("unknown override %q", o.Op)
		}
		if err != nil {
			text := o.Path
			if o.Op != OpUnset {
				text += "=" + o.Value
			}
			return nil, overrideErr("--"+o.Op, text, err.Error())
		}
	}
	return body, nil
}

// checkParents refuses a path that goes through an existing string, number
// or boolean: sjson would silently replace that value with a new
// object (--set card.last_four.x=1 dropped last_four). Replacing a field's
// type is said explicitly: --set-json on the field itself.
func checkParents(body []byte, o Override) error {
	keys := splitPath(o.Path)
	for i := 1; i < len(keys); i++ {
		parent := strings.Join(keys[:i], ".")
		cur := gjson.GetBytes(body, parent)
		if !cur.Exists() || cur.Type == gjson.Null {
			return nil // created from here on (null is filled, as keepType does)
		}
		if cur.IsObject() || cur.IsArray() {
			continue
		}
		kind := map[gjson.Type]string{gjson.String: "a string", gjson.Number: "a number",
			gjson.True: "a boolean", gjson.False: "a boolean"}[cur.Type]
		return &Error{
			Msg:      fmt.Sprintf("--%s %s=%s: %s is %s in this event, not an object or array", o.Op, o.Path, o.Value, parent, kind),
			HintList: []string{fmt.Sprintf("to replace it, say so: --set-json '%s={…}'", parent)},
		}
	}
	return nil
}

// nearPath is the field of body a --unset path with no field was most
// likely meant for: one whose path ends with it (last_four for
// card.last_four), else one at most two edits away (card.last_fuor), ""
// when none is. Array elements are left out: their indexes are typed.
func nearPath(body []byte, path string) string {
	var paths []string
	var walk func(prefix string, v gjson.Result, depth int)
	walk = func(prefix string, v gjson.Result, depth int) {
		if !v.IsObject() || depth > 8 || len(paths) > 2000 {
			return
		}
		v.ForEach(func(k, val gjson.Result) bool {
			key := strings.NewReplacer(".", `\.`, "*", `\*`, "?", `\?`).Replace(k.String())
			p := key
			if prefix != "" {
				p = prefix + "." + key
			}
			paths = append(paths, p)
			walk(p, val, depth+1)
			return true
		})
	}
	walk("", gjson.ParseBytes(body), 0)
	for _, p := range paths {
		if strings.HasSuffix(p, "."+path) {
			return p
		}
	}
	best, bestD := "", 3
	for _, p := range paths {
		if d := textdist.Distance(strings.ToLower(path), strings.ToLower(p)); d < bestD {
			best, bestD = p, d
		}
	}
	return best
}

// splitPath splits a path at its unescaped dots, keeping the escapes (each
// part is itself a path).
func splitPath(p string) []string {
	var parts []string
	start := 0
	for i := 0; i < len(p); i++ {
		switch p[i] {
		case '\\':
			i++ // the escaped character
		case '.':
			parts = append(parts, p[start:i])
			start = i + 1
		}
	}
	return append(parts, p[start:])
}

// keepType renders a --set value with the type of the field it replaces:
// a string stays a string (--set card.last_four=4242 sends "4242", as the
// provider does), a number must be a number and a boolean a boolean. A new
// field, or one that is null, is typed from the value (typedValue).
// --set-string and --set-json say the type explicitly.
func keepType(body []byte, o Override) (string, error) {
	cur := gjson.GetBytes(body, o.Path)
	if !cur.Exists() || cur.Type == gjson.Null {
		return typedValue(o.Value), nil
	}
	mismatch := func(kind string) error {
		return &Error{
			Msg: fmt.Sprintf("--set %s=%s: %s is %s in this event and %q is not", o.Path, o.Value, o.Path, kind, o.Value),
			HintList: []string{
				fmt.Sprintf("to change its type, say so: --set-string %s=%s or --set-json %s=<json>", o.Path, o.Value, o.Path),
			},
		}
	}
	switch cur.Type {
	case gjson.String:
		b, _ := sjson.Set("", "v", o.Value)
		return gjson.Get(b, "v").Raw, nil
	case gjson.Number:
		if jsonNumberRe().MatchString(o.Value) {
			return o.Value, nil
		}
		return "", mismatch("a number")
	case gjson.True, gjson.False:
		if o.Value == "true" || o.Value == "false" {
			return o.Value, nil
		}
		return "", mismatch("a boolean")
	}
	if cur.IsArray() {
		return "", mismatch("an array")
	}
	return "", mismatch("an object")
}

// typedValue renders a --set value: numbers, true, false and null as JSON,
// anything else as a JSON string.
func typedValue(v string) string {
	switch v {
	case "true", "false", "null":
		return v
	}
	if jsonNumberRe().MatchString(v) {
		return v
	}
	b, _ := sjson.Set("", "v", v)
	return gjson.Get(b, "v").Raw
}

// OverrideFlags is the flag bundle shared by `events show` and `trigger`:
// --set, --set-string, --set-json, --unset and --data. Overrides keep
// their command-line order.
type OverrideFlags struct {
	raw     []rawOverride
	Data    string
	dataSet bool
}

type dataValue struct{ f *OverrideFlags }

func (v *dataValue) String() string { return v.f.Data }
func (v *dataValue) Type() string   { return "data" }
func (v *dataValue) Set(s string) error {
	v.f.Data, v.f.dataSet = s, true
	return nil
}

type rawOverride struct{ op, text string }

type overrideValue struct {
	f  *OverrideFlags
	op string
}

func (v *overrideValue) String() string { return "" }
func (v *overrideValue) Type() string {
	if v.op == OpUnset {
		return "path"
	}
	return "path=value"
}
func (v *overrideValue) Set(s string) error {
	v.f.raw = append(v.f.raw, rawOverride{v.op, s})
	return nil
}

// Register adds the override flags to fs.
func (f *OverrideFlags) Register(fs *pflag.FlagSet) {
	fs.Var(&overrideValue{f, OpSet}, "set", "set a body field: `path=value`, keeping the field's type (a new field: numbers, true, false, null typed; repeatable)")
	fs.Var(&overrideValue{f, OpSetString}, "set-string", "set a body field to a string: `path=value` (repeatable)")
	fs.Var(&overrideValue{f, OpSetJSON}, "set-json", "set a body field to JSON: `path=json` (repeatable)")
	fs.Var(&overrideValue{f, OpUnset}, "unset", "remove a body field: `path` (repeatable)")
	fs.Var(&dataValue{f}, "data", "replace the whole body: `@file`, @- for stdin, or inline JSON")
}

// ReadsStdin reports whether --data @- reads the body from standard input
// (the caller says so first when that is a terminal, as sign does).
func (f *OverrideFlags) ReadsStdin() bool { return f.Data == "@-" }

// Changed reports whether any override or --data was given.
func (f *OverrideFlags) Changed() bool { return len(f.raw) > 0 || f.Data != "" || f.dataSet }

// Resolve parses the flags into the Overrides and Data of BuildOptions
// (reading --data @file or @- from stdin). Errors are usage errors (exit 2)
// naming the offending text.
func (f *OverrideFlags) Resolve(stdin io.Reader) (BuildOptions, error) {
	var o BuildOptions
	for _, r := range f.raw {
		ov, err := ParseOverride(r.op, r.text)
		if err != nil {
			return BuildOptions{}, err
		}
		o.Overrides = append(o.Overrides, ov)
	}
	if f.dataSet && f.Data == "" {
		return BuildOptions{}, &Error{Msg: "--data is empty",
			HintList: []string{"--data takes @FILE, @- for stdin, or inline JSON; leave it out to send the sample body"}}
	}
	if f.Data != "" {
		data, err := readData(f.Data, stdin)
		if err != nil {
			return BuildOptions{}, err
		}
		o.Data = data
	}
	return o, nil
}

func readData(spec string, stdin io.Reader) ([]byte, error) {
	var data []byte
	var err error
	switch {
	case spec == "@-":
		if stdin == nil {
			return nil, &Error{Msg: "--data @-: no standard input"}
		}
		data, err = io.ReadAll(stdin)
		if err != nil {
			return nil, &Error{Msg: fmt.Sprintf("--data @-: reading standard input: %v", err)}
		}
	case strings.HasPrefix(spec, "@"):
		data, err = os.ReadFile(spec[1:])
		if err != nil {
			msg := err.Error()
			if pe, ok := err.(*os.PathError); ok {
				msg = pe.Err.Error()
			}
			return nil, &Error{Msg: fmt.Sprintf("cannot read --data file %q: %s", spec[1:], msg),
				HintList: []string{"--data takes @FILE, @- for stdin, or inline JSON"}}
		}
	default:
		data = []byte(spec)
	}
	if len(strings.TrimSpace(string(data))) == 0 {
		return nil, &Error{Msg: fmt.Sprintf("--data %s is empty", spec)}
	}
	return data, nil
}

// RegisterFixturesFlag adds --fixtures DIR to fs, filled from the
// fixtures_dir config key when not given.
func RegisterFixturesFlag(fs *pflag.FlagSet, dir *string) {
	fs.StringVar(dir, "fixtures", "", "`dir`ectory of custom event fixtures (default ./"+DefaultFixturesDir+" when present; config fixtures_dir)")
	_ = fs.SetAnnotation("fixtures", config.FlagKeyAnnotation, []string{"fixtures_dir"})
	_ = fs.SetAnnotation("fixtures", cobra.BashCompSubdirsInDir, []string{})
}
