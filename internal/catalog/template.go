package catalog

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/hookctl/hookctl/internal/signature"
)

// Template language (built-in and custom fixtures):
//
//	{{fn arg… [@name]}}
//
// A value generated with @name is remembered for the rest of one render: the
// next {{… @name}} repeats it, so ids cross-reference inside one event. A
// numeric function (now_unix, now_unix_ms, random_int) written as a whole
// JSON string ("{{now_unix}}") renders as a bare number. Mambu-style
// templates also take {PLACEHOLDER}s, each bound to one function call.

// funcSpec describes one template function.
type funcSpec struct {
	numeric bool
	refs    bool // arguments are @names of earlier values (no memo name)
	minArgs int
	maxArgs int // -1 = any
	usage   string
	compile func(args []string) (genFunc, error)
}

// genFunc appends a generated value to dst.
type genFunc func(r *renderer, dst []byte) []byte

var (
	funcsOnce sync.Once
	funcs     map[string]*funcSpec
)

// funcTable is the template functions by name, made on first use (not at
// package init, which every process pays for).
func funcTable() map[string]*funcSpec {
	funcsOnce.Do(initFuncs)
	return funcs
}

func initFuncs() {
	funcs = map[string]*funcSpec{
		"uuid":          {minArgs: 0, maxArgs: 0, usage: "uuid", compile: func([]string) (genFunc, error) { return genUUID, nil }},
		"hex":           {minArgs: 1, maxArgs: 1, usage: "hex N", compile: charsFunc(hexChars, "")},
		"digits":        {minArgs: 1, maxArgs: 1, usage: "digits N", compile: charsFunc(digitChars, "")},
		"alnum":         {minArgs: 1, maxArgs: 1, usage: "alnum N", compile: charsFunc(alnumChars, "")},
		"upper":         {minArgs: 1, maxArgs: 1, usage: "upper N", compile: charsFunc(upperChars, "")},
		"id":            {minArgs: 1, maxArgs: 2, usage: "id PREFIX [N]", compile: compileID},
		"choice":        {minArgs: 1, maxArgs: -1, usage: "choice A B C or choice A B|C D", compile: compileChoice},
		"random_amount": {minArgs: 0, maxArgs: 2, usage: "random_amount [MIN MAX]", compile: compileAmount},
		"random_int":    {numeric: true, minArgs: 0, maxArgs: 2, usage: "random_int [MIN MAX]", compile: compileInt},
		"minus":         {minArgs: 2, maxArgs: 2, refs: true, usage: "minus @a @b", compile: arithFunc(-1)},
		"plus":          {minArgs: 2, maxArgs: 2, refs: true, usage: "plus @a @b", compile: arithFunc(1)},
		"now":           {minArgs: 0, maxArgs: 1, usage: "now [OFFSET]", compile: nowFunc(time.RFC3339)},
		"now_micro":     {minArgs: 0, maxArgs: 1, usage: "now_micro [OFFSET]", compile: nowFunc("2006-01-02T15:04:05.000000-07:00")},
		"now_ms":        {minArgs: 0, maxArgs: 1, usage: "now_ms [OFFSET]", compile: nowFunc("2006-01-02T15:04:05.000Z07:00")},
		"now_tz":        {minArgs: 0, maxArgs: 1, usage: "now_tz [OFFSET]", compile: nowFunc("2006-01-02T15:04:05-07:00")},
		"now_date":      {minArgs: 0, maxArgs: 1, usage: "now_date [OFFSET]", compile: nowFunc("2006-01-02")},
		"now_unix":      {numeric: true, minArgs: 0, maxArgs: 1, usage: "now_unix [OFFSET]", compile: nowFunc("unix")},
		"now_unix_ms":   {numeric: true, minArgs: 0, maxArgs: 1, usage: "now_unix_ms [OFFSET]", compile: nowFunc("unix_ms")},
	}
}

// FuncNames lists the template functions custom fixtures may use.
func FuncNames() []string {
	names := make([]string, 0, len(funcTable()))
	for n := range funcTable() {
		names = append(names, n)
	}
	sortStrings(names)
	return names
}

const (
	hexChars   = "0123456789abcdef"
	digitChars = "0123456789"
	alnumChars = signature.Base62
	upperChars = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
)

func parseCount(s string) (int, error) {
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > 256 {
		return 0, fmt.Errorf("want a length between 1 and 256, got %q", s)
	}
	return n, nil
}

func charsFunc(set, prefix string) func(args []string) (genFunc, error) {
	return func(args []string) (genFunc, error) {
		n, err := parseCount(args[0])
		if err != nil {
			return nil, err
		}
		return randChars(set, prefix, n), nil
	}
}

func randChars(set, prefix string, n int) genFunc {
	if set == alnumChars { // signature.Base62: the ids hookctl makes up, one helper for all
		return func(_ *renderer, dst []byte) []byte {
			return signature.AppendBase62(append(dst, prefix...), n)
		}
	}
	m := len(set)
	return func(_ *renderer, dst []byte) []byte {
		dst = append(dst, prefix...)
		// Six random bits per character, rejecting values past the set
		// (unbiased): one Uint64 serves about ten characters.
		var x uint64
		bits := 0
		for i := 0; i < n; {
			if bits < 6 {
				x, bits = rand.Uint64(), 64
			}
			v := int(x & 63)
			x >>= 6
			bits -= 6
			if v < m {
				dst = append(dst, set[v])
				i++
			} else if m <= 16 {
				// small sets (hex, digits): use 4 bits instead
				if v&15 < m {
					dst = append(dst, set[v&15])
					i++
				}
			}
		}
		return dst
	}
}

func compileID(args []string) (genFunc, error) {
	n := 24
	if len(args) == 2 {
		var err error
		if n, err = parseCount(args[1]); err != nil {
			return nil, err
		}
	}
	return randChars(alnumChars, args[0], n), nil
}

func compileChoice(args []string) (genFunc, error) {
	words := args
	if j := strings.Join(args, " "); strings.Contains(j, "|") {
		words = strings.Split(j, "|")
		for i := range words {
			words[i] = strings.TrimSpace(words[i])
		}
	}
	return func(_ *renderer, dst []byte) []byte {
		return append(dst, words[rand.IntN(len(words))]...)
	}, nil
}

func parseRange(args []string, lo, hi float64) (float64, float64, error) {
	if len(args) == 0 {
		return lo, hi, nil
	}
	if len(args) != 2 {
		return 0, 0, fmt.Errorf("want MIN and MAX")
	}
	a, err1 := strconv.ParseFloat(args[0], 64)
	b, err2 := strconv.ParseFloat(args[1], 64)
	if err1 != nil || err2 != nil || a > b || a < 0 || b > 1e12 {
		return 0, 0, fmt.Errorf("want numbers 0 <= MIN <= MAX <= 1e12, got %q %q", args[0], args[1])
	}
	return a, b, nil
}

func compileAmount(args []string) (genFunc, error) {
	lo, hi, err := parseRange(args, 1, 500)
	if err != nil {
		return nil, err
	}
	cLo, cHi := int64(lo*100+0.5), int64(hi*100+0.5)
	return func(_ *renderer, dst []byte) []byte {
		c := cLo + rand.Int64N(cHi-cLo+1)
		dst = strconv.AppendInt(dst, c/100, 10)
		dst = append(dst, '.', byte('0'+c%100/10), byte('0'+c%10))
		return dst
	}, nil
}

func compileInt(args []string) (genFunc, error) {
	lo, hi, err := parseRange(args, 100, 100000)
	if err != nil {
		return nil, err
	}
	a, b := int64(lo), int64(hi)
	return func(_ *renderer, dst []byte) []byte {
		return strconv.AppendInt(dst, a+rand.Int64N(b-a+1), 10)
	}, nil
}

// parseOffset reads a Go duration, also accepting whole days ("30d").
func parseOffset(s string) (time.Duration, error) {
	if strings.HasSuffix(s, "d") {
		n, err := strconv.Atoi(strings.TrimPrefix(strings.TrimSuffix(s, "d"), "+"))
		if err == nil {
			return time.Duration(n) * 24 * time.Hour, nil
		}
	}
	d, err := time.ParseDuration(strings.TrimPrefix(s, "+"))
	if err != nil {
		return 0, fmt.Errorf("want an offset such as 30d, -2h or 90s, got %q", s)
	}
	return d, nil
}

func nowFunc(layout string) func(args []string) (genFunc, error) {
	return func(args []string) (genFunc, error) {
		var off time.Duration
		if len(args) == 1 {
			var err error
			if off, err = parseOffset(args[0]); err != nil {
				return nil, err
			}
		}
		switch layout {
		case "unix":
			return func(r *renderer, dst []byte) []byte { return strconv.AppendInt(dst, r.now.Add(off).Unix(), 10) }, nil
		case "unix_ms":
			return func(r *renderer, dst []byte) []byte { return strconv.AppendInt(dst, r.now.Add(off).UnixMilli(), 10) }, nil
		}
		return func(r *renderer, dst []byte) []byte { return r.now.Add(off).AppendFormat(dst, layout) }, nil
	}
}

// arithFunc adds or subtracts two earlier @values: decimal strings with
// two places ("155.33") or integers. A reference not yet rendered counts 0.
func arithFunc(sign int64) func(args []string) (genFunc, error) {
	return func(args []string) (genFunc, error) {
		for _, a := range args {
			if !strings.HasPrefix(a, "@") || len(a) == 1 {
				return nil, fmt.Errorf("want @names of earlier values, got %q", a)
			}
		}
		a, b := args[0], args[1]
		return func(r *renderer, dst []byte) []byte {
			va, _ := r.lookup(a, dst)
			vb, _ := r.lookup(b, dst)
			x, dx := parseCents(va)
			y, dy := parseCents(vb)
			n := x + sign*y
			if !dx && !dy {
				return strconv.AppendInt(dst, n/100, 10)
			}
			if n < 0 {
				dst = append(dst, '-')
				n = -n
			}
			dst = strconv.AppendInt(dst, n/100, 10)
			return append(dst, '.', byte('0'+n%100/10), byte('0'+n%10))
		}, nil
	}
}

// parseCents reads "12.5", "12.50" or "12" as cents; decimal reports a '.'.
func parseCents(b []byte) (cents int64, decimal bool) {
	neg := len(b) > 0 && b[0] == '-'
	if neg {
		b = b[1:]
	}
	frac, digits := int64(0), 0
	for _, c := range b {
		switch {
		case c == '.':
			decimal = true
		case c >= '0' && c <= '9' && !decimal:
			cents = cents*10 + int64(c-'0')
		case c >= '0' && c <= '9' && digits < 2:
			frac = frac*10 + int64(c-'0')
			digits++
		}
	}
	for ; digits < 2; digits++ {
		frac *= 10
	}
	cents = cents*100 + frac
	if neg {
		cents = -cents
	}
	return cents, decimal
}

func genUUID(_ *renderer, dst []byte) []byte {
	var b [16]byte
	a, c := rand.Uint64(), rand.Uint64()
	for i := 0; i < 8; i++ {
		b[i] = byte(a >> (8 * i))
		b[8+i] = byte(c >> (8 * i))
	}
	b[6] = b[6]&0x0f | 0x40 // version 4
	b[8] = b[8]&0x3f | 0x80 // RFC 4122 variant
	for i, x := range b {
		if i == 4 || i == 6 || i == 8 || i == 10 {
			dst = append(dst, '-')
		}
		dst = append(dst, hexChars[x>>4], hexChars[x&0x0f])
	}
	return dst
}

// segment is a literal or a generated value.
type segment struct {
	lit []byte
	gen genFunc
	// name is the @name the value is remembered under ("" = fresh each time).
	name string
	// time: the value is a time (now…), not a random one.
	time bool
	// subject: a {PLACEHOLDER} naming an object the event is about (a
	// client, an account), not the event's own id, time or transaction.
	subject bool
}

// Span is a byte range of a built body that its template generated (an
// id, an amount, a name, a time), as opposed to the template's literal
// text (a status the event type states).
type Span struct {
	Start, End int
	// Time: a time (now…), not a random value.
	Time bool
}

// template is a compiled body.
type template struct {
	segs []segment
	size int // literal bytes, a hint for the buffer
}

// renderer holds one render's state.
type renderer struct {
	now  time.Time
	vars []rvar
	// subject gives {PLACEHOLDER}s (keyed "{NAME}") that name objects the
	// value another event rendered (BuildOptions.Subject).
	subject map[string]string
	// spans, when record is set, are the values the outermost template
	// generated.
	record bool
	depth  int
	spans  []Span
}

type rvar struct {
	name       string
	start, end int
	subject    bool
}

func (r *renderer) lookup(name string, buf []byte) ([]byte, bool) {
	if name == "" {
		return nil, false
	}
	for _, v := range r.vars {
		if v.name == name {
			return buf[v.start:v.end], true
		}
	}
	return nil, false
}

// render appends the template's output to dst.
func (t *template) render(r *renderer, dst []byte) []byte {
	r.depth++
	for i := range t.segs {
		s := &t.segs[i]
		if s.gen == nil {
			dst = append(dst, s.lit...)
			continue
		}
		start := len(dst)
		switch v, ok := r.lookup(s.name, dst); {
		case s.name == "":
			dst = s.gen(r, dst)
		case ok:
			dst = append(dst, v...)
		default:
			if v, ok := r.subject[s.name]; ok && s.subject {
				dst = append(dst, v...)
			} else {
				dst = s.gen(r, dst)
			}
			r.vars = append(r.vars, rvar{s.name, start, len(dst), s.subject})
		}
		if r.record && r.depth == 1 {
			r.spans = append(r.spans, Span{start, len(dst), s.time})
		}
	}
	r.depth--
	return dst
}

// TemplateError is a bad {{…}} or {PLACEHOLDER} in a fixture.
type TemplateError struct {
	Text string // the offending text
	Msg  string
	Hint string
}

func (e *TemplateError) Error() string { return fmt.Sprintf("%s in %q", e.Msg, e.Text) }

// compileTemplate compiles src. jsonQuotes enables the bare-number rule;
// placeholders (nil = none) maps {NAME} to a {{…}} call.
func compileTemplate(src []byte, jsonQuotes bool, placeholders map[string]string) (*template, error) {
	t := &template{}
	lit := make([]byte, 0, len(src))
	flush := func() {
		if len(lit) > 0 {
			t.segs = append(t.segs, segment{lit: lit})
			t.size += len(lit)
			lit = lit[len(lit):]
		}
	}
	for i := 0; i < len(src); {
		if src[i] == '{' && i+1 < len(src) && src[i+1] == '{' {
			end := indexFrom(src, "}}", i+2)
			if end < 0 {
				return nil, &TemplateError{Text: clip(string(src[i:])), Msg: "unclosed {{"}
			}
			expr := string(src[i+2 : end])
			gen, name, numeric, err := compileCall(expr)
			if err != nil {
				return nil, err
			}
			next := end + 2
			if numeric && jsonQuotes && len(lit) > 0 && lit[len(lit)-1] == '"' && next < len(src) && src[next] == '"' && !escapedQuote(lit) {
				lit = lit[:len(lit)-1]
				next++
			}
			flush()
			t.segs = append(t.segs, segment{gen: gen, name: name, time: strings.HasPrefix(strings.TrimSpace(expr), "now")})
			i = next
			continue
		}
		if placeholders != nil && src[i] == '{' {
			if n := placeholderLen(src[i+1:]); n > 0 && i+1+n < len(src) && src[i+1+n] == '}' {
				ph := string(src[i+1 : i+1+n])
				expr, ok := placeholders[ph]
				if !ok {
					known := make([]string, 0, len(placeholders))
					for k := range placeholders {
						known = append(known, k)
					}
					te := &TemplateError{Text: "{" + ph + "}", Msg: "unknown placeholder"}
					if s := suggest(ph, known); s != "" {
						te.Hint = fmt.Sprintf("did you mean {%s}?", s)
					} else {
						te.Hint = "define it under placeholders: in the fixture"
					}
					return nil, te
				}
				sub, err := compileTemplate([]byte(expr), false, nil)
				if err != nil {
					return nil, err
				}
				flush()
				isTime := strings.Contains(expr, "{{now")
				t.segs = append(t.segs, segment{gen: sub.render, name: "{" + ph + "}", time: isTime,
					subject: !isTime && !strings.Contains(expr, "@event") && !strings.HasPrefix(ph, "TRANSACTION_")})
				i += n + 2
				continue
			}
		}
		lit = append(lit, src[i])
		i++
	}
	flush()
	return t, nil
}

func escapedQuote(lit []byte) bool {
	n := 0
	for i := len(lit) - 2; i >= 0 && lit[i] == '\\'; i-- {
		n++
	}
	return n%2 == 1
}

func placeholderLen(b []byte) int {
	n := 0
	for n < len(b) {
		c := b[n]
		if (c >= 'A' && c <= 'Z') || c == '_' || (n > 0 && c >= '0' && c <= '9') {
			n++
			continue
		}
		break
	}
	return n
}

func indexFrom(b []byte, sep string, from int) int {
	i := strings.Index(string(b[from:]), sep)
	if i < 0 {
		return -1
	}
	return from + i
}

func clip(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}

// compileCall compiles "fn args… [@name]".
func compileCall(expr string) (genFunc, string, bool, error) {
	fields := strings.Fields(expr)
	text := "{{" + expr + "}}"
	if len(fields) == 0 {
		return nil, "", false, &TemplateError{Text: text, Msg: "empty template call", Hint: "functions: " + strings.Join(FuncNames(), ", ")}
	}
	name := ""
	if spec, ok := funcTable()[fields[0]]; ok && spec.refs {
		// every @argument is a reference
	} else if last := fields[len(fields)-1]; strings.HasPrefix(last, "@") {
		if len(last) == 1 {
			return nil, "", false, &TemplateError{Text: text, Msg: "empty @name"}
		}
		name = last
		fields = fields[:len(fields)-1]
	}
	if len(fields) == 0 {
		return nil, "", false, &TemplateError{Text: text, Msg: "missing function name"}
	}
	spec, ok := funcTable()[fields[0]]
	if !ok {
		te := &TemplateError{Text: text, Msg: fmt.Sprintf("unknown template function %q", fields[0])}
		if s := suggest(fields[0], FuncNames()); s != "" {
			te.Hint = fmt.Sprintf("did you mean {{%s}}?", s)
		} else {
			te.Hint = "functions: " + strings.Join(FuncNames(), ", ")
		}
		return nil, "", false, te
	}
	args := fields[1:]
	if len(args) < spec.minArgs || (spec.maxArgs >= 0 && len(args) > spec.maxArgs) {
		return nil, "", false, &TemplateError{Text: text, Msg: "wrong number of arguments", Hint: "usage: {{" + spec.usage + " [@name]}}"}
	}
	gen, err := spec.compile(args)
	if err != nil {
		return nil, "", false, &TemplateError{Text: text, Msg: err.Error(), Hint: "usage: {{" + spec.usage + " [@name]}}"}
	}
	return gen, name, spec.numeric, nil
}
