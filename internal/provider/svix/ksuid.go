package svix

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"math/big"
	"strings"
	"time"

	"github.com/hookctl/hookctl/internal/store"
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

// Message and attempt ids are KSUIDs too (msg_…, atmpt_…: 27 base62
// characters, the first 4 of their 20 bytes the seconds since
// ksuidEpoch), and their other 16 bytes carry their place, so that they
// sort as their lists do and an iterator (an id alone, as Svix's are)
// holds its place when the item it names is gone: the next 3 bytes are
// the microseconds within the second (Svix's KsuidMs keeps milliseconds
// in its fifth byte; these are finer: the stores keep microseconds); a
// message's other 13 bytes are random (its creation times are distinct:
// msgTime), an attempt's its delivery's Seq (8 bytes), its number (3) and
// 2 of its delivery id's hash (attemptID).

// placeBytes is the first 7 bytes of a KSUID of t to the microsecond.
func placeBytes(b *[20]byte, t time.Time) {
	binary.BigEndian.PutUint32(b[:4], uint32(max(t.Unix()-ksuidEpoch, 0)))
	us := uint32(t.Nanosecond() / 1000)
	b[4], b[5], b[6] = byte(us>>16), byte(us>>8), byte(us)
}

// placeTime reads placeBytes back.
func placeTime(b [20]byte) time.Time {
	us := int64(b[4])<<16 | int64(b[5])<<8 | int64(b[6])
	return time.Unix(int64(binary.BigEndian.Uint32(b[:4]))+ksuidEpoch, us*1000).UTC()
}

// ksuidBytes reads a KSUID's 20 bytes (false when s is not 27 base62
// characters, or is more than 20 bytes).
func ksuidBytes(s string) (b [20]byte, ok bool) {
	if len(s) != ksuidLen {
		return b, false
	}
	n, base := new(big.Int), big.NewInt(62)
	for i := 0; i < len(s); i++ {
		d := strings.IndexByte(ksuidAlphabet, s[i])
		if d < 0 {
			return b, false
		}
		n.Mul(n, base).Add(n, big.NewInt(int64(d)))
	}
	if n.BitLen() > 160 {
		return b, false
	}
	n.FillBytes(b[:])
	return b, true
}

// newMsgID is a message's id, created at t (to the microsecond).
func newMsgID(t time.Time) string {
	var b [20]byte
	placeBytes(&b, t)
	rand.Read(b[7:])
	return "msg_" + ksuidString(b)
}

// msgIDTime is the creation time a message id of newMsgID's carries
// (false for an id that is no KSUID: messages stored before, other
// shapes). A KSUID serve did not make (one copied from Svix) stands
// where Svix would compare it: within its second, at the last
// microsecond when its next bytes are more than a second's.
func msgIDTime(id string) (time.Time, bool) {
	s, ok := strings.CutPrefix(id, "msg_")
	if !ok {
		return time.Time{}, false
	}
	b, ok := ksuidBytes(s)
	if !ok {
		return time.Time{}, false
	}
	if us(b) >= 1000000 {
		b[4], b[5], b[6] = 0x0f, 0x42, 0x3f // 999999
	}
	return placeTime(b), true
}

func us(b [20]byte) int { return int(b[4])<<16 | int(b[5])<<8 | int(b[6]) }

// attemptIDOf is an attempt's id: its start, its delivery's Seq, its
// number and 2 bytes of its delivery id's hash, so it sorts as the
// attempt lists do (newest first: start, delivery, number) and reads
// back to its place (attemptIDPlace).
func attemptIDOf(deliveryID string, deliverySeq int64, number int, started time.Time) string {
	var b [20]byte
	placeBytes(&b, started)
	binary.BigEndian.PutUint64(b[7:15], uint64(deliverySeq))
	b[15], b[16], b[17] = byte(number>>16), byte(number>>8), byte(number)
	h := sha256.Sum256([]byte(deliveryID))
	b[18], b[19] = h[0], h[1]
	return "atmpt_" + ksuidString(b)
}

// attemptIDPlace reads an attemptIDOf id back to its place (false for
// any other string).
func attemptIDPlace(id string) (store.AttemptCursor, bool) {
	s, ok := strings.CutPrefix(id, "atmpt_")
	if !ok {
		return store.AttemptCursor{}, false
	}
	b, ok := ksuidBytes(s)
	seq := int64(binary.BigEndian.Uint64(b[7:15]))
	n := int(b[15])<<16 | int(b[16])<<8 | int(b[17])
	if !ok || us(b) >= 1000000 || seq < 1 || n < 1 {
		return store.AttemptCursor{}, false
	}
	return store.AttemptCursor{StartedAt: placeTime(b), DeliverySeq: seq, Number: n}, true
}
