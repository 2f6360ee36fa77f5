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
		return "msg_" + randBase62(27)
	}
	return "evt_" + randBase62(24)
}

const base62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

func randBase62(n int) string {
	b := make([]byte, n)
	out := make([]byte, 0, n)
	for len(out) < n {
		rand.Read(b) // never fails (crypto/rand panics instead)
		for _, c := range b {
			if c < 248 && len(out) < n { // 248 = 4*62: no modulo bias
				out = append(out, base62[c%62])
			}
		}
	}
	return string(out)
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
