package store

import "context"

// Resetter is implemented by stores that can be emptied: every
// subscription, event, delivery, attempt and object (store.Object)
// removed in one transaction
// (`hookctl serve --allow-reset`'s POST /_hookctl/reset, for test
// isolation). The schema stays.
type Resetter interface {
	Reset(ctx context.Context) error
}
