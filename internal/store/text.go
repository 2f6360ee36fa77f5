package store

import "unicode/utf8"

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
// Bodies and headers are kept byte for byte by both.
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
