package signature

import (
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/subtle"
	"hash"
	"sync"
)

// macState is a pooled HMAC computation: RFC 2104 HMAC written over pooled
// hash states so that signing and verifying do not allocate. It is checked
// against crypto/hmac in the tests (TestPooledHMACMatchesCryptoHMAC).
type macState struct {
	h    hash.Hash
	pad  [128]byte
	sum  [64]byte
	key  []byte // the key, hashed when longer than a block
	msg  []byte // scratch for small signed prefixes ("{id}.{ts}.")
	text []byte // scratch for encoded signatures
}

type macAlgo struct {
	size, block int
	pool        sync.Pool
}

// newMacAlgo takes the hash's sizes as constants: making a hash to ask
// them cost every process (package init) three hash allocations.
func newMacAlgo(newHash func() hash.Hash, size, block int) *macAlgo {
	a := &macAlgo{size: size, block: block}
	a.pool.New = func() any {
		return &macState{h: newHash(), key: make([]byte, 0, 128), msg: make([]byte, 0, 128), text: make([]byte, 0, 256)}
	}
	return a
}

var (
	hmacSHA256 = newMacAlgo(sha256.New, sha256.Size, sha256.BlockSize)
	hmacSHA512 = newMacAlgo(sha512.New, sha512.Size, sha512.BlockSize)
	hmacSHA1   = newMacAlgo(sha1.New, sha1.Size, sha1.BlockSize)
)

func (a *macAlgo) get() *macState { return a.pool.Get().(*macState) }

// put returns a state to the pool, wiping the key material first so that
// secrets do not linger in pooled memory.
func (a *macAlgo) put(s *macState) {
	clear(s.key[:cap(s.key)])
	clear(s.pad[:])
	s.h.Reset()
	s.key, s.msg, s.text = s.key[:0], s.msg[:0], s.text[:0]
	a.pool.Put(s)
}

// begin starts an HMAC keyed with key (a string or bytes, copied into the
// state so the caller's key never escapes): it writes key XOR ipad.
func begin[K string | []byte](a *macAlgo, s *macState, key K) {
	s.key = append(s.key[:0], key...)
	if len(s.key) > a.block {
		s.h.Reset()
		s.h.Write(s.key)
		s.key = s.h.Sum(s.key[:0])
	}
	s.h.Reset()
	a.pad(s, 0x36)
}

func (a *macAlgo) pad(s *macState, b byte) {
	for i := range a.block {
		var k byte
		if i < len(s.key) {
			k = s.key[i]
		}
		s.pad[i] = k ^ b
	}
	s.h.Write(s.pad[:a.block])
}

// finish completes the HMAC and returns the MAC, valid until the state is
// reused.
func (a *macAlgo) finish(s *macState) []byte {
	inner := s.h.Sum(s.sum[:0])
	s.h.Reset()
	a.pad(s, 0x5c)
	s.h.Write(inner)
	return s.h.Sum(s.sum[:0])
}

// ctEqual reports whether a and b are equal in time that depends only on
// their lengths (like hmac.Equal).
func ctEqual(a, b []byte) bool { return subtle.ConstantTimeCompare(a, b) == 1 }

// ctEqualString compares a string with bytes in constant time without
// converting the string (which would allocate): the same XOR-accumulate
// loop as crypto/subtle.ConstantTimeCompare.
func ctEqualString(a string, b []byte) bool {
	if len(a) != len(b) {
		return false
	}
	var v byte
	for i := 0; i < len(b); i++ {
		v |= a[i] ^ b[i]
	}
	return subtle.ConstantTimeByteEq(v, 0) == 1
}

// decodeHex decodes hex text (either case) into dst, reporting false on a
// bad digit or when it does not fit. It does not allocate.
func decodeHex(dst []byte, src string) (int, bool) {
	if len(src)%2 != 0 || len(src)/2 > len(dst) {
		return 0, false
	}
	for i := 0; i < len(src); i += 2 {
		hi, ok1 := fromHexChar(src[i])
		lo, ok2 := fromHexChar(src[i+1])
		if !ok1 || !ok2 {
			return 0, false
		}
		dst[i/2] = hi<<4 | lo
	}
	return len(src) / 2, true
}

func fromHexChar(c byte) (byte, bool) {
	switch {
	case '0' <= c && c <= '9':
		return c - '0', true
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10, true
	case 'A' <= c && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}
