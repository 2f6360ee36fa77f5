package store

import (
	"crypto/sha256"
	"encoding/hex"
	"unicode/utf8"
)

// StorableForm is s as every store can keep it: s itself when it is
// StorableText (UTF-8 with no NUL byte); else each NUL and each byte that
// is not UTF-8 written as \xNN, the way hookctl prints them.
//
// PostgreSQL's text holds neither. Input people give (subscriptions,
// serve's APIs) is refused when it is not StorableText, but some text
// comes from the outside as it was received: the id (a webhook-id header)
// and type (the body's) of an event listen received, its Content-Type.
// The PostgreSQL store keeps such text in this form rather than refusing
// the record, and looks it up in the same form; SQLite keeps the bytes.
// Bodies are kept byte for byte by both, and so are the headers of
// subscriptions, events, deliveries and attempts (names and values that
// are not UTF-8 in base64: EncodeHeaderBytes, EncodeHeaderMap), except a
// NUL byte in a header or metadata value (only an imported file can put
// one there): PostgreSQL's jsonb cannot hold it, so it is written \x00.
func StorableForm(s string) string {
	if StorableText(s) {
		return s
	}
	const hex = "0123456789abcdef"
	b := make([]byte, 0, len(s)+8)
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == 0 || r == utf8.RuneError && n <= 1 {
			b = append(b, '\\', 'x', hex[s[i]>>4], hex[s[i]&0xf])
			i++
			continue
		}
		b = append(b, s[i:i+n]...)
		i += n
	}
	return string(b)
}

// MaxKeyLen is the longest text StorableKey keeps whole (PostgreSQL's
// b-tree indexes take entries of up to about 2.7 kB).
const MaxKeyLen = 1024

// StorableKey is StorableForm(s), shortened when longer than MaxKeyLen: its
// first bytes, "…" and 32 hex digits of the SHA-256 of s, so that distinct
// texts stay distinct and s finds it again. The PostgreSQL store keeps an
// event's id and type in this form: listen takes them as received (a
// body's "type", a webhook-id header), and one of several kilobytes would
// not fit the index, failing listen's batch of received events at every
// retry. SQLite keeps any length. StorableKey(StorableKey(s)) is
// StorableKey(s).
func StorableKey(s string) string {
	f := StorableForm(s)
	if len(f) <= MaxKeyLen {
		return f
	}
	sum := sha256.Sum256([]byte(s))
	cut := MaxKeyLen - len("…") - 32
	for cut > 0 && !utf8.RuneStart(f[cut]) {
		cut--
	}
	return f[:cut] + "…" + hex.EncodeToString(sum[:16])
}
