package svix

import (
	"bytes"
	"io"
	"net/http"
	"strconv"
	"unicode/utf8"

	"github.com/hookctl/hookctl/internal/provider"
)

// An endpoint's custom header value is bytes (HTTP's obs-text: `hookctl
// subscriptions update --header 'X-Caf: caf\xe9'` sets one), which a JSON
// string cannot hold. The Svix API carries them as the rest of hookctl's
// JSON does (store.EncodeHeaderMap): GET …/headers/ writes such a value
// as "\u0001base64:" and its bytes in base64, and a PUT, PATCH or
// endpoint create reads that form back as the bytes
// (store.DecodeHeaderMap), so what a client read it can write back
// unchanged. A body whose strings are not text (a raw byte that is not
// UTF-8, a lone UTF-16 surrogate escape such as \udce9) is refused with a
// 422, as Svix refuses it: Go's decoder would have read U+FFFD there and
// the byte would be lost.

// decodeText is decode for a body that sets headers: it refuses bytes a
// JSON string cannot carry before decoding.
func (a *api) decodeText(w http.ResponseWriter, r *http.Request, v any, allowEmpty bool) bool {
	body, err := provider.ReadBody(r)
	if err != nil {
		a.bad(w, err)
		return false
	}
	if at := notText(body); at >= 0 {
		failValidation(w, []string{"body"}, "the request body is not UTF-8 JSON text at byte "+strconv.Itoa(at)+
			" (a byte that is not UTF-8, or a lone \\ud800-\\udfff escape): a header value's bytes go as \"\\u0001base64:\" and their base64, as GET …/headers/ writes them")
		return false
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	return a.decode(w, r, v, allowEmpty)
}

// notText is the offset of the first byte of b that is not UTF-8, or of
// a \u escape of a lone UTF-16 surrogate; -1 when there is none.
func notText(b []byte) int {
	for i := 0; i < len(b); {
		c := b[i]
		if c >= utf8.RuneSelf {
			r, n := utf8.DecodeRune(b[i:])
			if r == utf8.RuneError && n <= 1 {
				return i
			}
			i += n
			continue
		}
		if c != '\\' || i+1 >= len(b) {
			i++
			continue
		}
		if b[i+1] != 'u' {
			i += 2 // \" \\ \n …: the escaped byte is not a quote or an escape
			continue
		}
		hi, ok := hex4(b, i+2)
		switch {
		case !ok:
			i += 2 // not an escape json reads: its decoder says so
		case hi >= 0xdc00 && hi <= 0xdfff:
			return i // a low surrogate first
		case hi >= 0xd800 && hi <= 0xdbff:
			lo, ok := -1, false
			if i+7 < len(b) && b[i+6] == '\\' && b[i+7] == 'u' {
				lo, ok = hex4(b, i+8)
			}
			if !ok || lo < 0xdc00 || lo > 0xdfff {
				return i
			}
			i += 12
		default:
			i += 6
		}
	}
	return -1
}

// hex4 reads the 4 hex digits at b[i:].
func hex4(b []byte, i int) (int, bool) {
	if i+4 > len(b) {
		return 0, false
	}
	n, err := strconv.ParseUint(string(b[i:i+4]), 16, 16)
	return int(n), err == nil
}
