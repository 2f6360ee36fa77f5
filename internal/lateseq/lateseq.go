// Package lateseq finds the rows of a log that commit long after the seq
// they took: on PostgreSQL a seq is taken inside the writing transaction,
// so a long one (a slow import, a writer stopped mid-transaction) commits
// its row below a follower's cursor after the follower read past it. A
// follower's gaps (delivery.SeqGaps) re-read such seqs at every tick, but
// only a bounded number of them (delivery.MaxSeqGaps) for a bounded time
// (delivery.SeqGapGrace); a Window re-reads, every so often (Every), the
// seqs missing in the Size seqs below the cursor that the gaps do not
// watch, without a time limit, and says which were filled since.
//
// It is shared by `deliveries tail` (internal/delivery's Tailer); the
// inspector's live log (internal/web's lateSeqs) does the same and can
// use it.
package lateseq

import (
	"context"
	"slices"
	"time"
)

// DefaultSize is how many seqs below the cursor a Window re-reads:
// ten times the gaps a follower watches at every tick.
const DefaultSize = 10_000

// DefaultEvery is how often a Window re-reads them.
const DefaultEvery = time.Second

// Window is the seqs missing below a follower's cursor (within Size) that
// its gaps do not watch: taken by a transaction still open (or rolled
// back, or deleted). Memory is bounded by Size. Its methods are no-ops on
// nil (a store whose seqs commit in order).
type Window struct {
	// Missing returns the seqs in (after, upto] missing now, at most max,
	// lowest first (delivery.SeqGapInspector.MissingSeqs).
	Missing func(ctx context.Context, after, upto int64, max int) ([]int64, error)
	// Watched reports whether the follower's gaps watch seq (nil: none).
	Watched func(seq int64) bool
	Size    int           // DefaultSize when 0
	Every   time.Duration // DefaultEvery when 0

	seqs    []int64 // ascending
	checked time.Time
}

func (w *Window) size() int {
	if w.Size > 0 {
		return w.Size
	}
	return DefaultSize
}

// unwatched reads the seqs missing in the window below top that the
// gaps do not watch.
func (w *Window) unwatched(ctx context.Context, top int64) ([]int64, error) {
	n := w.size()
	missing, err := w.Missing(ctx, max(top-int64(n), 0), top, n)
	if err != nil {
		return nil, err
	}
	if w.Watched != nil {
		missing = slices.DeleteFunc(missing, w.Watched)
	}
	return missing, nil
}

// Start reads the seqs missing below the follower's first cursor top.
func (w *Window) Start(ctx context.Context, top int64) error {
	if w == nil {
		return nil
	}
	w.seqs, w.checked = nil, time.Now()
	if top <= 0 {
		return nil
	}
	seqs, err := w.unwatched(ctx, top)
	if err != nil {
		return err
	}
	w.seqs = seqs
	return nil
}

// Restart forgets the seqs read (the log was emptied).
func (w *Window) Restart() {
	if w != nil {
		w.seqs, w.checked = nil, time.Now()
	}
}

// Add watches seqs the follower found missing as its cursor passed them
// and its gaps do not watch (beyond their bound, or given up after their
// grace): a row that fills one before the next Check is still reported.
// Without it, a seq is watched only from the first Check that finds it
// missing. At most Size seqs are kept, the highest.
func (w *Window) Add(seqs ...int64) {
	if w == nil {
		return
	}
	for _, s := range seqs {
		if i, ok := slices.BinarySearch(w.seqs, s); !ok {
			w.seqs = slices.Insert(w.seqs, i, s)
		}
	}
	if n := w.size(); len(w.seqs) > n {
		w.seqs = slices.Delete(w.seqs, 0, len(w.seqs)-n)
	}
}

// Forget stops watching seq: the follower read its row otherwise.
func (w *Window) Forget(seq int64) {
	if w == nil {
		return
	}
	if i, ok := slices.BinarySearch(w.seqs, seq); ok {
		w.seqs = slices.Delete(w.seqs, i, i+1)
	}
}

// Due reports whether Every passed since the last read.
func (w *Window) Due() bool {
	if w == nil {
		return false
	}
	every := w.Every
	if every <= 0 {
		every = DefaultEvery
	}
	return time.Since(w.checked) >= every
}

// Check reads the missing seqs again (below top, the cursor now) and
// returns those filled since the last read, ascending: the follower
// reads their rows. A seq the gaps watch now is left to them.
func (w *Window) Check(ctx context.Context, top int64) ([]int64, error) {
	if w == nil {
		return nil, nil
	}
	now, err := w.unwatched(ctx, top)
	if err != nil {
		return nil, err
	}
	w.checked = time.Now()
	var filled []int64
	low := top - int64(w.size())
	for _, s := range w.seqs {
		if _, still := slices.BinarySearch(now, s); !still && s > low && (w.Watched == nil || !w.Watched(s)) {
			filled = append(filled, s)
		}
	}
	w.seqs = now
	return filled, nil
}

// Clone returns a copy of w (nil for nil), for a follower that undoes a
// tick that failed.
func (w *Window) Clone() *Window {
	if w == nil {
		return nil
	}
	c := *w
	c.seqs = slices.Clone(w.seqs)
	return &c
}

// Len is how many seqs w watches.
func (w *Window) Len() int {
	if w == nil {
		return 0
	}
	return len(w.seqs)
}
