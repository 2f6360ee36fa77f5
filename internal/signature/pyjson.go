package signature

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"
)

// PythonJSON re-serialises a JSON document exactly as Python's
// json.dumps(json.loads(body)) does with default arguments, which is what
// Bond's legacy v1 signature covers:
//
//   - separators ", " and ": ", no newlines or indentation
//   - object keys keep their order; a repeated key keeps its first
//     position and its last value (a Python dict)
//   - ensure_ascii: every character outside printable ASCII is written as
//     \uxxxx (lowercase hex, surrogate pairs above U+FFFF); \" \\ \n \r \t
//     \b \f use their short forms; "/" is not escaped
//   - integers keep all their digits (Python ints are unbounded; -0 is 0)
//   - numbers with a fraction or exponent become floats printed as
//     Python's repr does: shortest round-trip digits, "1.0" not "1",
//     exponent form below 1e-4 and from 1e16 ("1e-05", "1e+16"),
//     overflow as Infinity
//   - NaN, Infinity and -Infinity literals are accepted (as Python does)
func PythonJSON(body []byte) ([]byte, error) {
	out, err := pythonJSONStream(body)
	if errors.Is(err, errPyFallback) {
		return pythonJSONTree(body)
	}
	return out, err
}

func newPyParser(body []byte) *pyParser {
	p := &pyParser{src: body}
	if len(body) >= 3 && body[0] == 0xef && body[1] == 0xbb && body[2] == 0xbf {
		p.pos = 3 // json.loads decodes bytes as utf-8-sig
	}
	return p
}

// errPyFallback sends a document with a repeated key (or a huge object)
// from the streaming writer to the tree builder, which models the dict.
var errPyFallback = errors.New("repeated key")

// pythonJSONStream writes the re-serialisation while parsing, with no
// intermediate tree: the common case.
func pythonJSONStream(body []byte) ([]byte, error) {
	p := newPyParser(body)
	p.skipSpace()
	out, err := p.stream(make([]byte, 0, len(body)+len(body)/8+16), 0)
	if err != nil {
		return nil, err
	}
	p.skipSpace()
	if p.pos != len(p.src) {
		return nil, p.errorf("extra data after the JSON value")
	}
	return out, nil
}

// pythonJSONTree builds the document as Python's json.loads does (a
// repeated key keeps its first position and its last value) and writes it.
func pythonJSONTree(body []byte) ([]byte, error) {
	p := newPyParser(body)
	p.skipSpace()
	v, err := p.value(0)
	if err != nil {
		return nil, err
	}
	p.skipSpace()
	if p.pos != len(p.src) {
		return nil, p.errorf("extra data after the JSON value")
	}
	out := make([]byte, 0, len(body)+len(body)/8+16)
	return v.appendTo(out), nil
}

type pyKind uint8

const (
	pyRaw    pyKind = iota // literal text: numbers, true, false, null, encoded strings
	pyObject               // keys and values
	pyArray
)

type pyValue struct {
	kind  pyKind
	raw   []byte // pyRaw: the output text
	keys  [][]byte
	items []*pyValue
}

func (v *pyValue) appendTo(out []byte) []byte {
	switch v.kind {
	case pyObject:
		out = append(out, '{')
		for i := range v.keys {
			if i > 0 {
				out = append(out, ", "...)
			}
			out = append(out, v.keys[i]...)
			out = append(out, ": "...)
			out = v.items[i].appendTo(out)
		}
		return append(out, '}')
	case pyArray:
		out = append(out, '[')
		for i, it := range v.items {
			if i > 0 {
				out = append(out, ", "...)
			}
			out = it.appendTo(out)
		}
		return append(out, ']')
	}
	return append(out, v.raw...)
}

type pyParser struct {
	src   []byte
	pos   int
	spans []int // stream: start and end in the output of each key of the open objects
}

// maxStreamKeys bounds the quadratic repeated-key check of the streaming
// writer; larger objects go to the tree builder.
const maxStreamKeys = 256

func (p *pyParser) stream(out []byte, depth int) ([]byte, error) {
	if depth > maxPyDepth {
		return nil, p.errorf("nested too deeply")
	}
	if p.pos >= len(p.src) {
		return nil, p.errorf("unexpected end of input")
	}
	switch c := p.src[p.pos]; {
	case c == '{':
		p.pos++
		out = append(out, '{')
		p.skipSpace()
		if p.pos < len(p.src) && p.src[p.pos] == '}' {
			p.pos++
			return append(out, '}'), nil
		}
		base := len(p.spans)
		for {
			p.skipSpace()
			if p.pos >= len(p.src) || p.src[p.pos] != '"' {
				return nil, p.errorf("expected a string key")
			}
			start := len(out)
			var err error
			if out, err = p.strInto(out); err != nil {
				return nil, err
			}
			key := out[start:]
			for i := base; i < len(p.spans); i += 2 {
				if string(out[p.spans[i]:p.spans[i+1]]) == string(key) {
					return nil, errPyFallback
				}
			}
			if (len(p.spans)-base)/2 >= maxStreamKeys {
				return nil, errPyFallback
			}
			p.spans = append(p.spans, start, len(out))
			p.skipSpace()
			if p.pos >= len(p.src) || p.src[p.pos] != ':' {
				return nil, p.errorf("expected ':'")
			}
			p.pos++
			out = append(out, ": "...)
			p.skipSpace()
			if out, err = p.stream(out, depth+1); err != nil {
				return nil, err
			}
			p.skipSpace()
			if p.pos >= len(p.src) {
				return nil, p.errorf("unexpected end of input in an object")
			}
			switch p.src[p.pos] {
			case ',':
				p.pos++
				out = append(out, ", "...)
			case '}':
				p.pos++
				p.spans = p.spans[:base]
				return append(out, '}'), nil
			default:
				return nil, p.errorf("expected ',' or '}'")
			}
		}
	case c == '[':
		p.pos++
		out = append(out, '[')
		p.skipSpace()
		if p.pos < len(p.src) && p.src[p.pos] == ']' {
			p.pos++
			return append(out, ']'), nil
		}
		for {
			p.skipSpace()
			var err error
			if out, err = p.stream(out, depth+1); err != nil {
				return nil, err
			}
			p.skipSpace()
			if p.pos >= len(p.src) {
				return nil, p.errorf("unexpected end of input in an array")
			}
			switch p.src[p.pos] {
			case ',':
				p.pos++
				out = append(out, ", "...)
			case ']':
				p.pos++
				return append(out, ']'), nil
			default:
				return nil, p.errorf("expected ',' or ']'")
			}
		}
	case c == '"':
		return p.strInto(out)
	case c == '-' || ('0' <= c && c <= '9'):
		if p.hasPrefix("-Infinity") {
			p.pos += len("-Infinity")
			return append(out, "-Infinity"...), nil
		}
		return p.numberInto(out)
	}
	for _, lit := range [...]string{"true", "false", "null", "NaN", "Infinity"} {
		if p.hasPrefix(lit) {
			p.pos += len(lit)
			return append(out, lit...), nil
		}
	}
	return nil, p.errorf("unexpected character %q", p.src[p.pos])
}

const maxPyDepth = 1000 // Python's default recursion limit is about this

func (p *pyParser) errorf(format string, args ...any) error {
	return fmt.Errorf("invalid JSON at byte %d: %s", p.pos, fmt.Sprintf(format, args...))
}

func (p *pyParser) skipSpace() {
	for p.pos < len(p.src) {
		switch p.src[p.pos] {
		case ' ', '\t', '\n', '\r':
			p.pos++
		default:
			return
		}
	}
}

func (p *pyParser) value(depth int) (*pyValue, error) {
	if depth > maxPyDepth {
		return nil, p.errorf("nested too deeply")
	}
	if p.pos >= len(p.src) {
		return nil, p.errorf("unexpected end of input")
	}
	switch c := p.src[p.pos]; {
	case c == '{':
		return p.object(depth)
	case c == '[':
		return p.array(depth)
	case c == '"':
		s, err := p.strInto(nil)
		if err != nil {
			return nil, err
		}
		return &pyValue{raw: s}, nil
	case c == '-' || ('0' <= c && c <= '9'):
		if p.hasPrefix("-Infinity") {
			p.pos += len("-Infinity")
			return &pyValue{raw: []byte("-Infinity")}, nil
		}
		raw, err := p.numberInto(nil)
		if err != nil {
			return nil, err
		}
		return &pyValue{raw: raw}, nil
	}
	for _, lit := range []string{"true", "false", "null", "NaN", "Infinity"} {
		if p.hasPrefix(lit) {
			p.pos += len(lit)
			return &pyValue{raw: []byte(lit)}, nil
		}
	}
	return nil, p.errorf("unexpected character %q", p.src[p.pos])
}

func (p *pyParser) hasPrefix(s string) bool {
	return len(p.src)-p.pos >= len(s) && string(p.src[p.pos:p.pos+len(s)]) == s
}

func (p *pyParser) object(depth int) (*pyValue, error) {
	p.pos++ // {
	v := &pyValue{kind: pyObject}
	p.skipSpace()
	if p.pos < len(p.src) && p.src[p.pos] == '}' {
		p.pos++
		return v, nil
	}
	index := map[string]int{}
	for {
		p.skipSpace()
		if p.pos >= len(p.src) || p.src[p.pos] != '"' {
			return nil, p.errorf("expected a string key")
		}
		k, err := p.strInto(nil)
		if err != nil {
			return nil, err
		}
		p.skipSpace()
		if p.pos >= len(p.src) || p.src[p.pos] != ':' {
			return nil, p.errorf("expected ':'")
		}
		p.pos++
		p.skipSpace()
		item, err := p.value(depth + 1)
		if err != nil {
			return nil, err
		}
		// The encoded key identifies the Python string exactly.
		if i, dup := index[string(k)]; dup {
			v.items[i] = item
		} else {
			index[string(k)] = len(v.keys)
			v.keys = append(v.keys, k)
			v.items = append(v.items, item)
		}
		p.skipSpace()
		if p.pos >= len(p.src) {
			return nil, p.errorf("unexpected end of input in an object")
		}
		switch p.src[p.pos] {
		case ',':
			p.pos++
		case '}':
			p.pos++
			return v, nil
		default:
			return nil, p.errorf("expected ',' or '}'")
		}
	}
}

func (p *pyParser) array(depth int) (*pyValue, error) {
	p.pos++ // [
	v := &pyValue{kind: pyArray}
	p.skipSpace()
	if p.pos < len(p.src) && p.src[p.pos] == ']' {
		p.pos++
		return v, nil
	}
	for {
		p.skipSpace()
		item, err := p.value(depth + 1)
		if err != nil {
			return nil, err
		}
		v.items = append(v.items, item)
		p.skipSpace()
		if p.pos >= len(p.src) {
			return nil, p.errorf("unexpected end of input in an array")
		}
		switch p.src[p.pos] {
		case ',':
			p.pos++
		case ']':
			p.pos++
			return v, nil
		default:
			return nil, p.errorf("expected ',' or ']'")
		}
	}
}

const hexLower = "0123456789abcdef"

func appendU(out []byte, u uint16) []byte {
	return append(out, '\\', 'u', hexLower[u>>12], hexLower[u>>8&15], hexLower[u>>4&15], hexLower[u&15])
}

// appendPyChar appends one UTF-16 code unit or rune as Python's
// ensure_ascii encoder writes it.
func appendPyChar(out []byte, r rune) []byte {
	switch r {
	case '"':
		return append(out, '\\', '"')
	case '\\':
		return append(out, '\\', '\\')
	case '\n':
		return append(out, '\\', 'n')
	case '\r':
		return append(out, '\\', 'r')
	case '\t':
		return append(out, '\\', 't')
	case '\b':
		return append(out, '\\', 'b')
	case '\f':
		return append(out, '\\', 'f')
	}
	switch {
	case r >= 0x20 && r <= 0x7e:
		return append(out, byte(r))
	case r <= 0xffff:
		return appendU(out, uint16(r))
	}
	r -= 0x10000
	out = appendU(out, uint16(0xd800+(r>>10)))
	return appendU(out, uint16(0xdc00+(r&0x3ff)))
}

// strInto parses a JSON string and appends it encoded as Python writes it.
// \u escapes are kept as code units, so lone surrogates survive as Python
// keeps them.
func (p *pyParser) strInto(out []byte) ([]byte, error) {
	p.pos++ // opening quote
	out = append(out, '"')
	for {
		if p.pos >= len(p.src) {
			return nil, p.errorf("unterminated string")
		}
		c := p.src[p.pos]
		switch {
		case c == '"':
			p.pos++
			return append(out, '"'), nil
		case c == '\\':
			if p.pos+1 >= len(p.src) {
				return nil, p.errorf("unterminated string")
			}
			e := p.src[p.pos+1]
			p.pos += 2
			switch e {
			case '"', '\\', '/':
				out = appendPyChar(out, rune(e))
			case 'b':
				out = appendPyChar(out, '\b')
			case 'f':
				out = appendPyChar(out, '\f')
			case 'n':
				out = appendPyChar(out, '\n')
			case 'r':
				out = appendPyChar(out, '\r')
			case 't':
				out = appendPyChar(out, '\t')
			case 'u':
				if p.pos+4 > len(p.src) {
					return nil, p.errorf("short \\u escape")
				}
				u, err := strconv.ParseUint(string(p.src[p.pos:p.pos+4]), 16, 16)
				if err != nil || strings.ContainsAny(string(p.src[p.pos:p.pos+4]), "+-_xX") {
					return nil, p.errorf("invalid \\u escape")
				}
				p.pos += 4
				out = appendPyChar(out, rune(u))
			default:
				return nil, p.errorf("invalid escape \\%c", e)
			}
		case c < 0x20:
			return nil, p.errorf("control character %#02x in a string", c)
		case c < utf8.RuneSelf:
			out = appendPyChar(out, rune(c))
			p.pos++
		default:
			r, size := utf8.DecodeRune(p.src[p.pos:])
			if r == utf8.RuneError && size <= 1 {
				return nil, p.errorf("invalid UTF-8")
			}
			out = appendPyChar(out, r)
			p.pos += size
		}
	}
}

// numberInto parses a JSON number and appends it: an integer is written back with all its
// digits (without a leading minus for zero); a number with a fraction or
// an exponent becomes a Python float.
func (p *pyParser) numberInto(out []byte) ([]byte, error) {
	start := p.pos
	if p.src[p.pos] == '-' {
		p.pos++
	}
	digits := func() int {
		n := 0
		for p.pos < len(p.src) && '0' <= p.src[p.pos] && p.src[p.pos] <= '9' {
			p.pos++
			n++
		}
		return n
	}
	intStart := p.pos
	if n := digits(); n == 0 {
		return nil, p.errorf("invalid number")
	} else if n > 1 && p.src[intStart] == '0' {
		// Python's scanner reads "0" then fails on the rest.
		return nil, p.errorf("leading zero in a number")
	}
	isFloat := false
	if p.pos < len(p.src) && p.src[p.pos] == '.' {
		save := p.pos
		p.pos++
		if digits() == 0 {
			p.pos = save // Python: "1." is the int 1 followed by junk
		} else {
			isFloat = true
		}
	}
	if p.pos < len(p.src) && (p.src[p.pos] == 'e' || p.src[p.pos] == 'E') {
		save := p.pos
		p.pos++
		if p.pos < len(p.src) && (p.src[p.pos] == '+' || p.src[p.pos] == '-') {
			p.pos++
		}
		if digits() == 0 {
			p.pos = save
		} else {
			isFloat = true
		}
	}
	text := p.src[start:p.pos]
	if !isFloat {
		if len(bytes.Trim(text, "-0")) == 0 {
			return append(out, '0'), nil
		}
		return append(out, text...), nil
	}
	f, err := strconv.ParseFloat(string(text), 64)
	if err != nil && !errors.Is(err, strconv.ErrRange) {
		return nil, p.errorf("invalid number %q", text)
	}
	return appendPyFloat(out, f), nil
}

// appendPyFloat writes f as Python's float.__repr__ (and so json.dumps).
func appendPyFloat(out []byte, f float64) []byte {
	switch {
	case math.IsInf(f, 1):
		return append(out, "Infinity"...)
	case math.IsInf(f, -1):
		return append(out, "-Infinity"...)
	case math.IsNaN(f):
		return append(out, "NaN"...)
	}
	// Shortest round-trip digits d1d2…dn and exponent: f = 0.d1…dn × 10^decpt.
	e := strconv.FormatFloat(f, 'e', -1, 64) // "-d.ddde±xx"
	neg := e[0] == '-'
	if neg {
		e = e[1:]
		out = append(out, '-')
	}
	mant, exp, _ := strings.Cut(e, "e")
	digits := strings.Replace(mant, ".", "", 1)
	x, _ := strconv.Atoi(exp)
	decpt := x + 1
	if digits == "0" {
		return append(out, "0.0"...)
	}
	if decpt <= -4 || decpt > 16 {
		// Exponent form: d[.ddd]e±XX, at least two exponent digits.
		out = append(out, digits[0])
		if len(digits) > 1 {
			out = append(out, '.')
			out = append(out, digits[1:]...)
		}
		out = append(out, 'e')
		if x < 0 {
			out = append(out, '-')
			x = -x
		} else {
			out = append(out, '+')
		}
		if x < 10 {
			out = append(out, '0')
		}
		return strconv.AppendInt(out, int64(x), 10)
	}
	switch {
	case decpt <= 0:
		out = append(out, "0."...)
		out = append(out, strings.Repeat("0", -decpt)...)
		return append(out, digits...)
	case decpt >= len(digits):
		out = append(out, digits...)
		out = append(out, strings.Repeat("0", decpt-len(digits))...)
		return append(out, ".0"...)
	}
	out = append(out, digits[:decpt]...)
	out = append(out, '.')
	return append(out, digits[decpt:]...)
}
