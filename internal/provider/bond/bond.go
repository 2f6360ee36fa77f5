// Package bond is Bond's webhook subscription API (v0 and v0.1) and its
// sandbox KYC simulations, as `hookctl serve` emulates them: Bond's JSON
// shapes and its error envelope {"Message","Status","Code","Type"}.
package bond

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/hookctl/hookctl/internal/catalog"
	"github.com/hookctl/hookctl/internal/provider"
	"github.com/hookctl/hookctl/internal/service"
	"github.com/hookctl/hookctl/internal/store"
	"github.com/hookctl/hookctl/internal/subscription"
	"github.com/hookctl/hookctl/internal/textdist"
)

// Error is Bond's error envelope.
type Error struct {
	Message string `json:"Message"`
	Status  int    `json:"Status"`
	Code    string `json:"Code"`
	Type    string `json:"Type"`
}

func fail(w http.ResponseWriter, status int, code, msg string) {
	typ := "Request Error"
	if status >= 500 {
		typ = "Server Error"
	}
	provider.WriteJSON(w, status, Error{Message: msg, Status: status, Code: code, Type: typ})
}

type api struct{ s *provider.Services }

// New returns Bond's API.
func New(s *provider.Services) *provider.API {
	a := &api{s: s}
	var methods *provider.Methods
	out := &provider.API{
		Name:     "bond",
		Prefixes: []string{"/api/v0/", "/api/v0.1/"},
		NotFound: func(w http.ResponseWriter, r *http.Request) {
			// A path Bond serves, with another method (PUT on a
			// subscription): 405 with Allow, in Bond's shape.
			if allowed := methods.Allowed(r); len(allowed) > 0 {
				w.Header().Set("Allow", strings.Join(allowed, ", "))
				fail(w, http.StatusMethodNotAllowed, "method_not_allowed",
					"Method "+r.Method+" is not allowed on "+r.URL.Path+": use "+strings.Join(allowed, ", "))
				return
			}
			fail(w, http.StatusNotFound, "route_not_found", "No route "+r.Method+" "+r.URL.Path)
		},
		BadRequest: func(w http.ResponseWriter, r *http.Request, msg string) {
			fail(w, http.StatusBadRequest, "invalid_request", msg)
		},
		Refused: func(w http.ResponseWriter, r *http.Request, status int, msg string) {
			fail(w, status, provider.RefusedCode(status), msg)
		},
		Routes: []provider.Route{
			provider.R("POST", "/api/v0/webhooks", "Bond v0: create a webhook subscription", a.auth(a.create(v0))),
			provider.R("GET", "/api/v0/webhooks", "Bond v0: list webhook subscriptions", a.auth(a.list(v0))),
			provider.R("GET", "/api/v0/webhooks/{id}", "Bond v0: get a webhook subscription (with its secret)", a.auth(a.get(v0))),
			provider.R("PATCH", "/api/v0/webhooks/{id}", "Bond v0: update a webhook subscription (events replace the list)", a.auth(a.update(v0))),
			provider.R("DELETE", "/api/v0/webhooks/{id}", "Bond v0: delete a webhook subscription", a.auth(a.delete(v0))),
			provider.R("POST", "/api/v0.1/webhooks", "Bond v0.1: create a webhook subscription", a.auth(a.create(v01))),
			provider.R("GET", "/api/v0.1/webhooks", "Bond v0.1: list webhook subscriptions", a.auth(a.list(v01))),
			provider.R("GET", "/api/v0.1/webhooks/{id}", "Bond v0.1: get a webhook subscription (with its secret)", a.auth(a.get(v01))),
			provider.R("PATCH", "/api/v0.1/webhooks/{id}", "Bond v0.1: update a webhook subscription (events replace the list)", a.auth(a.update(v01))),
			provider.R("DELETE", "/api/v0.1/webhooks/{id}", "Bond v0.1: delete a webhook subscription (returns it)", a.auth(a.delete(v01))),
			provider.R("POST", "/api/v0.1/simulate/kyc-pass", "Bond sandbox: emit kyc.verification.success for {customer_id, program_id}", a.auth(a.simulate("kyc.verification.success"))),
			provider.R("POST", "/api/v0.1/simulate/kyc-fail", "Bond sandbox: emit kyc.verification.failure for {customer_id, program_id}", a.auth(a.simulate("kyc.verification.failure"))),
		},
	}
	methods = provider.NewMethods(out.Routes)
	return out
}

// auth requires Identity and Authorization on every call.
func (a *api) auth(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		ident, key := strings.TrimSpace(r.Header.Get("Identity")), strings.TrimSpace(r.Header.Get("Authorization"))
		var missing []string
		if ident == "" {
			missing = append(missing, "Identity")
		}
		if key == "" {
			missing = append(missing, "Authorization")
		}
		if len(missing) > 0 {
			fail(w, http.StatusUnauthorized, "unauthorized", "Missing authentication header(s): "+strings.Join(missing, ", "))
			return
		}
		if !a.s.KeyOK(key) {
			fail(w, http.StatusForbidden, "forbidden", "The Authorization key is not valid for this identity")
			return
		}
		h(w, r)
	}
}

type version int

const (
	v0 version = iota
	v01
)

const bondTime = "2006-01-02T15:04:05.000000"

// V0 is a v0 subscription.
type V0 struct {
	DateCreated string   `json:"date_created"`
	WebhookID   string   `json:"webhook_id"`
	CallbackURL string   `json:"callback_url"`
	Description string   `json:"description"`
	Events      []string `json:"events"`
	Status      string   `json:"status"`
	Secret      string   `json:"secret"`
}

// V01 is a v0.1 subscription.
type V01 struct {
	ID          string   `json:"id"`
	URL         string   `json:"url"`
	Description string   `json:"description"`
	Events      []string `json:"events"`
	Version     string   `json:"version"`
	Secret      string   `json:"secret"`
	Status      string   `json:"status"`
	CreatedTime string   `json:"created_time"`
	UpdatedTime string   `json:"updated_time"`
}

func (a *api) render(v version, s *store.Subscription) any {
	if v == v0 {
		return V0{DateCreated: s.CreatedAt.UTC().Format(bondTime), WebhookID: s.ID, CallbackURL: s.CallbackURL,
			Description: s.Description, Events: a.shown(s.Events), Status: s.Status, Secret: s.Secret}
	}
	st := "STATUS_ENABLED"
	if s.Status != store.StatusEnabled {
		st = "STATUS_DISABLED"
	}
	return V01{ID: s.ID, URL: s.CallbackURL, Description: s.Description, Events: a.shown(s.Events), Version: "0.1",
		Secret: s.Secret, Status: st, CreatedTime: s.CreatedAt.UTC().Format(bondTime), UpdatedTime: s.UpdatedAt.UTC().Format(bondTime)}
}

func (a *api) one(v version, s *store.Subscription) any {
	if v == v0 {
		return a.render(v, s)
	}
	return map[string]any{"webhook_subscription": a.render(v, s)}
}

type input struct {
	Events      *[]string `json:"events"`
	CallbackURL *string   `json:"callback_url"`
	URL         *string   `json:"url"`
	Description *string   `json:"description"`
	Status      *string   `json:"status"`
	Version     any       `json:"version"`
}

// checkVersion refuses a version v0.1 is not: its create and update take
// an optional version, and this API is version "0.1" (a JSON number 0.1
// is taken as the same). Answering "0.1" to a caller who asked for "0.2"
// would change what they sent without a word. v0's objects have no
// version.
func (in input) checkVersion(v version) error {
	if v == v0 || in.Version == nil {
		return nil
	}
	switch ver := in.Version.(type) {
	case string:
		if ver == "0.1" {
			return nil
		}
	case float64:
		if ver == 0.1 {
			return nil
		}
	}
	shown, _ := json.Marshal(in.Version)
	return fmt.Errorf("Unsupported version %s: this API is version 0.1 (send \"0.1\" or leave version out)", shown)
}

// checkURLs refuses a url and a callback_url that differ: v0 names the
// field callback_url, v0.1 url, and either is taken at either version;
// with both, keeping one would drop the other without a word.
func (in input) checkURLs() error {
	if in.URL != nil && in.CallbackURL != nil && strings.TrimSpace(*in.URL) != strings.TrimSpace(*in.CallbackURL) {
		return fmt.Errorf("url %q and callback_url %q differ: send one of them", *in.URL, *in.CallbackURL)
	}
	return nil
}

func (in input) url() *string {
	if in.URL != nil {
		return in.URL
	}
	return in.CallbackURL
}

// status maps v0's enabled/disabled and v0.1's STATUS_* to hookctl's
// (either is taken at either version); a value that is neither is refused
// with the values of v, the ones its answers show.
func (in input) status(v version) (string, error) {
	if in.Status == nil {
		return "", nil
	}
	switch strings.ToUpper(strings.TrimSpace(*in.Status)) {
	case "ENABLED", "STATUS_ENABLED":
		return store.StatusEnabled, nil
	case "DISABLED", "STATUS_DISABLED":
		return store.StatusDisabled, nil
	}
	if v == v0 {
		return "", fmt.Errorf("Invalid status %q: use %s or %s", *in.Status, store.StatusEnabled, store.StatusDisabled)
	}
	return "", fmt.Errorf("Invalid status %q: use STATUS_ENABLED or STATUS_DISABLED", *in.Status)
}

func (a *api) bad(w http.ResponseWriter, err error) bool {
	if err == nil {
		return false
	}
	if errors.Is(err, provider.ErrTooLarge) {
		fail(w, http.StatusRequestEntityTooLarge, "request_too_large", "The request body is over 1 MiB")
		return true
	}
	if provider.IsNotFound(err) {
		fail(w, http.StatusNotFound, "not_found", "Webhook subscription not found")
		return true
	}
	if msg, ok := provider.InputMessage(err); ok {
		fail(w, http.StatusBadRequest, "invalid_request", msg)
		return true
	}
	status, msg := provider.ServerError(w, err, "The server could not complete the request")
	fail(w, status, "server_error", msg)
	return true
}

// bondNames are the catalog's Bond event types, in its order.
func (a *api) bondNames() []string {
	var names []string
	for _, et := range a.s.Catalog.List("bond", "") {
		names = append(names, et.Type)
	}
	return names
}

// expand checks Bond's event list and returns what the subscription
// stores. Wildcards are kept as the patterns hookctl subscribe stores
// (* and card.*), so that they go on matching the event types the
// catalog gains later (a new built-in, a --fixtures event), as a
// wildcard subscription does at Bond; Bond's card* is card.* when the
// types it covers are those, else the names it covers now (hookctl has
// no pattern for a prefix within a name). A wildcard must cover some
// Bond event; unknown names are reported together.
func (a *api) expand(events []string) ([]string, error) {
	if len(events) == 0 {
		return nil, errors.New("events must list at least one event")
	}
	names := a.bondNames()
	var out, unknown, empty, near []string
	add := func(n string) {
		if !slices.Contains(out, n) {
			out = append(out, n)
		}
	}
	for i, e := range events {
		e = strings.TrimSpace(e)
		if e == "" {
			// (null is "" too): "Unknown event(s): " named nothing.
			empty = append(empty, fmt.Sprintf("events[%d]", i))
			continue
		}
		if !strings.HasSuffix(e, "*") {
			if slices.Contains(names, e) {
				add(e)
			} else {
				unknown = append(unknown, e)
				if n := textdist.Closest(e, names); n != "" && !slices.Contains(near, n) {
					near = append(near, n)
				}
			}
			continue
		}
		prefix := strings.TrimSuffix(strings.TrimSuffix(e, "*"), ".")
		var covered []string
		dotted := true // every name covered is under prefix.
		for _, n := range names {
			switch {
			case prefix == "" || strings.HasPrefix(n, prefix+"."):
				covered = append(covered, n)
			case n == prefix || (!strings.HasSuffix(e, ".*") && strings.HasPrefix(n, prefix)):
				covered = append(covered, n)
				dotted = false
			}
		}
		switch {
		case len(covered) == 0:
			unknown = append(unknown, e)
		case prefix == "":
			add("*")
		case dotted && !strings.Contains(prefix, "*"):
			add(prefix + ".*")
		default:
			for _, n := range covered {
				add(n)
			}
		}
	}
	var msgs []string
	if len(unknown) > 0 {
		m := "Unknown event(s): " + strings.Join(unknown, ", ")
		if len(near) > 0 {
			m += "; did you mean " + strings.Join(near, ", ") + "?"
		}
		msgs = append(msgs, m)
	}
	if len(empty) > 0 {
		msgs = append(msgs, strings.Join(empty, ", ")+" empty: each entry names a Bond event (kyc.verification.success) or a wildcard (card.*)")
	}
	if len(msgs) > 0 {
		return nil, &subscription.InputError{Msg: strings.Join(msgs, "; ")}
	}
	return out, nil
}

// shown is a subscription's event list as Bond answers it: each wildcard
// (*, card.*) as the Bond event types it covers today, in the catalog's
// order, after the names before it; one that covers none of Bond's (a
// hookctl subscribe --events 'order.*' of any provider) as it is.
func (a *api) shown(events []string) []string {
	out := []string{}
	add := func(n string) {
		if !slices.Contains(out, n) {
			out = append(out, n)
		}
	}
	var names []string
	for _, e := range events {
		if e != "*" && !strings.HasSuffix(e, ".*") {
			add(e)
			continue
		}
		if names == nil {
			names = a.bondNames()
		}
		n0 := len(out)
		for _, n := range names {
			if catalog.Match(e, n) {
				add(n)
			}
		}
		if len(out) == n0 {
			add(e)
		}
	}
	return out
}

func (a *api) create(v version) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var in input
		if err := provider.DecodeJSON(r, &in, false); err != nil {
			if errors.Is(err, provider.ErrTooLarge) {
				a.bad(w, err)
				return
			}
			fail(w, http.StatusBadRequest, "invalid_request", err.Error())
			return
		}
		if err := in.checkURLs(); err != nil {
			fail(w, http.StatusBadRequest, "invalid_request", err.Error())
			return
		}
		u := in.url()
		if u == nil || strings.TrimSpace(*u) == "" {
			field := "url"
			if v == v0 {
				field = "callback_url"
			}
			fail(w, http.StatusBadRequest, "invalid_request", field+" is required")
			return
		}
		if in.Events == nil {
			fail(w, http.StatusBadRequest, "invalid_request", "events is required")
			return
		}
		if err := in.checkVersion(v); err != nil {
			fail(w, http.StatusBadRequest, "invalid_request", err.Error())
			return
		}
		events, err := a.expand(*in.Events)
		if err != nil {
			fail(w, http.StatusBadRequest, "invalid_request", err.Error())
			return
		}
		status, err := in.status(v)
		if err != nil {
			fail(w, http.StatusBadRequest, "invalid_request", err.Error())
			return
		}
		desc := ""
		if in.Description != nil {
			desc = *in.Description
		}
		// Covered: * and a name it covers are stored as * alone, as
		// hookctl subscribe stores them.
		var covered []subscription.Covered
		sub, err := a.s.Subs.Create(r.Context(), subscription.CreateInput{URL: *u, Events: events, Covered: &covered, Description: desc, Provider: "bond",
			Metadata: map[string]string{"created_by": "serve:bond", "identity": r.Header.Get("Identity")}, Disabled: status == store.StatusDisabled})
		if a.bad(w, err) {
			return
		}
		code := http.StatusCreated
		if v == v0 {
			code = http.StatusOK
		}
		provider.WriteJSON(w, code, a.one(v, sub))
	}
}

// bondSubs lists Bond's subscriptions (provider bond, or any), oldest
// first.
func (a *api) bondSubs(ctx context.Context) ([]*store.Subscription, error) {
	return a.s.Store.ListSubscriptions(ctx, store.SubscriptionFilter{Providers: bondProviders})
}

// bondProviders are the providers of Bond's subscriptions.
var bondProviders = []string{"bond", ""}

func (a *api) list(v version) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		subs, err := a.bondSubs(r.Context())
		if a.bad(w, err) {
			return
		}
		items := []any{}
		for _, s := range subs {
			items = append(items, a.render(v, s))
		}
		if v == v0 {
			provider.WriteJSON(w, http.StatusOK, items)
			return
		}
		provider.WriteJSON(w, http.StatusOK, map[string]any{"webhook_subscriptions": items})
	}
}

func (a *api) find(w http.ResponseWriter, r *http.Request) (*store.Subscription, bool) {
	id := r.PathValue("id")
	sub, err := service.GetExact(r.Context(), a.s.Store, id)
	if err == nil && !slices.Contains(bondProviders, sub.Provider) {
		// Another API's subscription (a Stripe or Svix endpoint) is not
		// one of Bond's, as in the list.
		err = &store.NotFoundError{Kind: "subscription", ID: id}
	}
	if provider.IsNotFound(err) {
		fail(w, http.StatusNotFound, "not_found", "Webhook subscription "+id+" not found")
		return nil, false
	}
	if a.bad(w, err) {
		return nil, false
	}
	return sub, true
}

func (a *api) get(v version) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if sub, ok := a.find(w, r); ok {
			provider.WriteJSON(w, http.StatusOK, a.one(v, sub))
		}
	}
}

func (a *api) update(v version) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		sub, ok := a.find(w, r)
		if !ok {
			return
		}
		var in input
		if err := provider.DecodeJSON(r, &in, false); err != nil {
			if !a.bad(w, errTooLargeOr(err)) {
				fail(w, http.StatusBadRequest, "invalid_request", err.Error())
			}
			return
		}
		if err := in.checkVersion(v); err != nil {
			fail(w, http.StatusBadRequest, "invalid_request", err.Error())
			return
		}
		if err := in.checkURLs(); err != nil {
			fail(w, http.StatusBadRequest, "invalid_request", err.Error())
			return
		}
		status, err := in.status(v)
		if err != nil {
			fail(w, http.StatusBadRequest, "invalid_request", err.Error())
			return
		}
		var covered []subscription.Covered
		up := subscription.UpdateInput{URL: in.url(), Description: in.Description, Covered: &covered}
		if in.Events != nil {
			if up.Events, err = a.expand(*in.Events); err != nil {
				fail(w, http.StatusBadRequest, "invalid_request", err.Error())
				return
			}
		}
		if up.Empty() && status == "" {
			fail(w, http.StatusBadRequest, "invalid_request", "Nothing to update: send url, events, description or status")
			return
		}
		if !up.Empty() {
			if sub, err = a.s.Subs.Update(r.Context(), sub.ID, up); a.bad(w, err) {
				return
			}
		}
		if status != "" {
			if sub, _, err = a.s.Subs.SetStatus(r.Context(), sub.ID, status); a.bad(w, err) {
				return
			}
		}
		provider.WriteJSON(w, http.StatusOK, a.one(v, sub))
	}
}

// errTooLargeOr keeps ErrTooLarge and drops other decode errors (answered
// as 400 by the caller).
func errTooLargeOr(err error) error {
	if errors.Is(err, provider.ErrTooLarge) {
		return err
	}
	return nil
}

func (a *api) delete(v version) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		sub, ok := a.find(w, r)
		if !ok {
			return
		}
		if _, err := a.s.Subs.Delete(r.Context(), sub.ID); a.bad(w, err) {
			return
		}
		provider.WriteJSON(w, http.StatusOK, a.one(v, sub))
	}
}

// SimulateResult answers a sandbox simulation.
type SimulateResult struct {
	Event      string `json:"event"`
	EventID    string `json:"event_id"`
	CustomerID string `json:"customer_id"`
	ProgramID  string `json:"program_id"`
	Deliveries int    `json:"deliveries"`
}

func (a *api) simulate(eventType string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var in struct {
			CustomerID string `json:"customer_id"`
			ProgramID  string `json:"program_id"`
		}
		if err := provider.DecodeJSON(r, &in, false); err != nil {
			if !a.bad(w, errTooLargeOr(err)) {
				fail(w, http.StatusBadRequest, "invalid_request", err.Error())
			}
			return
		}
		if strings.TrimSpace(in.CustomerID) == "" {
			fail(w, http.StatusBadRequest, "invalid_request", "customer_id is required")
			return
		}
		ov, err := catalog.ParseOverride(catalog.OpSetString, "customer_id="+in.CustomerID)
		if a.bad(w, err) {
			return
		}
		ti := service.TriggerInput{Type: eventType, Provider: "bond", Overrides: []catalog.Override{ov}}
		p, err := a.s.Dispatch.Trigger(r.Context(), ti)
		if errors.Is(err, service.ErrNoTarget) {
			// Bond's sandbox runs the verification whether or not anyone
			// subscribed: the event happens, with a real id, and is
			// stored (events log shows it) with no delivery, as a Svix
			// message nobody listens to yet is.
			var ev *store.Event
			if _, ev, err = a.s.Dispatch.Build(ti); err == nil {
				p, err = a.s.Dispatch.PublishTo(r.Context(), ev, nil, service.Target{})
			}
		}
		if a.bad(w, err) {
			return
		}
		provider.WriteJSON(w, http.StatusOK, SimulateResult{Event: eventType, EventID: p.Event.ID, CustomerID: in.CustomerID,
			ProgramID: in.ProgramID, Deliveries: len(p.Deliveries)})
	}
}
