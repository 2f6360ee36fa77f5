package store

import (
	"context"
	"time"
)

// Pruner is implemented by stores that can drop old history
// (`hookctl store prune`): events created before a time, with their
// deliveries and attempts. An event with a delivery still pending, or
// leased to a live process (a bulk replay leases a failed one in place:
// MatchRequeuer), stays whole (it is still being delivered), and
// subscriptions always stay.
type Pruner interface {
	// Prune deletes, in one transaction, up to limit such events (the
	// oldest first; limit 0: all) with their deliveries and attempts, and
	// returns what it deleted and how many events before the time it kept
	// for a pending delivery. With dryRun it deletes nothing and counts
	// what a prune of every such event would delete.
	Prune(ctx context.Context, before time.Time, limit int, dryRun bool) (PruneCounts, error)
}

// PruneCounts is what a prune deleted (or would delete).
type PruneCounts struct {
	Events, Deliveries, Attempts int64
	// KeptPending: events created before the time kept because a
	// delivery of theirs is pending (or leased: being replayed).
	KeptPending int64
}

// Add returns the sum of c and o (KeptPending: o's, the latest count).
func (c PruneCounts) Add(o PruneCounts) PruneCounts {
	return PruneCounts{Events: c.Events + o.Events, Deliveries: c.Deliveries + o.Deliveries,
		Attempts: c.Attempts + o.Attempts, KeptPending: o.KeptPending}
}

// Vacuumer is implemented by stores whose file keeps the space of deleted
// rows until it is compacted (SQLite).
type Vacuumer interface {
	Vacuum(ctx context.Context) error
}
