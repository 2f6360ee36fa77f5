package web

import (
	"slices"
	"strings"
	"testing"

	"github.com/hookctl/hookctl/internal/delivery"
)

// TestLivegapSeqsRoundTrip: the seqs a page hands its stream are written
// as runs and read back as they were; a hand-made list is bounded and
// what does not parse is skipped.
func TestLivegapSeqsRoundTrip(t *testing.T) {
	for _, seqs := range [][]int64{nil, {7}, {7, 9, 10, 11, 12, 20}, {1, 2, 3}} {
		s := formatSeqs(seqs)
		if got := parseSeqs(s); !slices.Equal(got, seqs) {
			t.Errorf("parseSeqs(formatSeqs(%v) = %q) = %v", seqs, s, got)
		}
	}
	if s := formatSeqs([]int64{7, 9, 10, 11, 12, 20}); s != "7,9-12,20" {
		t.Errorf("formatSeqs = %q, want 7,9-12,20", s)
	}
	if got := parseSeqs("x,5,-3,9-8,4-,0,1-1000000000000"); len(got) != delivery.MaxSeqGaps || got[0] != 5 || got[1] != 1 {
		t.Errorf("parseSeqs of a hand-made list: %d seqs, first %v", len(got), got[:min(3, len(got))])
	}
	if got := parseSeqs(strings.Repeat("3,", 5000)); len(got) != delivery.MaxSeqGaps {
		t.Errorf("parseSeqs of 5000 seqs: %d, want at most %d", len(got), delivery.MaxSeqGaps)
	}
}
