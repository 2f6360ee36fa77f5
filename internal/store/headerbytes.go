package store

import (
	"encoding/base64"
	"strings"
	"unicode/utf8"
)

// HeaderBytesPrefix starts a header name or value that a store (both
// backends' JSON header columns) or an export file keeps in base64
// because it is not UTF-8 text: a received request's header values are
// bytes (Go's server passes obs-text, 0x80-0xff, as received), which JSON
// cannot hold (encoding/json writes such a byte as U+FFFD, and the byte
// was lost). "\x01" cannot start a header that HTTP carried (a control
// byte: Go's server and client refuse it), so a value stored with the
// prefix is one EncodeHeaderBytes wrote; a value that starts with it
// anyway (an import) is written in base64 too, so every value reads back
// as it was written. Valid UTF-8, the usual case, is stored as before,
// and old rows read as they are.
const HeaderBytesPrefix = "\x01base64:"

// headerNeedsBytes reports whether s is stored in base64.
func headerNeedsBytes(s string) bool {
	return !utf8.ValidString(s) || strings.HasPrefix(s, HeaderBytesPrefix)
}

// EncodeHeaderBytes is h as a store writes it in JSON: the names and
// values that are not UTF-8 (or start with HeaderBytesPrefix) written as
// HeaderBytesPrefix and their bytes in base64. h itself when there is
// none (no copy); else a copy, h is left as it is.
func EncodeHeaderBytes(h map[string][]string) map[string][]string {
	found := false
	for k, vs := range h {
		if headerNeedsBytes(k) {
			found = true
			break
		}
		for _, v := range vs {
			if headerNeedsBytes(v) {
				found = true
				break
			}
		}
	}
	if !found {
		return h
	}
	out := make(map[string][]string, len(h))
	for k, vs := range h {
		var c []string
		if vs != nil {
			c = make([]string, len(vs))
			for i, v := range vs {
				c[i] = encodeHeaderString(v)
			}
		}
		out[encodeHeaderString(k)] = c
	}
	return out
}

// DecodeHeaderBytes reads what EncodeHeaderBytes wrote, in place, and
// returns h: the names and values written in base64 are their bytes
// again. Anything else (old rows, text) is left as it is.
func DecodeHeaderBytes(h map[string][]string) map[string][]string {
	var renamed map[string][]string
	for k, vs := range h {
		for i, v := range vs {
			if b, ok := headerBytes(v); ok {
				vs[i] = b
			}
		}
		if b, ok := headerBytes(k); ok {
			if renamed == nil {
				renamed = map[string][]string{}
			}
			delete(h, k)
			renamed[b] = vs
		}
	}
	for k, vs := range renamed {
		h[k] = vs
	}
	return h
}

// encodeHeaderString is s as a store writes a header name or value:
// HeaderBytesPrefix and its bytes in base64 when headerNeedsBytes, else s.
func encodeHeaderString(s string) string {
	if headerNeedsBytes(s) {
		return HeaderBytesPrefix + base64.StdEncoding.EncodeToString([]byte(s))
	}
	return s
}

// EncodeText is a text field (an event's id or type, a URL) as the
// export file writes it: HeaderBytesPrefix and its bytes in base64 when
// it is not UTF-8 (or starts with the prefix), as a header value; else s.
// JSON cannot hold such bytes, which SQLite keeps (listen records an
// event's id, type and Content-Type as received).
func EncodeText(s string) string { return encodeHeaderString(s) }

// DecodeText reads what EncodeText wrote: s's bytes when it is
// HeaderBytesPrefix and base64, else s.
func DecodeText(s string) string {
	if b, ok := headerBytes(s); ok {
		return b
	}
	return s
}

func headerBytes(s string) (string, bool) {
	rest, ok := strings.CutPrefix(s, HeaderBytesPrefix)
	if !ok {
		return "", false
	}
	b, err := base64.StdEncoding.DecodeString(rest)
	if err != nil {
		return "", false
	}
	return string(b), true
}

// EncodeHeaderMap is EncodeHeaderBytes for a header set of one value per
// name (a delivery's and a subscription's own headers, --header): the
// names and values that are not UTF-8 (or start with HeaderBytesPrefix)
// written as HeaderBytesPrefix and their bytes in base64. Both stores
// write these sets in JSON with it, and the export file and -o json show
// them so. h itself when there is none (no copy); else a copy.
func EncodeHeaderMap(h map[string]string) map[string]string {
	found := false
	for k, v := range h {
		if headerNeedsBytes(k) || headerNeedsBytes(v) {
			found = true
			break
		}
	}
	if !found {
		return h
	}
	out := make(map[string]string, len(h))
	for k, v := range h {
		out[encodeHeaderString(k)] = encodeHeaderString(v)
	}
	return out
}

// DecodeHeaderMap reads what EncodeHeaderMap wrote, in place, and returns
// h. Anything else (old rows, text) is left as it is.
func DecodeHeaderMap(h map[string]string) map[string]string {
	var renamed map[string]string
	for k, v := range h {
		if b, ok := headerBytes(v); ok {
			h[k] = b
			v = b
		}
		if b, ok := headerBytes(k); ok {
			if renamed == nil {
				renamed = map[string]string{}
			}
			delete(h, k)
			renamed[b] = v
		}
	}
	for k, v := range renamed {
		h[k] = v
	}
	return h
}
