package store

import (
	"context"
	"time"
)

// Pruner is implemented by stores that can drop old history
// (`hookctl store prune`): events created before a time, with their
// deliveries and attempts, and the tombstones of HistoryKinds written
// before it. An event with a delivery still pending, or
// leased to a live process (a bulk replay leases a failed one in place:
// MatchRequeuer), stays whole (it is still being delivered), and
// subscriptions always stay.
type Pruner interface {
	// Prune deletes, in one transaction, up to limit such events (the
	// oldest first; limit 0: all) with their deliveries and attempts, and
	// returns what it deleted and how many events before the time it kept
	// for a pending delivery. Every call deletes all the HistoryKinds
	// tombstones written before the time (limit counts events only). With dryRun it deletes nothing and counts
	// what a prune of every such event would delete.
	Prune(ctx context.Context, before time.Time, limit int, dryRun bool) (PruneCounts, error)
}

// KindSvixEndpointGone is the kind of the store object a deleted Svix
// endpoint leaves (internal/provider/svix): where it stood in its
// application's endpoint list, so an iterator naming it keeps its place.
const KindSvixEndpointGone = "svix.endpoint_gone"

// KindSvixTask is the kind of the store object a Svix background task
// (recover, replay-missing, bulk-replay) is recorded as, read back by
// GET /api/v1/background-task/{id}: a tombstone of HistoryKinds, so a
// prune deletes it with the history of its time.
const KindSvixTask = "svix.background_task"

// HistoryKinds are the kinds of tombstones that are history, as events
// are: a prune deletes those written (deleted) before its time; a
// reset deletes every object anyway. A Svix application's tombstone is
// not history: it keeps its messages from bringing it back.
var HistoryKinds = []string{KindSvixEndpointGone, KindSvixTask}

// PruneCounts is what a prune deleted (or would delete).
type PruneCounts struct {
	Events, Deliveries, Attempts int64
	// Objects: tombstones of HistoryKinds written before the time.
	Objects int64
	// KeptPending: events created before the time kept because a
	// delivery of theirs is pending (or leased: being replayed).
	KeptPending int64
}

// Add returns the sum of c and o (KeptPending: o's, the latest count).
func (c PruneCounts) Add(o PruneCounts) PruneCounts {
	return PruneCounts{Events: c.Events + o.Events, Deliveries: c.Deliveries + o.Deliveries,
		Attempts: c.Attempts + o.Attempts, Objects: c.Objects + o.Objects, KeptPending: o.KeptPending}
}

// Vacuumer is implemented by stores whose file keeps the space of deleted
// rows until it is compacted (SQLite).
type Vacuumer interface {
	Vacuum(ctx context.Context) error
}
