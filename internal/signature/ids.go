package signature

import (
	"crypto/rand"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
)

// NewID returns a fresh message id in the form the scheme's provider uses:
// msg_ + 27 base62 characters for standard and svix (like Svix), a UUID for github,
// mambu and shopify, evt_ + 24 base62 characters otherwise. It reads
// crypto/rand.
func NewID(scheme string) string {
	switch scheme {
	case "github", "mambu", "shopify":
		return uuid.NewString()
	case "standard", "svix", "standard-ed25519":
		return "msg_" + RandBase62(27)
	}
	return "evt_" + RandBase62(24)
}

// Base62 is the alphabet of RandBase62: digits, upper then lower case letters.
const Base62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

// RandBase62 returns n random characters of Base62 (crypto/rand, unbiased):
// the one helper behind the ids hookctl makes up (message ids here, the
// catalog's evt_/msg_ ids and alnum template, serve's Stripe objects and
// Request-Id).
func RandBase62(n int) string { return string(AppendBase62(make([]byte, 0, n), n)) }

// AppendBase62 appends n random characters of Base62 to dst and returns
// it. Each comes from one byte of crypto/rand, those of 248 and above
// (4*62) drawn again, so every character is equally likely; the bytes are
// read 64 at a time into a buffer on the stack (no allocation beyond dst).
func AppendBase62(dst []byte, n int) []byte {
	var b [64]byte
	for n > 0 {
		// A few more than needed: about 3% are drawn again.
		buf := b[:min(len(b), n+n/16+2)]
		rand.Read(buf) // never fails (crypto/rand panics instead)
		for _, c := range buf {
			if c < 248 && n > 0 {
				dst = append(dst, Base62[c%62])
				n--
			}
		}
	}
	return dst
}

// maxUnixSeconds is the year 5138 in unix seconds: a larger number is
// milliseconds (or finer), which every date since 1973 is above.
const maxUnixSeconds = 1e11

// ParseTime parses a timestamp given as unix seconds ("1614265330") or
// RFC 3339 ("2021-02-25T15:02:10Z"). A number too large for seconds
// (1700000000000, JavaScript's Date.now()) is refused, saying the
// seconds it would be in milliseconds, microseconds or nanoseconds.
func ParseTime(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	var t time.Time
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		if n >= maxUnixSeconds {
			// Date.now() in JavaScript, System.currentTimeMillis() in
			// Java: milliseconds, read as seconds, signed for a year
			// past 50000 that every receiver refuses.
			unit, per := "milliseconds (JavaScript's Date.now())", int64(1e3)
			switch {
			case n >= 1e17:
				unit, per = "nanoseconds", 1e9
			case n >= 1e14:
				unit, per = "microseconds", 1e6
			}
			return time.Time{}, fmt.Errorf("invalid time %q: too large for unix seconds (after the year 5000); as %s it is %s: give seconds, %d",
				s, unit, time.Unix(n/per, 0).UTC().Format(time.RFC3339), n/per)
		}
		t = time.Unix(n, 0)
	} else if t, err = time.Parse(time.RFC3339Nano, s); err != nil {
		return time.Time{}, fmt.Errorf("invalid time %q: want unix seconds (1614265330) or RFC 3339 (2021-02-25T15:02:10Z)", s)
	}
	// Every scheme writes a timestamp as unix seconds, and none reads a
	// negative one ("t=-5" is no signature a provider sends).
	if t.Unix() < 0 {
		return time.Time{}, fmt.Errorf("invalid time %q: before 1970 (unix seconds are not negative)", s)
	}
	return t, nil
}
