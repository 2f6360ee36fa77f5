package provider

import (
	"bytes"
	"encoding"
	"encoding/json"
	"reflect"
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
func UnmarshalExact(b []byte, v any) error {
	t := reflect.TypeOf(v)
	if t == nil || t.Kind() != reflect.Pointer {
		return json.Unmarshal(b, v)
	}
	var renames []span
	dec := json.NewDecoder(bytes.NewReader(b))
	if err := exactWalk(dec, b, t.Elem(), &renames); err != nil || len(renames) == 0 {
		// A body the walk cannot read is left to json.Unmarshal, which
		// says what is wrong with it.
		return json.Unmarshal(b, v)
	}
	out := make([]byte, 0, len(b))
	last := 0
	for _, s := range renames {
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

// decodesItself: t (or *t) reads its own JSON.
func decodesItself(t reflect.Type) bool {
	return t.Implements(unmarshalerType) || reflect.PointerTo(t).Implements(unmarshalerType) ||
		t.Implements(textUnmarshalerType) || reflect.PointerTo(t).Implements(textUnmarshalerType)
}

// exactWalk reads one value of dec, decoded into a t, and notes in
// renames each key of a struct's object that names one of its fields in
// another case only.
func exactWalk(dec *json.Decoder, b []byte, t reflect.Type, renames *[]span) error {
	for t != nil && t.Kind() == reflect.Pointer && !decodesItself(t) {
		t = t.Elem()
	}
	if t == nil || decodesItself(t) {
		return skipValue(dec)
	}
	switch t.Kind() {
	case reflect.Struct, reflect.Map, reflect.Slice, reflect.Array:
	default:
		return skipValue(dec)
	}
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	d, ok := tok.(json.Delim)
	if !ok {
		return nil // a scalar (null, or a type error json.Unmarshal reports)
	}
	switch {
	case d == '[' && (t.Kind() == reflect.Slice || t.Kind() == reflect.Array):
		for dec.More() {
			if err := exactWalk(dec, b, t.Elem(), renames); err != nil {
				return err
			}
		}
	case d == '{' && t.Kind() == reflect.Map:
		for dec.More() {
			if _, err := dec.Token(); err != nil {
				return err
			}
			if err := exactWalk(dec, b, t.Elem(), renames); err != nil {
				return err
			}
		}
	case d == '{' && t.Kind() == reflect.Struct:
		fields := exactFields(t)
		for dec.More() {
			before := int(dec.InputOffset())
			tok, err := dec.Token()
			if err != nil {
				return err
			}
			key, _ := tok.(string)
			after := int(dec.InputOffset())
			ft, exact := fields.byName[key]
			if !exact {
				ft = nil
				if fields.folds(key) {
					// Only a comma and spaces come before the key's quote.
					q := bytes.IndexByte(b[before:after], '"')
					if q < 0 {
						return errNoQuote
					}
					*renames = append(*renames, span{before + q, after})
				}
			}
			if err := exactWalk(dec, b, ft, renames); err != nil {
				return err
			}
		}
	default:
		// [ for a struct, { for a slice: a type error json.Unmarshal
		// reports; read past it.
		for dec.More() {
			if d == '{' {
				if _, err := dec.Token(); err != nil {
					return err
				}
			}
			if err := skipValue(dec); err != nil {
				return err
			}
		}
	}
	_, err = dec.Token() // the closing delimiter
	return err
}

var errNoQuote = jsonErr("a key without its quote")

type jsonErr string

func (e jsonErr) Error() string { return string(e) }

func skipValue(dec *json.Decoder) error {
	var raw json.RawMessage
	return dec.Decode(&raw)
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
