package signature

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
)

// NewID returns a fresh message id in the form the scheme's provider uses:
// msg_ + 27 base62 characters for standard and svix (like Svix), a UUID for github,
// mambu and shopify, evt_ + 24 base62 characters otherwise (RandBase62).
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

// RandBase62 returns n random characters of Base62, each equally likely:
// the one helper behind the ids hookctl makes up (message ids here, the
// catalog's evt_/msg_ ids and alnum template, serve's Stripe objects and
// Request-Id).
func RandBase62(n int) string { return string(AppendBase62(make([]byte, 0, n), n)) }

// AppendBase62 appends n random characters of Base62 to dst and returns
// it. Each takes 6 bits of math/rand/v2's generator, values past 61
// drawn again (unbiased): one Uint64 serves about ten characters.
//
// That generator (Go's runtime ChaCha8, seeded from the system's entropy,
// per thread) and not crypto/rand: an id is unique and unpredictable
// enough with it, and is no secret (secrets are crypto/rand's:
// GenerateSecret); crypto/rand read ~10 ns a byte here, 250 ns an id, and a
// fixture names up to ten ids an event (trigger --count builds tens of
// thousands; BenchmarkBuild/saas was 40% slower with it).
func AppendBase62(dst []byte, n int) []byte {
	var x uint64
	bits := 0
	for n > 0 {
		if bits < 6 {
			x, bits = rand.Uint64(), 64
		}
		v := x & 63
		x >>= 6
		bits -= 6
		if v < 62 {
			dst = append(dst, Base62[v])
			n--
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
