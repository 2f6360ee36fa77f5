// Package service holds the operations that hookctl's servers share: the
// provider APIs of `serve`, its control API, the web inspector and `check`
// all publish events, trigger catalog events and replay deliveries through
// one Dispatcher, so no handler touches SQL or signing itself.
//
// A Dispatcher writes events and their deliveries to the store (the
// outbox) before anything is sent; with an Engine that is running (the
// in-process worker of `serve`), fresh deliveries are handed straight to
// it, otherwise any `hookctl worker` sharing the store sends them.
package service

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/hookctl/hookctl/internal/catalog"
	"github.com/hookctl/hookctl/internal/delivery"
	"github.com/hookctl/hookctl/internal/listen"
	"github.com/hookctl/hookctl/internal/store"
)

// ErrNoTarget: nothing would receive the event (no enabled subscription
// matches it and no URL was given).
var ErrNoTarget = errors.New("no enabled subscription matches the event")

// ErrSubscriptionDisabled: the event was aimed at one subscription
// (Target.SubscriptionID) and it is disabled.
var ErrSubscriptionDisabled = errors.New("the subscription is disabled")

// ErrNoRunningReceiver: every enabled subscription that matches a
// trigger's event is a hookctl listen's that is not running
// (TriggerInput.SkipStopped); the error says which, as hookctl trigger's
// warnings do.
var ErrNoRunningReceiver = errors.New("no running receiver")

// Skipped is a subscription a trigger left out: the hookctl listen it
// belongs to is not running (killed: its subscription is still enabled),
// so a delivery would only burn the retry schedule against a refused
// connection.
type Skipped struct {
	SubscriptionID string
	// Reason says so, with what to do (listen.NotRunning's message).
	Reason string
}

// NoRunningReceiverError is ErrNoRunningReceiver with the subscriptions
// left out.
type NoRunningReceiverError struct {
	Skipped []Skipped
}

func (e *NoRunningReceiverError) Error() string {
	msg := ErrNoRunningReceiver.Error()
	for _, s := range e.Skipped {
		msg += ": " + s.Reason
	}
	return msg
}

func (e *NoRunningReceiverError) Is(target error) bool { return target == ErrNoRunningReceiver }

// Running splits subs into those a trigger sends to and those it skips:
// a hookctl listen's subscription whose listen is not running
// (listen.NotRunning: its process is gone or its port refuses). It is
// the one rule of every trigger: hookctl trigger, serve's control API,
// the inspector's trigger form.
func Running(subs []*store.Subscription) (running []*store.Subscription, skipped []Skipped) {
	for _, s := range subs {
		if msg := listen.NotRunning(s); msg != "" {
			skipped = append(skipped, Skipped{SubscriptionID: s.ID, Reason: msg})
			continue
		}
		running = append(running, s)
	}
	return running, skipped
}

// Dispatcher publishes events to subscriptions.
type Dispatcher struct {
	Store   store.Store
	Catalog *catalog.Catalog
	// Engine, when set and running, gets fresh deliveries handed over
	// (leased to it, no claim round trip). Nil: outbox only.
	Engine *delivery.Engine
	// Schedule is the retry schedule of new deliveries (nil = default).
	Schedule delivery.Schedule
	Now      func() time.Time
}

func (d *Dispatcher) now() time.Time {
	if d.Now != nil {
		return d.Now()
	}
	return time.Now()
}

// Target selects who receives a published event. Zero value: every
// enabled subscription that matches the event's type and provider.
type Target struct {
	SubscriptionID string // only this subscription (it must be enabled)
	// URL sends ad hoc to one URL, signed with Scheme and Secret.
	URL, Scheme, Secret string
	RunID               string
	Headers             map[string]string // extra headers on every delivery
	Schedule            delivery.Schedule // nil = the Dispatcher's
	// Method is the request method for deliveries whose subscription sets
	// none ("" = POST; Mambu templates use PUT and PATCH).
	Method string
	// Kind and OriginID mark the deliveries (store.Kind*).
	Kind, OriginID string
	// Manual: somebody asked for these deliveries (a resend, an edited
	// resend), so the first attempt the running engine makes of each is
	// recorded as manual (delivery.Engine.EnqueueManual).
	Manual bool
	// NotBefore, when set, is when the deliveries are first due (a Svix
	// message's deliverAt); PublishTo only.
	NotBefore time.Time
	// SkipStopped leaves out the matching subscriptions of hookctl
	// listens that are not running (Running), as hookctl trigger does;
	// they are in Published.Skipped. Every one left out:
	// NoRunningReceiverError. Only with no SubscriptionID or URL.
	SkipStopped bool
}

// Published is an event and the deliveries created for it.
type Published struct {
	Event      *store.Event
	Deliveries []*store.Delivery
	// Events are the events published: Event alone, or for a GitHub ping
	// to several webhooks one ping each (Event the first), Deliveries
	// those of all of them.
	Events []*store.Event
	// Skipped are the subscriptions left out (Target.SkipStopped).
	Skipped []Skipped
}

// Publish stores ev (its exact payload) and one delivery per target, in
// one transaction, and hands the deliveries to the engine when it runs.
// ev.ID, Source and CreatedAt are filled in when empty.
func (d *Dispatcher) Publish(ctx context.Context, ev *store.Event, t Target) (*Published, error) {
	return d.publish(ctx, ev, t, false, false)
}

// publish is Publish; with countEndpoints (a catalog event), a
// Stripe-style body's pending_webhooks is set to the number of endpoints
// the event goes to, before it is stored: the bytes stored are the bytes
// every delivery and every replay of it sends. With perHook (a catalog
// GitHub ping), each webhook gets a ping of its own naming it
// (delivery.HookPings).
func (d *Dispatcher) publish(ctx context.Context, ev *store.Event, t Target, countEndpoints, perHook bool) (*Published, error) {
	if ev.Source == "" {
		ev.Source = store.SourceTriggered
	}
	if ev.ID == "" {
		ev.ID = catalog.NewEventID(ev.Provider)
	}
	ds, skipped, err := d.deliveries(ctx, ev, t)
	if err != nil {
		return nil, err
	}
	if countEndpoints {
		ev.Payload = catalog.SetPendingWebhooks(ev.Provider, ev.Payload, len(ds))
	}
	evs, dss := []*store.Event{ev}, [][]*store.Delivery{ds}
	if perHook {
		evs, dss = delivery.HookPings(ev, ds, map[uint64]*store.Event{})
	}
	switch {
	case d.Engine != nil && t.Manual:
		err = d.Engine.EnqueueManual(ctx, evs, dss)
	case d.Engine != nil:
		err = d.Engine.Enqueue(ctx, evs, dss)
	case len(evs) == 1:
		err = delivery.Enqueue(ctx, d.Store, ev, ds)
	default:
		err = delivery.EnqueueBatch(ctx, d.Store, evs, dss)
	}
	if err != nil {
		return nil, err
	}
	if d.Engine != nil {
		d.Engine.Wake()
	}
	return &Published{Event: ev, Deliveries: ds, Events: evs, Skipped: skipped}, nil
}

// Subscribers returns the enabled subscriptions an event of this type and
// provider goes to.
func (d *Dispatcher) Subscribers(ctx context.Context, eventType, provider string) ([]*store.Subscription, error) {
	subs, err := d.Store.ListSubscriptions(ctx, store.SubscriptionFilter{Status: store.StatusEnabled, Event: eventType})
	if err != nil {
		return nil, err
	}
	var out []*store.Subscription
	for _, s := range subs {
		if delivery.Matches(s, eventType, provider) {
			out = append(out, s)
		}
	}
	return out, nil
}

func (d *Dispatcher) deliveries(ctx context.Context, ev *store.Event, t Target) ([]*store.Delivery, []Skipped, error) {
	sch := t.Schedule
	if len(sch) == 0 {
		sch = d.Schedule
	}
	plan := delivery.Plan{Schedule: sch, RunID: t.RunID, Headers: t.Headers}
	now := d.now()
	var ds []*store.Delivery
	var skipped []Skipped
	switch {
	case t.URL != "":
		scheme := t.Scheme
		if scheme == "" || scheme == "auto" {
			scheme = catalog.SchemeFor(ev.Provider)
		}
		ds = []*store.Delivery{plan.AdHoc(t.URL, scheme, t.Secret, now)}
	case t.SubscriptionID != "":
		s, err := d.Store.GetSubscription(ctx, t.SubscriptionID)
		if err != nil {
			return nil, nil, err
		}
		if s.Status != store.StatusEnabled {
			return nil, nil, fmt.Errorf("subscription %s is disabled: %w", s.ID, ErrSubscriptionDisabled)
		}
		ds = []*store.Delivery{plan.NewDelivery(s, now)}
	default:
		subs, err := d.Subscribers(ctx, ev.Type, ev.Provider)
		if err != nil {
			return nil, nil, err
		}
		if len(subs) == 0 {
			return nil, nil, ErrNoTarget
		}
		if t.SkipStopped {
			subs, skipped = Running(subs)
			if len(subs) == 0 {
				return nil, nil, &NoRunningReceiverError{Skipped: skipped}
			}
		}
		for _, s := range subs {
			ds = append(ds, plan.NewDelivery(s, now))
		}
	}
	for _, dl := range ds {
		dl.Kind, dl.OriginID = t.Kind, t.OriginID
		if dl.Method == "" && t.Method != "" && t.Method != "POST" {
			dl.Method = t.Method
		}
	}
	return ds, skipped, nil
}

// TriggerInput asks for a fresh catalog event.
type TriggerInput struct {
	Type     string // event type, or provider:type
	Provider string // narrows Type ("" = any)
	// Data replaces the fixture's body; Overrides then apply (as --set).
	Data      []byte
	Overrides []catalog.Override
	Source    string // "" = triggered
	Target    Target
}

// Build renders a catalog event without storing it (a preview).
func (d *Dispatcher) Build(in TriggerInput) (*catalog.EventType, *store.Event, error) {
	if d.Catalog == nil {
		return nil, nil, errors.New("service: no catalog")
	}
	et, err := d.Catalog.Lookup(in.Type, in.Provider)
	if err != nil {
		return nil, nil, err
	}
	built, err := d.Catalog.Build(et, catalog.BuildOptions{Now: catalog.DistinctTime(d.now()), Data: in.Data, Overrides: in.Overrides})
	if err != nil {
		return nil, nil, err
	}
	ev := &store.Event{ID: built.ID, Type: built.Type, Provider: built.Provider, Payload: built.Body,
		ContentType: built.ContentType, Source: in.Source}
	return et, ev, nil
}

// Trigger builds a fresh catalog event (new ids, the current time,
// overrides applied) and publishes it.
func (d *Dispatcher) Trigger(ctx context.Context, in TriggerInput) (*Published, error) {
	et, ev, err := d.Build(in)
	if err != nil {
		return nil, err
	}
	t := in.Target
	if t.Method == "" {
		t.Method = et.Method
	}
	// The fixture's pending_webhooks (a placeholder) becomes the number
	// of endpoints, unless the body is the caller's (Data) or the caller
	// set the field.
	count := in.Data == nil
	// A GitHub ping names the webhook it goes to (its hook_id), unless
	// the body is the caller's or the caller set the hook.
	perHook := catalog.IsGitHubPing(ev.Provider, ev.Type) && in.Data == nil
	for _, o := range in.Overrides {
		if o.Path == "pending_webhooks" {
			count = false
		}
		if o.Path == "hook_id" || o.Path == "hook" || strings.HasPrefix(o.Path, "hook.") {
			perHook = false
		}
	}
	return d.publish(ctx, ev, t, count, perHook)
}

// Replay puts deliveries back in the outbox, due now, with the bytes
// first sent (the event's stored payload, freshly signed when sent). One
// that a live process (this server's engine, a worker) is sending right
// now is left to it and not in the result: requeued, a second copy would
// go out at the same time.
//
// With a running engine they are requeued leased to it and handed to its
// workers at once (delivery.Engine.Requeue), and the attempt each gets is
// recorded as manual (store.Attempt.Manual: Svix's triggerType 1).
// Without one (serve --no-worker), a worker claims them, and that
// attempt is recorded as scheduled.
func (d *Dispatcher) Replay(ctx context.Context, ids []string, r store.Requeue) ([]string, error) {
	if r.Now.IsZero() {
		r.Now = d.now()
	}
	r.Unheld = true
	if r.ExtraAttempts == 0 {
		r.ExtraAttempts = 1
	}
	if r.Schedule == "" {
		r.Schedule = "0s"
	}
	if d.Engine != nil {
		return d.Engine.RequeueIDs(ctx, ids, r)
	}
	return d.Store.Requeue(ctx, ids, r)
}
