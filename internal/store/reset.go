package store

import (
	"context"
	"time"
)

// Resetter is implemented by stores that can be emptied: every
// subscription, event, delivery, attempt and object (store.Object)
// removed in one transaction
// (`hookctl serve --allow-reset`'s POST /_hookctl/reset, for test
// isolation). The schema stays.
type Resetter interface {
	Reset(ctx context.Context) error
}

// ResetHolder is implemented by stores a reset can hold still first, for
// the delivery workers of other processes (`hookctl worker` beside
// `serve --no-worker`): they claim deliveries ahead of their sends and
// hold them in memory, and sent them after a reset had emptied the
// store, into the next test's receiver. A reset calls HoldForReset until
// it reports no lease (or its patience ends), then Reset.
type ResetHolder interface {
	// HoldForReset keeps the pending deliveries that are not leased now
	// from being claimed before until (their next attempt moves there:
	// the reset that follows deletes them; a reset that does not, only
	// delays them; a store may hold only those due soon, as it is called
	// again every few milliseconds while the reset waits), and returns
	// how many pending deliveries are leased, the lease not ended, to an
	// owner other than except (the caller's own worker, which the caller
	// stops itself): sends in flight, or held by a worker to be sent.
	HoldForReset(ctx context.Context, except string, until time.Time) (leased int, err error)
}
