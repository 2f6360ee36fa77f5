package serve

import (
	"context"
	"time"

	"github.com/hookctl/hookctl/internal/delivery"
	"github.com/hookctl/hookctl/internal/store"
)

// forgetful is the store the APIs write through: a subscription changed or
// deleted through an API is dropped from the in-process engine's cache, so
// a rotated secret signs the very next delivery.
type forgetful struct {
	store.Store
	engine *delivery.Engine
}

// DeletedSubscriptionID forwards store.DeletedSubscriptions (the wrapper
// hides what the store implements beyond store.Store).
func (f forgetful) DeletedSubscriptionID(ctx context.Context, idOrPrefix string) (string, error) {
	if d, ok := f.Store.(store.DeletedSubscriptions); ok {
		return d.DeletedSubscriptionID(ctx, idOrPrefix)
	}
	return "", &store.NotFoundError{Kind: "subscription", ID: idOrPrefix}
}

func (f forgetful) UpdateSubscription(ctx context.Context, s *store.Subscription) error {
	err := f.Store.UpdateSubscription(ctx, s)
	f.engine.Forget(s.ID)
	return err
}

// UpdateSubscriptionFunc keeps the store's atomic update (the row locked
// while fn runs) behind the wrapper: without it every API update was a
// plain read-modify-write and parallel edits reverted each other.
func (f forgetful) UpdateSubscriptionFunc(ctx context.Context, idOrPrefix string, fn func(*store.Subscription) error) (*store.Subscription, error) {
	s, err := store.UpdateSubscriptionFunc(ctx, f.Store, idOrPrefix, fn)
	if s != nil {
		f.engine.Forget(s.ID)
	}
	return s, err
}

func (f forgetful) DeleteSubscription(ctx context.Context, id string) error {
	err := f.Store.DeleteSubscription(ctx, id)
	f.engine.Forget(id)
	return err
}

// Reset implements store.Resetter when the store does.
func (f forgetful) Reset(ctx context.Context) error {
	r, ok := f.Store.(store.Resetter)
	if !ok {
		return errNoReset
	}
	return r.Reset(ctx)
}

// ExpungeEvent implements store.ContentExpunger when the store does: the
// event is dropped from the engine's cache too, so a replay of it in
// this process reads it expunged (nothing sent), not the payload cached
// when it was first sent.
func (f forgetful) ExpungeEvent(ctx context.Context, id string, at time.Time) error {
	x, ok := f.Store.(store.ContentExpunger)
	if !ok {
		return errNoExpunge
	}
	err := x.ExpungeEvent(ctx, id, at)
	f.engine.ForgetEvent(id)
	return err
}

// ExpungeAttemptBody implements store.ContentExpunger when the store does.
func (f forgetful) ExpungeAttemptBody(ctx context.Context, deliveryID string, number int) error {
	x, ok := f.Store.(store.ContentExpunger)
	if !ok {
		return errNoExpunge
	}
	return x.ExpungeAttemptBody(ctx, deliveryID, number)
}
