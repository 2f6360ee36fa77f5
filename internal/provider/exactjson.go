package provider

import (
	"encoding"
	"encoding/json"
	"reflect"
	"slices"
	"strings"
	"sync"
)

// UnmarshalExact is json.Unmarshal matching object keys to struct fields
// case-sensitively, as the providers' own servers do (Svix's serde, Bond's
// Python, Mambu's Jackson): encoding/json takes {"URL": …} for a field
// tagged "url", where the real API ignores the unknown key (and then
// answers that url is missing). A key that only differs in case from a
// field of its object is renamed to "" (which names no field) before
// decoding; every other byte, the payload's included, is left as it was.
// Map keys and values decoded by a type's own UnmarshalJSON are not
// touched.
func UnmarshalExact(b []byte, v any) error { return unmarshalExact(b, v, false) }

// UnmarshalExactUnique is UnmarshalExact refusing an object that gives
// one of its struct's fields twice (a *DuplicateFieldError), as serde's
// derived decoders do (Svix); encoding/json, Python's json and Jackson
// keep the last.
func UnmarshalExactUnique(b []byte, v any) error { return unmarshalExact(b, v, true) }

// DuplicateFieldError is a field an object of the body gives twice.
type DuplicateFieldError struct{ Field string }

func (e *DuplicateFieldError) Error() string { return "duplicate field `" + e.Field + "`" }

func unmarshalExact(b []byte, v any, unique bool) error {
	t := reflect.TypeOf(v)
	if t == nil || t.Kind() != reflect.Pointer {
		return json.Unmarshal(b, v)
	}
	w := exactWalker{b: b, unique: unique}
	ok := w.value(t.Elem())
	if ok && w.dup != "" && json.Valid(b) {
		return &DuplicateFieldError{Field: w.dup}
	}
	if !ok || len(w.renames) == 0 {
		// A body the walk cannot read is left to json.Unmarshal, which
		// says what is wrong with it.
		return json.Unmarshal(b, v)
	}
	out := make([]byte, 0, len(b))
	last := 0
	for _, s := range w.renames {
		out = append(out, b[last:s.from]...)
		out = append(out, `""`...)
		last = s.to
	}
	out = append(out, b[last:]...)
	return json.Unmarshal(out, v)
}

// span is a key's bytes, quotes included.
type span struct{ from, to int }

var (
	unmarshalerType     = reflect.TypeFor[json.Unmarshaler]()
	textUnmarshalerType = reflect.TypeFor[encoding.TextUnmarshaler]()
)

var decodesItselfCache sync.Map // reflect.Type → bool

// decodesItself: t (or *t) reads its own JSON.
func decodesItself(t reflect.Type) bool {
	if v, ok := decodesItselfCache.Load(t); ok {
		return v.(bool)
	}
	d := t.Implements(unmarshalerType) || reflect.PointerTo(t).Implements(unmarshalerType) ||
		t.Implements(textUnmarshalerType) || reflect.PointerTo(t).Implements(textUnmarshalerType)
	decodesItselfCache.Store(t, d)
	return d
}

// exactWalker reads a JSON body in place (no copy: a 1 MiB payload is
// skipped, not decoded) against the type it is decoded into, and notes
// in renames each key of a struct's object that names one of its fields
// in another case only. It checks no more of the syntax than it needs
// to find its way: json.Unmarshal reads the body afterwards and reports
// what is wrong with it; false when it lost its way.
type exactWalker struct {
	b       []byte
	i       int
	renames []span
	// unique: note in dup the first field an object gives twice.
	unique bool
	dup    string
}

func (w *exactWalker) ws() {
	for w.i < len(w.b) {
		switch w.b[w.i] {
		case ' ', '\t', '\r', '\n':
			w.i++
		default:
			return
		}
	}
}

// peek is the next byte after spaces (0 at the end).
func (w *exactWalker) peek() byte {
	w.ws()
	if w.i < len(w.b) {
		return w.b[w.i]
	}
	return 0
}

// str reads a string at w.i (its opening quote) and says whether it holds
// an escape.
func (w *exactWalker) str() (escaped, ok bool) {
	for w.i++; w.i < len(w.b); w.i++ {
		switch w.b[w.i] {
		case '\\':
			escaped = true
			w.i++
		case '"':
			w.i++
			return escaped, true
		}
	}
	return escaped, false
}

// skip reads past one value of any type.
func (w *exactWalker) skip() bool {
	depth := 0
	for {
		switch w.peek() {
		case 0:
			return false
		case '"':
			if _, ok := w.str(); !ok {
				return false
			}
		case '{', '[':
			depth++
			w.i++
		case '}', ']':
			depth--
			w.i++
			if depth < 0 {
				return false
			}
		case ',', ':':
			if depth == 0 {
				return false
			}
			w.i++
		default: // a number or a literal
			for w.i < len(w.b) && !endsLiteral(w.b[w.i]) {
				w.i++
			}
		}
		if depth == 0 {
			return true
		}
	}
}

// endsLiteral: c is no part of a number or a literal.
func endsLiteral(c byte) bool {
	switch c {
	case ',', ':', '{', '}', '[', ']', '"', ' ', '\t', '\r', '\n':
		return true
	}
	return false
}

// value reads one value decoded into a t.
func (w *exactWalker) value(t reflect.Type) bool {
	for t != nil && t.Kind() == reflect.Pointer && !decodesItself(t) {
		t = t.Elem()
	}
	if t == nil || decodesItself(t) {
		return w.skip()
	}
	c := w.peek()
	switch {
	case c == '[' && (t.Kind() == reflect.Slice || t.Kind() == reflect.Array):
		w.i++
		if w.peek() == ']' {
			w.i++
			return true
		}
		for {
			if !w.value(t.Elem()) {
				return false
			}
			switch w.peek() {
			case ',':
				w.i++
			case ']':
				w.i++
				return true
			default:
				return false
			}
		}
	case c == '{' && (t.Kind() == reflect.Struct || t.Kind() == reflect.Map):
		var fields structFields
		var seen []string // the fields this object gave (unique)
		if t.Kind() == reflect.Struct {
			fields = exactFields(t)
		}
		w.i++
		if w.peek() == '}' {
			w.i++
			return true
		}
		for {
			if w.peek() != '"' {
				return false
			}
			from := w.i
			escaped, ok := w.str()
			if !ok {
				return false
			}
			to := w.i // the key's bytes, quotes included: b[from:to]
			if w.peek() != ':' {
				return false
			}
			w.i++
			var vt reflect.Type
			if t.Kind() == reflect.Map {
				vt = t.Elem()
			} else {
				key := string(w.b[from+1 : to-1])
				if escaped && json.Unmarshal(w.b[from:to], &key) != nil {
					return false
				}
				ft, exact := fields.byName[key]
				if exact && w.unique && w.dup == "" {
					if slices.Contains(seen, key) {
						w.dup = key
					}
					seen = append(seen, key)
				}
				if exact {
					vt = ft
				} else if fields.folds(key) {
					w.renames = append(w.renames, span{from, to})
				}
			}
			if !w.value(vt) {
				return false
			}
			switch w.peek() {
			case ',':
				w.i++
			case '}':
				w.i++
				return true
			default:
				return false
			}
		}
	}
	return w.skip()
}

// structFields is a struct's JSON field names, as encoding/json reads
// them (promoted fields of embedded structs included), and their types.
type structFields struct {
	byName map[string]reflect.Type
}

// folds says whether key names one of the fields in another case.
func (f structFields) folds(key string) bool {
	for name := range f.byName {
		if strings.EqualFold(name, key) {
			return true
		}
	}
	return false
}

var exactFieldCache sync.Map // reflect.Type → structFields

func exactFields(t reflect.Type) structFields {
	if f, ok := exactFieldCache.Load(t); ok {
		return f.(structFields)
	}
	f := structFields{byName: map[string]reflect.Type{}}
	collectFields(t, f.byName, 0)
	exactFieldCache.Store(t, f)
	return f
}

func collectFields(t reflect.Type, into map[string]reflect.Type, depth int) {
	for i := range t.NumField() {
		sf := t.Field(i)
		tag := sf.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, _, _ := strings.Cut(tag, ",")
		ft := sf.Type
		if sf.Anonymous && name == "" {
			et := ft
			if et.Kind() == reflect.Pointer {
				et = et.Elem()
			}
			if et.Kind() == reflect.Struct && depth < 8 {
				collectFields(et, into, depth+1)
				continue
			}
		}
		if !sf.IsExported() {
			continue
		}
		if name == "" {
			name = sf.Name
		}
		if _, taken := into[name]; !taken || depth == 0 {
			into[name] = ft
		}
	}
}
