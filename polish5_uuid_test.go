package main

import (
	"crypto/rand"
	"encoding/hex"
	"os"

	"github.com/google/uuid"
)

// polish5UUIDEnv, read by the test binary only (not by hookctl), makes
// every UUID the test binary's hookctl generates start with the 4 bytes
// it gives in hex: ids made at run time (a check's probes, demo's
// deliveries) that share their first 8 characters with each other and
// with what the store holds, as two ids in a large store may.
const polish5UUIDEnv = "HOOKCTL_TEST_UUID_PREFIX"

// polish5TestUUIDs applies polish5UUIDEnv; called by the test binary
// when it runs as hookctl.
func polish5TestUUIDs() {
	head, err := hex.DecodeString(os.Getenv(polish5UUIDEnv))
	if err != nil || len(head) != 4 {
		return
	}
	uuid.SetRand(prefixedRand{head})
}

// prefixedRand is crypto/rand with the first bytes of each UUID's read
// (16 bytes) fixed.
type prefixedRand struct{ head []byte }

func (p prefixedRand) Read(b []byte) (int, error) {
	n, err := rand.Read(b)
	if len(b) == 16 {
		copy(b, p.head)
	}
	return n, err
}
