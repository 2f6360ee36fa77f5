package delivery

import (
	"slices"
	"time"
)

// The requeue log's ids on PostgreSQL (store.RequeueGapLog) are taken
// inside the requeue's transaction, so entries commit out of id order: a
// tail re-reads the ids missing below its cursor in the log for a while.
// This is the one gap mechanism left: the deliveries are found by
// transaction (store.CommitReader), but the requeue log has no txid column
// (schema 12), and a requeue's transaction is short (one statement per
// delivery, or one bulk update), so a bounded re-read covers it.

// idGapGrace is how long a tail re-reads an id missing below its requeue
// log cursor: longer than a requeue's transaction (a bulk replay's), so
// an entry committed late is still found; a gap that outlives it was
// rolled back (or pruned) and is dropped.
const idGapGrace = 10 * time.Second

// maxIDGaps bounds the ids re-read: a tick's re-read is one query of at
// most this many ids.
const maxIDGaps = 1000

// idGaps is the ids missing below a cursor, each re-read until an entry
// fills it or idGapGrace passed. Its methods are no-ops on nil (a log
// whose ids commit in order).
type idGaps struct {
	holes map[int64]time.Time // id → when it was found missing
	grace time.Duration
}

func newIDGaps() *idGaps {
	return &idGaps{holes: map[int64]time.Time{}, grace: idGapGrace}
}

// Len is how many gaps are watched.
func (g *idGaps) Len() int {
	if g == nil {
		return 0
	}
	return len(g.holes)
}

// Remove stops watching id (an entry read).
func (g *idGaps) Remove(id int64) {
	if g != nil {
		delete(g.holes, id)
	}
}

// AddBetween watches the ids strictly between lo and hi (two ids a read
// returned one after the other), within maxIDGaps.
func (g *idGaps) AddBetween(lo, hi int64) {
	for s := lo + 1; g != nil && s < hi && len(g.holes) < maxIDGaps; s++ {
		if _, ok := g.holes[s]; !ok {
			g.holes[s] = time.Now()
		}
	}
}

// Seqs returns the ids watched, lowest first.
func (g *idGaps) Seqs() []int64 {
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
func (g *idGaps) Expire() {
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

func (g *idGaps) clone() *idGaps {
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
