package sqlite

import (
	"testing"

	"github.com/hookctl/hookctl/internal/store/storetest"
)

// BenchmarkPgjsonEventReads: storetest.BenchEventReads on SQLite.
func BenchmarkPgjsonEventReads(b *testing.B) {
	s := openTemp(b)
	b.Cleanup(func() { s.Close() })
	storetest.BenchEventReads(b, s)
}
