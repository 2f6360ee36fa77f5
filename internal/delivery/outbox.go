package delivery

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/hookctl/hookctl/internal/catalog"
	"github.com/hookctl/hookctl/internal/store"
)

// ErrNoSubscription: no enabled subscription matches the event.
var ErrNoSubscription = errors.New("no enabled subscription matches the event")

// Matches reports whether subscription s takes events of eventType from
// provider: enabled, same provider (or any; s.Provider may list several,
// comma-separated: a Stripe-style endpoint takes saas and stripe events),
// and one pattern matches.
func Matches(s *store.Subscription, eventType, provider string) bool {
	if s.Status != store.StatusEnabled {
		return false
	}
	if s.Provider != "" && provider != "" && !ProviderIn(s.Provider, provider) {
		return false
	}
	for _, p := range s.Events {
		if catalog.Match(strings.TrimSpace(p), eventType) {
			return true
		}
	}
	return false
}

// Plan is how new deliveries are created: the retry schedule, the run they
// belong to, and what an ad-hoc target adds.
type Plan struct {
	Schedule Schedule
	RunID    string
	Headers  map[string]string // --header, on every delivery
	Method   string            // override ("" = subscription's)
}

// NewDelivery returns a pending delivery of an event to a subscription,
// due now.
func (p Plan) NewDelivery(s *store.Subscription, now time.Time) *store.Delivery {
	d := p.base(now)
	d.SubscriptionID = s.ID
	d.URL = s.CallbackURL
	if d.Method == "" {
		d.Method = s.Method
	}
	return d
}

// AdHoc returns a pending delivery to url with no subscription, signed
// with scheme and secret ("" scheme = unsigned).
func (p Plan) AdHoc(url, scheme, secret string, now time.Time) *store.Delivery {
	d := p.base(now)
	d.URL, d.Scheme, d.Secret = url, scheme, secret
	return d
}

func (p Plan) base(now time.Time) *store.Delivery {
	sch := p.Schedule
	if len(sch) == 0 {
		sch = DefaultSchedule
	}
	var h map[string]string
	if len(p.Headers) > 0 {
		h = make(map[string]string, len(p.Headers))
		for k, v := range p.Headers {
			h[k] = v
		}
	}
	return &store.Delivery{
		Method:        p.Method,
		Headers:       h,
		Status:        store.DeliveryPending,
		MaxAttempts:   len(sch),
		Schedule:      sch.String(),
		NextAttemptAt: now.Add(sch[0]),
		RunID:         p.RunID,
	}
}

// Enqueue writes ev and its deliveries in one transaction, before anything
// is sent: the outbox. Deliveries get their ids from the store.
func Enqueue(ctx context.Context, st store.Store, ev *store.Event, ds []*store.Delivery) error {
	if len(ds) == 0 {
		return ErrNoSubscription
	}
	return st.CreateEvent(ctx, ev, ds)
}

// batchCreator is implemented by stores that can write many events and
// their deliveries in one transaction.
type batchCreator interface {
	CreateEvents(ctx context.Context, events []*store.Event, deliveries [][]*store.Delivery) error
}

// EnqueueBatch writes several events with their deliveries: in one
// transaction when the store supports it, else one transaction each. Each
// event is in the outbox, with all its deliveries, before anything is sent.
func EnqueueBatch(ctx context.Context, st store.Store, events []*store.Event, deliveries [][]*store.Delivery) error {
	for _, ds := range deliveries {
		if len(ds) == 0 {
			return ErrNoSubscription
		}
	}
	if bc, ok := st.(batchCreator); ok && len(events) > 1 {
		return bc.CreateEvents(ctx, events, deliveries)
	}
	for i, ev := range events {
		if err := st.CreateEvent(ctx, ev, deliveries[i]); err != nil {
			return err
		}
	}
	return nil
}

// ProviderIn reports whether provider is one of list (comma-separated).
func ProviderIn(list, provider string) bool {
	for p := range strings.SplitSeq(list, ",") {
		if strings.EqualFold(strings.TrimSpace(p), provider) {
			return true
		}
	}
	return false
}
