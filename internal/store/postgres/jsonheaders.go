package postgres

import (
	"unicode/utf8"
)

// headersJSON is jtext for HTTP headers (an attempt's request and
// response headers, two per attempt recorded), written directly rather
// than through encoding/json's reflection: the same JSON up to key order
// and escapes, which jsonb does not keep. Strings that are not valid
// UTF-8 take encoding/json's path (it replaces bad bytes).
func headersJSON(h map[string][]string) *string {
	if len(h) == 0 {
		return nil
	}
	n := 2
	for k, vs := range h {
		if !utf8.ValidString(k) {
			return jtext(h)
		}
		n += len(k) + 6
		for _, v := range vs {
			if !utf8.ValidString(v) {
				return jtext(h)
			}
			n += len(v) + 3
		}
	}
	b := make([]byte, 0, n)
	b = append(b, '{')
	first := true
	for k, vs := range h {
		if !first {
			b = append(b, ',')
		}
		first = false
		b = appendJSONString(b, k)
		if vs == nil {
			b = append(b, ":null"...)
			continue
		}
		b = append(b, ':', '[')
		for i, v := range vs {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendJSONString(b, v)
		}
		b = append(b, ']')
	}
	b = append(b, '}')
	s := string(b)
	return &s
}

const hexDigits = "0123456789abcdef"

// appendJSONString appends s (valid UTF-8) as a JSON string.
func appendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' {
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
		default:
			b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
		}
		start = i + 1
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
