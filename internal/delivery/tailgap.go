package delivery

import (
	"context"
	"slices"
	"time"

	"github.com/hookctl/hookctl/internal/store"
)

// SeqGapInspector is implemented by stores whose deliveries commit out of
// seq order (PostgreSQL: seq is taken from a sequence inside the writing
// transaction, so one with a lower seq can commit after a higher one).
// SQLite assigns seq in commit order (one writer) and does not implement
// it: a follower of its log has no gaps to watch, at no cost per tick.
type SeqGapInspector interface {
	// MissingSeqs returns the seqs in (after, upto] no delivery has now,
	// at most max of them, lowest first.
	MissingSeqs(ctx context.Context, after, upto int64, max int) ([]int64, error)
	// InspectSeqs returns the rows with these seqs that match q's
	// filters, by seq.
	InspectSeqs(ctx context.Context, q store.InspectQuery, seqs []int64) ([]*store.DeliveryRow, error)
}

// SeqGapGrace is how long a follower of the log re-reads a seq missing
// below its cursor: longer than hookctl's write transactions (a trigger's
// or an import's batch, a worker's claim), so a delivery committed late
// is still found; a gap that outlives it was rolled back (or its row
// deleted) and is dropped.
const SeqGapGrace = 10 * time.Second

// MaxSeqGaps bounds the seqs a follower re-reads: beyond it, new gaps are
// not watched (a delivery that fills one of those later is not shown), so
// a tick's re-read is one query of at most this many seqs.
const MaxSeqGaps = 1000

// SeqGaps is the seqs missing below a follower's cursor, each re-read
// every tick until a delivery fills it or SeqGapGrace passed.
type SeqGaps struct {
	insp  SeqGapInspector
	holes map[int64]time.Time // seq → when it was found missing
	grace time.Duration
}

// NewSeqGaps returns the gaps to watch on insp, or nil when insp's seqs
// commit in order (SeqGaps' methods are no-ops on nil).
func NewSeqGaps(insp any) *SeqGaps {
	gi, ok := insp.(SeqGapInspector)
	if !ok {
		return nil
	}
	return &SeqGaps{insp: gi, holes: map[int64]time.Time{}, grace: SeqGapGrace}
}

// Len is how many gaps are watched.
func (g *SeqGaps) Len() int {
	if g == nil {
		return 0
	}
	return len(g.holes)
}

// Missing returns the seqs in (after, upto] missing now (at most
// MaxSeqGaps): read before a filtered range read, whose rows do not show
// the seqs of the deliveries the filter hides.
func (g *SeqGaps) Missing(ctx context.Context, after, upto int64) ([]int64, error) {
	if g == nil || upto <= after {
		return nil, nil
	}
	return g.insp.MissingSeqs(ctx, after, upto, MaxSeqGaps)
}

// Add watches seq (within MaxSeqGaps).
func (g *SeqGaps) Add(seq int64) {
	if g == nil || len(g.holes) >= MaxSeqGaps {
		return
	}
	if _, ok := g.holes[seq]; !ok {
		g.holes[seq] = time.Now()
	}
}

// Remove stops watching seq (a delivery read otherwise).
func (g *SeqGaps) Remove(seq int64) {
	if g != nil {
		delete(g.holes, seq)
	}
}

// AddBetween watches the seqs strictly between lo and hi (two seqs an
// unfiltered range read returned one after the other), within MaxSeqGaps.
func (g *SeqGaps) AddBetween(lo, hi int64) {
	for s := lo + 1; g != nil && s < hi && len(g.holes) < MaxSeqGaps; s++ {
		g.Add(s)
	}
}

// Fill re-reads the gaps and returns the rows that filled them and match
// q's filters, by seq; it drops those gaps and the expired ones (read one
// last time).
func (g *SeqGaps) Fill(ctx context.Context, q store.InspectQuery) ([]*store.DeliveryRow, error) {
	if g.Len() == 0 {
		return nil, nil
	}
	seqs := make([]int64, 0, len(g.holes))
	for s := range g.holes {
		seqs = append(seqs, s)
	}
	slices.Sort(seqs)
	rows, err := g.insp.InspectSeqs(ctx, q, seqs)
	if err != nil {
		return nil, err
	}
	for _, row := range rows {
		delete(g.holes, row.Seq)
	}
	g.Expire()
	return rows, nil
}

// NewGapSet returns gaps of another log whose ids or seqs commit out of
// order (the requeue log on PostgreSQL: store.RequeueGapLog; the
// inspector's events), re-read by their follower itself: Add,
// AddBetween, Remove, Has, Seqs and Expire, not Missing or Fill.
func NewGapSet() *SeqGaps {
	return &SeqGaps{holes: map[int64]time.Time{}, grace: SeqGapGrace}
}

// Has reports whether seq is watched.
func (g *SeqGaps) Has(seq int64) bool {
	if g == nil {
		return false
	}
	_, ok := g.holes[seq]
	return ok
}

// Seqs returns the gaps watched, lowest first.
func (g *SeqGaps) Seqs() []int64 {
	if g.Len() == 0 {
		return nil
	}
	out := make([]int64, 0, len(g.holes))
	for s := range g.holes {
		out = append(out, s)
	}
	slices.Sort(out)
	return out
}

// Expire drops the gaps watched for longer than the grace.
func (g *SeqGaps) Expire() {
	if g == nil {
		return
	}
	now := time.Now()
	for s, at := range g.holes {
		if now.Sub(at) > g.grace {
			delete(g.holes, s)
		}
	}
}

func (g *SeqGaps) clone() *SeqGaps {
	if g == nil {
		return nil
	}
	c := *g
	c.holes = make(map[int64]time.Time, len(g.holes))
	for s, at := range g.holes {
		c.holes[s] = at
	}
	return &c
}
