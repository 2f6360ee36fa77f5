// Package jsonenc writes JSON strings without reflection, byte for byte as
// encoding/json does, for the hot paths that build JSON by hand (the
// store's header columns, listen's JSON lines).
package jsonenc

import (
	"slices"
	"unicode/utf8"
)

// AppendString appends s quoted exactly as encoding/json quotes it (HTML
// characters, U+2028 and U+2029 escaped; invalid UTF-8 as U+FFFD).
func AppendString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			default:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hex[r&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// AppendHeader appends an HTTP header map as json.Marshal encodes it: keys
// sorted, a nil slice as null (the stores' header columns).
func AppendHeader(b []byte, m map[string][]string) []byte {
	var kbuf [16]string
	keys := kbuf[:0]
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	b = append(b, '{')
	for i, k := range keys {
		if i > 0 {
			b = append(b, ',')
		}
		b = AppendString(b, k)
		b = append(b, ':')
		vs := m[k]
		if vs == nil {
			b = append(b, "null"...)
			continue
		}
		b = append(b, '[')
		for j, v := range vs {
			if j > 0 {
				b = append(b, ',')
			}
			b = AppendString(b, v)
		}
		b = append(b, ']')
	}
	return append(b, '}')
}

// HeaderSize is about how many bytes AppendHeader writes for m.
func HeaderSize(m map[string][]string) int {
	n := 2
	for k, vs := range m {
		n += len(k) + 6
		for _, v := range vs {
			n += len(v) + 3
		}
	}
	return n + n/8
}

// BodyBase64 is what hookctl's JSON documents give as "body_base64"
// beside a body (a `json:"body_base64,omitempty"` []byte field, written
// in base64 as `store export` writes a body): nil when b is UTF-8, so the
// field is absent and the document is as it always was; else b itself.
// A JSON string cannot hold bytes that are not UTF-8 (encoding/json
// writes U+FFFD in their place, and JSON embedded as it is would make the
// document invalid): the body's "body" then keeps that lossy text, and
// body_base64 the exact bytes (`jq -r .body_base64 | base64 -d`).
func BodyBase64(b []byte) []byte {
	if utf8.Valid(b) {
		return nil
	}
	return b
}
