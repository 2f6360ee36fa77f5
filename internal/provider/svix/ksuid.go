package svix

import (
	"crypto/rand"
	"encoding/binary"
	"math/big"
	"strings"
	"time"
)

// Svix's ids (app_…, ep_…, msg_…) are a prefix and a KSUID: 27 base62
// characters (0-9A-Za-z) of 20 bytes, the first 4 the seconds since
// ksuidEpoch, the other 16 random; so they sort by time, and Svix's
// lists page by comparing ids (svix-server's apply_pagination: the page
// after an iterator is the items whose id sorts after it, whether or not
// one has that id; only the prefix is checked). newID makes them so
// (Svix's KsuidMs spends one random byte on milliseconds); idPlace finds
// where an iterator that names nothing known stands.
const (
	ksuidAlphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	ksuidEpoch    = 1400000000
	ksuidLen      = 27
)

// newKSUID is a KSUID of t (crypto/rand for the 16 random bytes).
func newKSUID(t time.Time) string {
	var b [20]byte
	binary.BigEndian.PutUint32(b[:4], uint32(max(t.Unix()-ksuidEpoch, 0)))
	rand.Read(b[4:])
	return ksuidString(b)
}

func ksuidString(b [20]byte) string {
	n := new(big.Int).SetBytes(b[:])
	out := []byte(strings.Repeat("0", ksuidLen))
	base, mod := big.NewInt(62), new(big.Int)
	for i := ksuidLen - 1; i >= 0 && n.Sign() > 0; i-- {
		n.DivMod(n, base, mod)
		out[i] = ksuidAlphabet[mod.Int64()]
	}
	return string(out)
}

// idPlace is where an id that names nothing stands in a list ordered by
// creation time, as Svix places it: Svix checks only an iterator's
// prefix and compares it with its ids as strings, and its ids (KSUIDs,
// the alphabet in ASCII order, one length) sort as their times do; so
// the place is the latest second whose first KSUID (random part zero)
// sorts at or before the id, whatever the id is made of ("ep_garbage"
// sorts after every KSUID: after every endpoint). false without the
// prefix.
func idPlace(id, prefix string) (time.Time, bool) {
	s, ok := strings.CutPrefix(id, prefix)
	if !ok || s == "" {
		return time.Time{}, false
	}
	first := func(sec int64) string {
		var b [20]byte
		binary.BigEndian.PutUint32(b[:4], uint32(sec))
		return ksuidString(b)
	}
	lo, hi := int64(0), int64(1<<32-1) // first(lo) <= s, unless s is below every KSUID
	if s >= first(hi) {
		lo = hi
	}
	for lo < hi {
		mid := lo + (hi-lo+1)/2
		if first(mid) <= s {
			lo = mid
		} else {
			hi = mid - 1
		}
	}
	return time.Unix(lo+ksuidEpoch, 0).UTC(), true
}
