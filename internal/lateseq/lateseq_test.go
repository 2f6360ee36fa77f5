package lateseq

import (
	"context"
	"slices"
	"testing"
)

// fakeLog is a log of the seqs present; missing answers as MissingSeqs does.
type fakeLog map[int64]bool

func (l fakeLog) missing(_ context.Context, after, upto int64, max int) ([]int64, error) {
	var out []int64
	for s := after + 1; s <= upto && len(out) < max; s++ {
		if !l[s] {
			out = append(out, s)
		}
	}
	return out, nil
}

// A seq missing when the window read it, or handed to it by Add as the
// cursor passed it, is reported once when filled; one the gaps watch is
// not; one below the window is not.
func TestWindow(t *testing.T) {
	ctx := context.Background()
	log := fakeLog{1: true, 3: true, 10: true}
	gaps := map[int64]bool{9: true}
	w := &Window{Missing: log.missing, Watched: func(s int64) bool { return gaps[s] }, Size: 8}
	if err := w.Start(ctx, 10); err != nil {
		t.Fatal(err)
	}
	// (2, 10]: 4..8 missing, 9 watched by the gaps.
	if got := w.seqs; !slices.Equal(got, []int64{4, 5, 6, 7, 8}) {
		t.Fatalf("started with %v", got)
	}
	log[5], log[9] = true, true
	filled, _ := w.Check(ctx, 10)
	if !slices.Equal(filled, []int64{5}) {
		t.Fatalf("filled %v, want [5] (9 is the gaps')", filled)
	}
	if filled, _ = w.Check(ctx, 10); len(filled) != 0 {
		t.Fatalf("filled again: %v", filled)
	}
	// The cursor moves to 20 past 11..19 missing; filled before the next
	// Check: reported only when handed over by Add.
	log[20] = true
	w.Add(13, 14)
	log[13], log[19] = true, true
	filled, _ = w.Check(ctx, 20)
	if !slices.Equal(filled, []int64{13}) {
		t.Fatalf("filled %v, want [13] (19 was never handed over; 4..8 are below the window)", filled)
	}
	w.Add(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11)
	if w.Len() != 8 {
		t.Fatalf("%d seqs kept, want at most Size", w.Len())
	}
	var nilw *Window
	nilw.Add(1)
	if nilw.Due() || nilw.Len() != 0 || nilw.Clone() != nil {
		t.Fatal("nil window")
	}
	if f, err := nilw.Check(ctx, 5); f != nil || err != nil {
		t.Fatal("nil window checks")
	}
}
