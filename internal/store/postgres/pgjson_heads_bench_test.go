package postgres_test

import (
	"testing"

	"github.com/hookctl/hookctl/internal/store/storetest"
)

// BenchmarkPgjsonEventReads: a listing's window of 256 events read whole
// (GetEvents, as deliveries list did) or as heads (GetEventHeads), from
// 10,000 events shaped as bench/cmd/seed writes them.
func BenchmarkPgjsonEventReads(b *testing.B) {
	storetest.BenchEventReads(b, openBench(b))
}
