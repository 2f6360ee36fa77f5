package catalog

import (
	"bytes"
	"embed"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/tidwall/gjson"
	"go.yaml.in/yaml/v3"

	"github.com/hookctl/hookctl/internal/config"
	"github.com/hookctl/hookctl/internal/signature"
)

//go:embed builtin
var builtinFS embed.FS

// The built-in fixture files again as strings: embed.FS.ReadFile copies
// (~600 KB on every Load), a string embed does not, and the parsed
// descriptions and bodies stay substrings of the binary's read-only data.
// TestBuiltinFilesComplete checks this list against the directory.
var (
	//go:embed builtin/bond.json
	builtinBond string
	//go:embed builtin/github.json
	builtinGitHub string
	//go:embed builtin/mambu.json
	builtinMambu string
	//go:embed builtin/mono.json
	builtinMono string
	//go:embed builtin/saas.json
	builtinSaaS string
	//go:embed builtin/standard.json
	builtinStandard string
	//go:embed builtin/stripe.json
	builtinStripe string
)

// builtinFiles are the built-in fixture files in directory order.
func builtinFiles() []struct{ name, data string } {
	return []struct{ name, data string }{
		{"builtin/bond.json", builtinBond},
		{"builtin/github.json", builtinGitHub},
		{"builtin/mambu.json", builtinMambu},
		{"builtin/mono.json", builtinMono},
		{"builtin/saas.json", builtinSaaS},
		{"builtin/standard.json", builtinStandard},
		{"builtin/stripe.json", builtinStripe},
	}
}

// rawFixture is one fixture entry as read from a file.
type rawFixture struct {
	typ, provider, description, scheme, contentType, method string
	body                                                    string // JSON as written
	hasBody                                                 bool
	template, templateFile                                  string
	hasTemplate                                             bool
	placeholders                                            map[string]string
	line, bodyLine                                          int
	bodyOff                                                 int    // of a JSON body in the file
	data                                                    []byte // the whole file, to find lines
	lines                                                   map[string]int
}

// at is the line of a field's value (the fixture's line when absent).
func (r *rawFixture) at(key string) int {
	if l, ok := r.lines[key]; ok {
		return l
	}
	return r.line
}

var fixtureKeys = []string{"type", "provider", "description", "scheme", "content_type", "method", "body", "template", "template_file", "placeholders"}

// FixtureError is a problem in a fixture file, with its file and line.
type FixtureError struct {
	File string
	Line int
	Msg  string
	Hint string
}

func (e *FixtureError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg)
	}
	return fmt.Sprintf("%s: %s", e.File, e.Msg)
}

// Hints says what to do.
func (e *FixtureError) Hints() []string {
	if e.Hint == "" {
		return nil
	}
	return []string{e.Hint}
}

// ExitCode: a bad fixture is bad input.
func (e *FixtureError) ExitCode() int { return 2 }

// loadBuiltins builds the built-in event types. Files the generated index
// (builtin_index.go) covers, with the same length as when it was
// generated, are not parsed: their types come from the index and their
// bodies are slices of the embedded file (compiled on first use). The
// others are parsed.
func loadBuiltins() ([]*EventType, error) {
	files := builtinFiles()
	out := make([]*EventType, 0, len(builtinIndex)+16)
	for i, f := range files {
		if ets, ok := indexedBuiltins(i, f.data); ok {
			out = append(out, ets...)
			continue
		}
		ets, err := parseBuiltin(f.name, f.data)
		if err != nil {
			return nil, err
		}
		out = append(out, ets...)
	}
	return out, nil
}

// indexedBuiltins builds file i's types from builtinIndex; false when the
// index does not cover it or is stale.
func indexedBuiltins(i int, data string) ([]*EventType, bool) {
	if i >= len(builtinIndexLen) || builtinIndexLen[i] < 0 || builtinIndexLen[i] != len(data) {
		return nil, false
	}
	var n int
	for k := range builtinIndex {
		if int(builtinIndex[k].file) == i {
			n++
		}
	}
	ets := make([]EventType, n)
	out := make([]*EventType, 0, n)
	for k := range builtinIndex {
		x := &builtinIndex[k]
		if int(x.file) != i {
			continue
		}
		end := int(x.off) + int(x.n)
		if end > len(data) || x.n < 2 || (data[x.off] != '{' && data[x.off] != '[') || (data[end-1] != '}' && data[end-1] != ']') {
			return nil, false
		}
		et := &ets[len(out)]
		et.Type, et.Provider, et.Description = x.typ, x.provider, x.description
		et.Scheme, et.ContentType, et.Method = x.scheme, x.contentType, x.method
		et.Origin = "builtin"
		et.src = data[x.off:end]
		out = append(out, et)
	}
	return out, true
}

// parseBuiltin parses one built-in fixture file.
func parseBuiltin(name, data string) ([]*EventType, error) {
	raws, err := parseJSONFixtures(name, data, nil)
	if err != nil {
		return nil, err
	}
	out := make([]*EventType, 0, len(raws))
	for _, r := range raws {
		et, err := r.eventType(name, func(p string) ([]byte, error) {
			return builtinFS.ReadFile(path.Join("builtin", p))
		}, false)
		if err != nil {
			return nil, err
		}
		et.Origin = "builtin"
		out = append(out, et)
	}
	return out, nil
}

// loadDir reads every .json, .yaml and .yml file under dir (sorted).
func loadDir(dir string) ([]*EventType, error) {
	var files []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if p != dir && strings.HasPrefix(d.Name(), ".") {
				return filepath.SkipDir
			}
			return nil
		}
		switch strings.ToLower(filepath.Ext(p)) {
		case ".json", ".yaml", ".yml":
			files = append(files, p)
		}
		return nil
	})
	if err != nil {
		return nil, &Error{Msg: fmt.Sprintf("reading fixtures: %v", err)}
	}
	sort.Strings(files)
	var out []*EventType
	seen := map[string]string{}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			return nil, &FixtureError{File: rel(f), Msg: err.Error()}
		}
		var raws []*rawFixture
		if strings.EqualFold(filepath.Ext(f), ".json") {
			raws, err = parseJSONFixtures(rel(f), string(data), data)
		} else {
			raws, err = parseYAMLFixtures(rel(f), data)
		}
		if err != nil {
			return nil, err
		}
		for _, r := range raws {
			et, err := r.eventType(rel(f), func(p string) ([]byte, error) {
				return os.ReadFile(filepath.Join(filepath.Dir(f), p))
			}, true)
			if err != nil {
				return nil, err
			}
			et.Origin = rel(f)
			q := et.QualifiedName()
			if prev, ok := seen[q]; ok {
				return nil, &FixtureError{File: rel(f), Line: r.line, Msg: fmt.Sprintf("event %s is already defined in %s", q, prev)}
			}
			seen[q] = fmt.Sprintf("%s:%d", rel(f), r.line)
			out = append(out, et)
		}
	}
	return out, nil
}

// lineCol turns a byte offset into a 1-based line and column.
func lineCol(data []byte, off int) (int, int) {
	if off > len(data) {
		off = len(data)
	}
	if off < 0 {
		off = 0
	}
	line := 1 + bytes.Count(data[:off], []byte{'\n'})
	col := off - bytes.LastIndexByte(data[:off], '\n')
	return line, col
}

// parseJSONFixtures reads a JSON fixture file. lineData is the file's
// bytes, to validate it and give fields their lines; nil for the embedded,
// tested built-ins, which skip both (their lines are 0).
func parseJSONFixtures(file, data string, lineData []byte) ([]*rawFixture, error) {
	if lineData != nil && !gjson.Valid(data) {
		var v any
		err := json.Unmarshal(lineData, &v)
		var se *json.SyntaxError
		if errors.As(err, &se) {
			line, col := lineCol(lineData, int(se.Offset)-1)
			return nil, &FixtureError{File: file, Line: line, Msg: fmt.Sprintf("invalid JSON (column %d): %s", col, se.Error())}
		}
		msg := "invalid JSON"
		if err != nil {
			msg += ": " + err.Error()
		}
		return nil, &FixtureError{File: file, Line: 1, Msg: msg}
	}
	root := gjson.Parse(data)
	if !root.IsArray() && !root.IsObject() {
		return nil, &FixtureError{File: file, Line: 1, Msg: "want a fixture object or an array of them"}
	}
	// Line numbers from one index of newlines, not a scan per field.
	var nl []int
	for i, c := range lineData {
		if c == '\n' {
			nl = append(nl, i)
		}
	}
	lineAt := func(off int) int {
		if lineData == nil {
			return 0
		}
		return 1 + sort.SearchInts(nl, off)
	}
	var out []*rawFixture
	var ferr error
	item := func(it gjson.Result) bool {
		line := lineAt(it.Index)
		if !it.IsObject() {
			ferr = &FixtureError{File: file, Line: line, Msg: "want a fixture object"}
			return false
		}
		r := &rawFixture{line: line, data: lineData}
		it.ForEach(func(k, v gjson.Result) bool {
			vline := lineAt(v.Index)
			key := k.String()
			switch key {
			case "body":
				if !v.IsObject() && !v.IsArray() {
					ferr = &FixtureError{File: file, Line: vline, Msg: "body must be a JSON object or array", Hint: "for XML or text bodies use template: with content_type"}
					return false
				}
				// Compacted when first compiled (Load stays cheap).
				r.body, r.hasBody, r.bodyLine, r.bodyOff = v.Raw, true, vline, v.Index
			case "placeholders":
				if !v.IsObject() {
					ferr = &FixtureError{File: file, Line: vline, Msg: "placeholders must be an object of NAME: \"{{function …}}\""}
					return false
				}
				r.placeholders = map[string]string{}
				v.ForEach(func(pk, pv gjson.Result) bool {
					r.placeholders[pk.String()] = pv.String()
					return true
				})
			default:
				if v.Type != gjson.String {
					if isFixtureKey(key) {
						ferr = &FixtureError{File: file, Line: vline, Msg: fmt.Sprintf("%s must be a string", key)}
					} else {
						ferr = unknownKey(file, vline, key)
					}
					return false
				}
				if err := r.setString(key, v.Str, vline); err != nil {
					ferr = err
					var fe *FixtureError
					if errors.As(err, &fe) && fe.File == "" {
						fe.File = file
					}
					return false
				}
			}
			return true
		})
		if ferr != nil {
			return false
		}
		out = append(out, r)
		return true
	}
	// One pass over the file (Array() then ForEach would scan it twice).
	if root.IsArray() {
		root.ForEach(func(_, it gjson.Result) bool { return item(it) })
	} else {
		item(root)
	}
	if ferr != nil {
		return nil, ferr
	}
	return out, nil
}

func isFixtureKey(k string) bool {
	for _, x := range fixtureKeys {
		if x == k {
			return true
		}
	}
	return false
}

func unknownKey(file string, line int, key string) error {
	fe := &FixtureError{File: file, Line: line, Msg: fmt.Sprintf("unknown field %q", key)}
	if s := suggest(key, fixtureKeys); s != "" {
		fe.Hint = fmt.Sprintf("did you mean %q?", s)
	} else {
		fe.Hint = "fields: " + strings.Join(fixtureKeys, ", ")
	}
	return fe
}

func (r *rawFixture) setString(key, val string, line int) error {
	if r.lines == nil {
		r.lines = map[string]int{}
	}
	r.lines[key] = line
	switch key {
	case "type":
		r.typ = val
	case "provider":
		r.provider = val
	case "description":
		r.description = val
	case "scheme":
		r.scheme = val
	case "content_type":
		r.contentType = val
	case "method":
		r.method = val
	case "template":
		r.template, r.hasTemplate, r.bodyLine = val, true, line
	case "template_file":
		r.templateFile, r.bodyLine = val, line
	default:
		return unknownKey("", line, key)
	}
	return nil
}

var yamlLineRe = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^yaml: line (\d+): (.*)$`) })

func parseYAMLFixtures(file string, data []byte) ([]*rawFixture, error) {
	// Every document of the file (fixtures separated by ---), each one
	// fixture or a list of them: yaml.Unmarshal read the first alone and
	// silently dropped the others, and whatever followed a first value
	// written in flow style ({type: a, …}).
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var items []*yaml.Node
	docs, last := 0, 0
	for {
		var doc yaml.Node
		err := dec.Decode(&doc)
		if err == io.EOF {
			break
		}
		if err != nil {
			// The line an editor shows: yaml.v3's parser counts from 0.
			msg := config.YAMLErrorLine(err.Error(), data)
			if docs > 0 && strings.Contains(msg, "did not find expected <document start>") {
				return nil, &FixtureError{File: file, Line: last, Msg: "invalid YAML: more follows the value on this line",
					Hint: "write one fixture, a list of them, or fixtures separated by a line of ---"}
			}
			if m := yamlLineRe().FindStringSubmatch(msg); m != nil {
				line, _ := strconv.Atoi(m[1])
				return nil, &FixtureError{File: file, Line: line, Msg: "invalid YAML: " + m[2]}
			}
			return nil, &FixtureError{File: file, Msg: "invalid YAML: " + strings.TrimPrefix(msg, "yaml: ")}
		}
		docs++
		if len(doc.Content) == 0 || doc.Content[0].Tag == "!!null" {
			continue // an empty document (a closing ---)
		}
		root := doc.Content[0]
		last = root.Line
		switch root.Kind {
		case yaml.SequenceNode:
			items = append(items, root.Content...)
		case yaml.MappingNode:
			items = append(items, root)
		default:
			return nil, &FixtureError{File: file, Line: root.Line, Msg: "want a fixture mapping or a list of them"}
		}
	}
	if len(items) == 0 && last == 0 {
		return nil, &FixtureError{File: file, Line: 1, Msg: "empty fixture file"}
	}
	var out []*rawFixture
	for _, it := range items {
		if it.Kind != yaml.MappingNode {
			return nil, &FixtureError{File: file, Line: it.Line, Msg: "want a fixture mapping"}
		}
		r := &rawFixture{line: it.Line, data: data}
		for i := 0; i+1 < len(it.Content); i += 2 {
			k, v := it.Content[i], it.Content[i+1]
			switch k.Value {
			case "body":
				if v.Kind != yaml.MappingNode && v.Kind != yaml.SequenceNode {
					return nil, &FixtureError{File: file, Line: v.Line, Msg: "body must be a mapping or a list", Hint: "for XML or text bodies use template: with content_type"}
				}
				var buf bytes.Buffer
				if err := yamlToJSON(&buf, v); err != nil {
					return nil, &FixtureError{File: file, Line: v.Line, Msg: "body: " + err.Error()}
				}
				r.body, r.hasBody, r.bodyLine = buf.String(), true, v.Line
			case "placeholders":
				if v.Kind != yaml.MappingNode {
					return nil, &FixtureError{File: file, Line: v.Line, Msg: "placeholders must be a mapping of NAME: \"{{function …}}\""}
				}
				r.placeholders = map[string]string{}
				for j := 0; j+1 < len(v.Content); j += 2 {
					r.placeholders[v.Content[j].Value] = v.Content[j+1].Value
				}
			default:
				if !isFixtureKey(k.Value) {
					return nil, unknownKey(file, k.Line, k.Value)
				}
				if v.Kind != yaml.ScalarNode {
					return nil, &FixtureError{File: file, Line: v.Line, Msg: fmt.Sprintf("%s must be a string", k.Value)}
				}
				if err := r.setString(k.Value, v.Value, v.Line); err != nil {
					return nil, err
				}
			}
		}
		out = append(out, r)
	}
	return out, nil
}

// yamlToJSON writes a YAML node as compact JSON in document order.
func yamlToJSON(w *bytes.Buffer, n *yaml.Node) error {
	switch n.Kind {
	case yaml.AliasNode:
		return yamlToJSON(w, n.Alias)
	case yaml.DocumentNode:
		if len(n.Content) == 0 {
			w.WriteString("null")
			return nil
		}
		return yamlToJSON(w, n.Content[0])
	case yaml.MappingNode:
		w.WriteByte('{')
		for i := 0; i+1 < len(n.Content); i += 2 {
			if i > 0 {
				w.WriteByte(',')
			}
			k := n.Content[i]
			if k.Tag == "!!merge" {
				return fmt.Errorf("line %d: merge keys (<<) are not supported", k.Line)
			}
			writeJSONString(w, k.Value)
			w.WriteByte(':')
			if err := yamlToJSON(w, n.Content[i+1]); err != nil {
				return err
			}
		}
		w.WriteByte('}')
	case yaml.SequenceNode:
		w.WriteByte('[')
		for i, c := range n.Content {
			if i > 0 {
				w.WriteByte(',')
			}
			if err := yamlToJSON(w, c); err != nil {
				return err
			}
		}
		w.WriteByte(']')
	case yaml.ScalarNode:
		switch n.ShortTag() {
		case "!!null":
			w.WriteString("null")
		case "!!bool":
			var b bool
			if err := n.Decode(&b); err != nil {
				return err
			}
			w.WriteString(strconv.FormatBool(b))
		case "!!int", "!!float":
			if jsonNumberRe().MatchString(n.Value) {
				w.WriteString(n.Value)
				return nil
			}
			var f float64
			if err := n.Decode(&f); err != nil {
				return err
			}
			s := strconv.FormatFloat(f, 'f', -1, 64)
			if !jsonNumberRe().MatchString(s) {
				return fmt.Errorf("line %d: %q is not a JSON number", n.Line, n.Value)
			}
			w.WriteString(s)
		case "!!timestamp":
			writeJSONString(w, n.Value)
		default:
			writeJSONString(w, n.Value)
		}
	}
	return nil
}

var jsonNumberRe = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?$`) })

func writeJSONString(w *bytes.Buffer, s string) {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s)
	w.Truncate(w.Len() - 1) // Encode adds a newline
}

var validMethods = []string{"POST", "PUT", "PATCH"}

// eventType validates a raw fixture. compileNow compiles and test-renders
// the template (custom fixtures: errors surface at Load with file:line).
func (r *rawFixture) eventType(file string, readFile func(string) ([]byte, error), compileNow bool) (*EventType, error) {
	fail := func(line int, hint, format string, args ...any) error {
		return &FixtureError{File: file, Line: line, Msg: fmt.Sprintf(format, args...), Hint: hint}
	}
	if r.typ == "" {
		return nil, fail(r.line, "add type: my.event", "missing type")
	}
	if strings.ContainsAny(r.typ, " \t:*") {
		return nil, fail(r.at("type"), "", "invalid type %q: no spaces, ':' or '*'", r.typ)
	}
	if r.provider == "" {
		r.provider = "standard"
	}
	if !knownProvider(r.provider) {
		hint := "providers: " + strings.Join(Providers(), ", ")
		if s := suggest(r.provider, Providers()); s != "" {
			hint = fmt.Sprintf("did you mean %q?", s)
		}
		return nil, fail(r.at("provider"), hint, "unknown provider %q", r.provider)
	}
	et := &EventType{Type: r.typ, Provider: r.provider, Description: r.description, Scheme: r.scheme, ContentType: r.contentType, Method: strings.ToUpper(r.method)}
	if et.Scheme == "" {
		et.Scheme = SchemeFor(r.provider)
	} else if _, err := signature.Lookup(et.Scheme); err != nil {
		hint := "schemes: " + strings.Join(signature.Names(), ", ")
		if s := suggest(et.Scheme, signature.Names()); s != "" {
			hint = fmt.Sprintf("did you mean %q?", s)
		}
		return nil, fail(r.at("scheme"), hint, "unknown scheme %q", et.Scheme)
	} else {
		et.Scheme = strings.ToLower(et.Scheme)
	}
	if et.Method == "" {
		et.Method = "POST"
	}
	okMethod := false
	for _, m := range validMethods {
		okMethod = okMethod || m == et.Method
	}
	if !okMethod {
		return nil, fail(r.at("method"), "use POST, PUT or PATCH", "invalid method %q", r.method)
	}
	n := 0
	for _, b := range []bool{r.hasBody, r.hasTemplate, r.templateFile != ""} {
		if b {
			n++
		}
	}
	if n != 1 {
		return nil, fail(r.line, "give exactly one of body:, template: or template_file:", "event %s needs one body", r.typ)
	}
	switch {
	case r.hasBody:
		if et.ContentType == "" {
			et.ContentType = ContentJSON
		}
		if !et.IsJSON() {
			return nil, fail(r.bodyLine, "use template: for XML or text bodies", "body: is JSON but content_type is %s", et.ContentType)
		}
		et.src = r.body
	default:
		src := r.template
		if r.templateFile != "" {
			b, err := readFile(r.templateFile)
			if err != nil {
				return nil, fail(r.bodyLine, "template_file is relative to the fixture file", "cannot read template_file %q: %v", r.templateFile, errors.Unwrap(err))
			}
			src = string(b)
		}
		if et.ContentType == "" {
			et.ContentType = sniffContentType(src)
		}
		et.src = src
		et.placeholders = make(map[string]string, len(defaultPlaceholders)+len(r.placeholders))
		for k, v := range defaultPlaceholders {
			et.placeholders[k] = v
		}
		for k, v := range r.placeholders {
			et.placeholders[k] = v
		}
	}
	if compileNow {
		t, err := et.compiled()
		if err != nil {
			var te *TemplateError
			if errors.As(err, &te) {
				return nil, fail(r.lineOf(te.Text), te.Hint, "%s", te.Error())
			}
			return nil, fail(r.bodyLine, "", "%v", err)
		}
		if err := checkRendered(et, t); err != nil {
			return nil, fail(r.bodyLine, "", "the template does not render valid %s: %v", et.ContentType, err)
		}
	}
	return et, nil
}

// lineOf finds the line of text at or after the body (the body line when
// not found, e.g. in a template_file).
func (r *rawFixture) lineOf(text string) int {
	if len(text) > 16 {
		text = text[:16]
	}
	if r.data == nil || r.bodyLine < 1 || text == "" {
		return r.bodyLine
	}
	off := 0
	for l := 1; l < r.bodyLine; l++ {
		i := bytes.IndexByte(r.data[off:], '\n')
		if i < 0 {
			return r.bodyLine
		}
		off += i + 1
	}
	i := bytes.Index(r.data[off:], []byte(text))
	if i < 0 {
		return r.bodyLine
	}
	l, _ := lineCol(r.data, off+i)
	return l
}

func sniffContentType(src string) string {
	s := strings.TrimSpace(src)
	switch {
	case len(s) > 0 && s[0] == '<':
		return ContentXML
	case len(s) > 0 && (s[0] == '{' || s[0] == '['):
		return ContentJSON
	}
	return ContentText
}

// checkRendered renders t once and checks the result parses.
func checkRendered(et *EventType, t *template) error {
	r := &renderer{now: time.Now().UTC()}
	out := t.render(r, nil)
	return validBody(et.ContentType, out)
}

// validBody checks that a body is well-formed for its content type.
func validBody(ct string, b []byte) error {
	switch {
	case isJSONContent(ct):
		if !gjson.ValidBytes(b) {
			var v any
			if err := json.Unmarshal(b, &v); err != nil {
				return err
			}
			return errors.New("invalid JSON")
		}
	case strings.Contains(ct, "xml"):
		d := xml.NewDecoder(bytes.NewReader(b))
		for {
			_, err := d.Token()
			if err == io.EOF {
				return nil
			}
			if err != nil {
				return err
			}
		}
	}
	return nil
}

// defaultPlaceholders are the Mambu-style placeholders every template may
// use; a fixture's placeholders: add to or replace them.
var defaultPlaceholders = map[string]string{
	"NOTIFICATION_ID":      "{{uuid @event}}", // the event id (each subscription's x-notifications-idempotency-key is its own: signature.MambuNotificationKey)
	"EVENT_TIMESTAMP":      "{{now_tz}}",
	"CURRENT_DATE":         "{{now_date}}",
	"CLIENT_ID":            "{{digits 9}}",
	"CLIENT_KEY":           "{{hex 32}}",
	"CLIENT_FIRST_NAME":    "{{choice Ada Grace Chinua Amara Kofi Lena Mateo Ines}}",
	"CLIENT_LAST_NAME":     "{{choice Lovelace Hopper Okafor Mensah Schmidt Rossi Novak}}",
	"CLIENT_EMAIL":         "{{alnum 8}}@example.com",
	"CLIENT_MOBILE":        "+4915{{digits 9}}",
	"CLIENT_STATE":         "{{choice PENDING_APPROVAL}}",
	"BRANCH_ID":            "{{upper 6}}",
	"ACCOUNT_ID":           "{{upper 8}}",
	"ACCOUNT_NAME":         "{{choice Personal Loan|Current Account|Savings Account}}",
	"LOAN_ACCOUNT_ID":      "{{upper 7}}",
	"LOAN_ACCOUNT_KEY":     "{{hex 32}}",
	"LOAN_PRODUCT_NAME":    "{{choice Personal Loan|SME Working Capital|Auto Loan}}",
	"LOAN_AMOUNT":          "{{random_amount 500 25000}}",
	"INTEREST_RATE":        "{{choice 7.5 9.25 12 14.5}}",
	"DEPOSIT_ACCOUNT_ID":   "{{upper 8}}",
	"DEPOSIT_ACCOUNT_KEY":  "{{hex 32}}",
	"DEPOSIT_PRODUCT_NAME": "{{choice Current Account|Savings Account|Fixed Deposit}}",
	"DEPOSIT_AMOUNT":       "{{random_amount 10 5000}}",
	"ACCOUNT_BALANCE":      "{{random_amount 100 20000}}",
	"TRANSACTION_ID":       "{{digits 7}}",
	"TRANSACTION_KEY":      "{{hex 32}}",
	"TRANSACTION_AMOUNT":   "{{random_amount 10 2000}}",
	"CURRENCY":             "{{choice EUR}}",
	"USER_KEY":             "{{hex 32}}",
}

// builtinEntry is one built-in event type of the generated index: what
// eventType would make of it, and where its body is in its file.
type builtinEntry struct {
	file                                                    uint8 // index in builtinFiles()
	typ, provider, description, scheme, contentType, method string
	off, n                                                  int32 // the body: data[off:off+n]
}
