package svix

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/hookctl/hookctl/internal/catalog"
	"github.com/hookctl/hookctl/internal/provider"
	"github.com/hookctl/hookctl/internal/service"
	"github.com/hookctl/hookctl/internal/store"
)

// window reads a recover/ or replay-missing/ body, {since, until?}: since
// required, until not before it (a swapped pair is a mistake, not a
// window that holds nothing).
func (a *api) window(w http.ResponseWriter, r *http.Request) (since time.Time, until *time.Time, ok bool) {
	var in struct {
		Since *time.Time `json:"since"`
		Until *time.Time `json:"until"`
	}
	if !a.decode(w, r, &in, false) {
		return since, nil, false
	}
	if in.Since == nil {
		fail(w, http.StatusUnprocessableEntity, "validation", "since is required (an RFC 3339 time)")
		return since, nil, false
	}
	if in.Until != nil && in.Until.Before(*in.Since) {
		fail(w, http.StatusUnprocessableEntity, "validation", "until must not be before since ("+
			in.Until.UTC().Format(time.RFC3339)+" is before "+in.Since.UTC().Format(time.RFC3339)+")")
		return since, nil, false
	}
	return *in.Since, in.Until, true
}

// replayMissing is Svix's endpoint.replayMissing: every message of the
// application created in [since, until] that the endpoint takes (its
// filterTypes and channels) and never got (no delivery to it at all:
// the endpoint did not exist, was disabled, or did not take the type
// then) is sent to it now, a fresh delivery of the stored bytes, as a
// resend/ to an endpoint the message never went to is. A message the
// endpoint has a delivery of, whatever its state, is left alone (recover/
// resends the failed ones).
func (a *api) replayMissing(w http.ResponseWriter, r *http.Request) {
	app, sub, ok := a.appEndpoint(w, r)
	if !ok {
		return
	}
	since, until, ok := a.window(w, r)
	if !ok {
		return
	}
	missing, err := a.missing(r.Context(), app, sub, since, until)
	if a.bad(w, err) {
		return
	}
	now := a.s.NowUTC()
	for _, ev := range missing {
		target := service.Target{Manual: true}
		// A message scheduled for later (deliverAt) goes to this
		// endpoint at its time too, as to the others, not at once.
		if at, err := time.Parse(time.RFC3339Nano, first(ev.Headers[hdrDeliverAt])); err == nil && at.After(now) {
			target.NotBefore = at
		}
		if _, err := a.s.Dispatch.PublishTo(r.Context(), ev, []*store.Subscription{sub}, target); a.bad(w, err) {
			return
		}
	}
	a.finishTask(w, r, "endpoint.replay", len(missing))
}

// missing lists, oldest first, app's messages created in [since, until]
// that sub takes and has no delivery of. The messages are read a page at
// a time through the store's application filter.
func (a *api) missing(ctx context.Context, app *App, sub *store.Subscription, since time.Time, until *time.Time) ([]*store.Event, error) {
	const page = 200
	f := store.EventFilter{Source: store.SourceTriggered, Header: map[string]string{hdrApp: app.ID}, Since: since,
		Oldest: true, Limit: page, NoCounts: true}
	var out []*store.Event
	for {
		evs, err := a.s.Store.ListEvents(ctx, f)
		if err != nil {
			return nil, err
		}
		for _, e := range evs {
			if until != nil && e.CreatedAt.After(*until) {
				return out, nil
			}
			var channels []string
			if c := first(e.Headers[hdrChan]); c != "" {
				channels = strings.Split(c, ",")
			}
			if !takes(sub, e.Type, channels) || expunged(&e.Event) {
				continue // not taken, or nothing to send (expunged)
			}
			ds, err := a.s.Store.ListDeliveries(ctx, store.DeliveryFilter{SubscriptionID: sub.ID, EventID: e.ID, Limit: 1})
			if err != nil {
				return nil, err
			}
			if len(ds) == 0 {
				out = append(out, &e.Event)
			}
		}
		if len(evs) < page {
			return out, nil
		}
		f.After = evs[len(evs)-1].ID
	}
}

// takes is matches without the endpoint's state: a disabled endpoint
// takes what its filters take (PublishTo sends nothing to it).
func takes(s *store.Subscription, eventType string, channels []string) bool {
	enabled := *s
	enabled.Status = store.StatusEnabled
	return matches(&enabled, eventType, channels)
}

// sendExample is Svix's endpoint.sendExample: a message of eventType
// with an example payload, sent to this endpoint only (it is one of the
// application's messages, as in Svix). The example is the declared event
// type's schema example (schemas {"1": {"examples": […]}}, exampleIndex,
// 0 by default), as Svix takes it, else the body hookctl's catalog builds
// for that type (a Standard Webhooks event such as invoice.paid, or a
// .hookctl/fixtures one; another provider's type gives its body).
func (a *api) sendExample(w http.ResponseWriter, r *http.Request) {
	app, sub, ok := a.appEndpoint(w, r)
	if !ok {
		return
	}
	var in struct {
		EventType    string `json:"eventType"`
		ExampleIndex *int   `json:"exampleIndex"`
	}
	if !a.decode(w, r, &in, false) {
		return
	}
	if !validEventType(w, in.EventType) {
		return
	}
	idx := 0
	if in.ExampleIndex != nil {
		if idx = *in.ExampleIndex; idx < 0 {
			failValidation(w, []string{"body", "exampleIndex"}, "exampleIndex must be 0 or more")
			return
		}
	}
	payload, problem, err := a.example(r.Context(), in.EventType, idx)
	if a.bad(w, err) {
		return
	}
	if problem != "" {
		failValidation(w, []string{"body", "eventType"}, problem)
		return
	}
	id, created := a.newMsg()
	ev := &store.Event{ID: id, Type: in.EventType, Provider: "standard", Payload: payload,
		ContentType: "application/json", Source: store.SourceTriggered,
		Headers:   map[string][]string{hdrApp: {app.ID}, hdrAppName: {app.Name}},
		CreatedAt: created}
	if app.UID != nil {
		ev.Headers[hdrAppUID] = []string{*app.UID}
	}
	if _, err := a.s.Dispatch.PublishTo(r.Context(), ev, []*store.Subscription{sub}, service.Target{Manual: true}); a.bad(w, err) {
		return
	}
	provider.WriteJSON(w, http.StatusAccepted, renderMsg(ev, true))
}

// example is the payload sendExample sends for eventType; problem says
// why there is none (a 422).
func (a *api) example(ctx context.Context, eventType string, idx int) (payload json.RawMessage, problem string, err error) {
	o, err := a.s.Store.GetObject(ctx, kindEventType, eventType)
	if err != nil && !provider.IsNotFound(err) {
		return nil, "", err
	}
	if err == nil {
		et, err := objectET(o)
		if err != nil {
			return nil, "", err
		}
		var schemas map[string]struct {
			Examples []json.RawMessage `json:"examples"`
		}
		if len(et.Schemas) > 0 && json.Unmarshal(et.Schemas, &schemas) == nil {
			// The newest schema version that has examples.
			best := -1
			for v, s := range schemas {
				if n, err := strconv.Atoi(v); err == nil && n > best && len(s.Examples) > 0 {
					best = n
				}
			}
			if best >= 0 {
				exs := schemas[strconv.Itoa(best)].Examples
				if idx >= len(exs) {
					return nil, "exampleIndex " + strconv.Itoa(idx) + " is out of range: event type " + eventType +
						"'s schema has " + strconv.Itoa(len(exs)) + " example(s)", nil
				}
				if ex := exs[idx]; len(ex) > 0 && ex[0] == '{' {
					return ex, "", nil
				}
				return nil, "example " + strconv.Itoa(idx) + " of event type " + eventType + "'s schema is not a JSON object", nil
			}
		}
	}
	if a.s.Catalog != nil {
		ct, lerr := a.s.Catalog.Lookup(eventType, "standard")
		if lerr != nil {
			ct, lerr = a.s.Catalog.Lookup(eventType, "")
		}
		if lerr == nil {
			built, err := a.s.Catalog.Build(ct, catalog.BuildOptions{Now: catalog.DistinctTime(a.s.NowUTC())})
			if err != nil {
				return nil, "", err
			}
			if b := strings.TrimSpace(string(built.Body)); json.Valid(built.Body) && strings.HasPrefix(b, "{") {
				return json.RawMessage(b), "", nil
			}
			return nil, "hookctl's catalog example of " + eventType + " is not a JSON object (" + built.ContentType + ")", nil
		}
	}
	return nil, "event type " + eventType + " has no example: give its schemas examples (schemas: {\"1\": {\"examples\": [{…}]}}), " +
		"or add it to hookctl's fixtures (hookctl events list shows the catalog)", nil
}

// transformation answers an endpoint's transformation: hookctl serve
// runs none (transformations are a Svix feature it does not play), so
// GET says it is not enabled ({"enabled": false}, no code), and a PATCH
// that turns one off or clears it changes nothing (204); a PATCH that
// sets code or enables one is refused with 403, as for a feature the
// account does not have, saying what is sent instead, never a 404 an
// SDK reads as a wrong id.
func (a *api) transformation(w http.ResponseWriter, r *http.Request) {
	if _, _, ok := a.appEndpoint(w, r); !ok {
		return
	}
	if r.Method == http.MethodGet {
		provider.WriteJSON(w, http.StatusOK, map[string]any{"enabled": false})
		return
	}
	var in struct {
		Code    *string `json:"code"`
		Enabled *bool   `json:"enabled"`
	}
	if !a.decode(w, r, &in, true) {
		return
	}
	if in.Code != nil || in.Enabled != nil && *in.Enabled {
		fail(w, http.StatusForbidden, "forbidden", "transformations are not enabled: hookctl serve does not run them, "+
			"so each delivery carries the message's payload as sent (transform in your receiver, or test transformations against Svix)")
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
