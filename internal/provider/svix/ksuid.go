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
// one has that id). newID makes them so; ksuidTime reads an id's time
// back: the place in a list of an iterator that names nothing known.
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
	n := new(big.Int).SetBytes(b[:])
	out := []byte(strings.Repeat("0", ksuidLen))
	base, mod := big.NewInt(62), new(big.Int)
	for i := ksuidLen - 1; i >= 0 && n.Sign() > 0; i-- {
		n.DivMod(n, base, mod)
		out[i] = ksuidAlphabet[mod.Int64()]
	}
	return string(out)
}

// ksuidTime is the time of an id that is prefix and a KSUID (false for
// any other: hookctl's ids before it made KSUIDs were random characters,
// most of which are over the 20 bytes a KSUID holds).
func ksuidTime(id, prefix string) (time.Time, bool) {
	s, ok := strings.CutPrefix(id, prefix)
	if !ok || len(s) != ksuidLen {
		return time.Time{}, false
	}
	n := new(big.Int)
	base := big.NewInt(62)
	for i := range len(s) {
		d := strings.IndexByte(ksuidAlphabet, s[i])
		if d < 0 {
			return time.Time{}, false
		}
		n.Mul(n, base).Add(n, big.NewInt(int64(d)))
	}
	if n.BitLen() > 160 {
		return time.Time{}, false
	}
	var b [20]byte
	n.FillBytes(b[:])
	return time.Unix(int64(binary.BigEndian.Uint32(b[:4]))+ksuidEpoch, 0).UTC(), true
}
