package service

import (
	"context"
	"fmt"

	"github.com/hookctl/hookctl/internal/delivery"
	"github.com/hookctl/hookctl/internal/store"
)

// PublishTo stores ev with one delivery per subscription given (chosen by
// the caller: a Svix application's endpoints whose filter matches), in
// one transaction, and hands them to the engine. With no subscription the
// event is still stored (a Svix message nobody listens to yet).
func (d *Dispatcher) PublishTo(ctx context.Context, ev *store.Event, subs []*store.Subscription, t Target) (*Published, error) {
	if ev.Source == "" {
		ev.Source = store.SourceTriggered
	}
	sch := t.Schedule
	if len(sch) == 0 {
		sch = d.Schedule
	}
	plan := delivery.Plan{Schedule: sch, RunID: t.RunID, Headers: t.Headers}
	now := d.now()
	ds := make([]*store.Delivery, 0, len(subs))
	for _, s := range subs {
		if s.Status != store.StatusEnabled {
			continue
		}
		dl := plan.NewDelivery(s, now)
		dl.Kind, dl.OriginID = t.Kind, t.OriginID
		if t.NotBefore.After(dl.NextAttemptAt) {
			dl.NextAttemptAt = t.NotBefore
		}
		ds = append(ds, dl)
	}
	var err error
	switch {
	case len(ds) == 0:
		err = d.Store.CreateEvent(ctx, ev, nil)
	case d.Engine != nil && t.Manual:
		err = d.Engine.EnqueueManual(ctx, []*store.Event{ev}, [][]*store.Delivery{ds})
	case d.Engine != nil:
		err = d.Engine.Enqueue(ctx, []*store.Event{ev}, [][]*store.Delivery{ds})
	default:
		err = delivery.Enqueue(ctx, d.Store, ev, ds)
	}
	if err != nil {
		return nil, err
	}
	if d.Engine != nil && len(ds) > 0 {
		d.Engine.Wake()
	}
	return &Published{Event: ev, Deliveries: ds}, nil
}

// FindOneByMetadata returns the oldest subscription whose metadata has
// key = value (the provider APIs keep their own ids there: a Stripe
// endpoint's we_…), read alone: the store filters in SQL, through an index
// for the provider id keys. It returns an error matching store.ErrNotFound
// when nothing has it (or value is "").
func FindOneByMetadata(ctx context.Context, st store.Store, kind, key, value string) (*store.Subscription, error) {
	if value == "" {
		return nil, &store.NotFoundError{Kind: kind, ID: value}
	}
	subs, err := st.ListSubscriptions(ctx, store.SubscriptionFilter{Meta: map[string]string{key: value}, Limit: 1})
	if err != nil {
		return nil, err
	}
	if len(subs) == 0 {
		return nil, &store.NotFoundError{Kind: kind, ID: value}
	}
	return subs[0], nil
}

// GetExact finds a subscription by its full ID (no prefix matching: the
// provider APIs hand out whole ids). hookctl's UUIDs are taken in any
// case, as the CLI takes them (4F1C… names 4f1c…); other ids (Stripe's
// we_…) are case-sensitive.
func GetExact(ctx context.Context, st store.Store, id string) (*store.Subscription, error) {
	id = store.NormalizeIDPrefix(id)
	s, err := st.GetSubscription(ctx, id)
	if err != nil {
		return nil, err
	}
	if s.ID != id {
		return nil, &store.NotFoundError{Kind: "subscription", ID: id}
	}
	return s, nil
}

// Reset empties the store (subscriptions, events, deliveries, attempts),
// for test isolation; the store must implement store.Resetter.
func Reset(ctx context.Context, st store.Store) error {
	r, ok := st.(store.Resetter)
	if !ok {
		return fmt.Errorf("this store cannot be reset")
	}
	return r.Reset(ctx)
}
