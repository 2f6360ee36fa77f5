// Package stripe is the Stripe-style webhook endpoint API of `hookctl
// serve` (/v1/webhook_endpoints, /v1/events): form-encoded requests as
// Stripe's libraries send them, Stripe's JSON objects and error envelope.
// Endpoints are hookctl subscriptions of the saas and stripe providers
// signed with the stripe scheme; their we_… id is kept in the
// subscription's metadata.
package stripe

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/hookctl/hookctl/internal/catalog"
	"github.com/hookctl/hookctl/internal/delivery"
	"github.com/hookctl/hookctl/internal/provider"
	"github.com/hookctl/hookctl/internal/service"
	"github.com/hookctl/hookctl/internal/signature"
	"github.com/hookctl/hookctl/internal/store"
	"github.com/hookctl/hookctl/internal/subscription"
	"github.com/hookctl/hookctl/internal/textdist"
)

// Providers are the catalog providers whose events a webhook endpoint
// takes: Stripe's own events and the Stripe-like SaaS platform's.
const Providers = "saas,stripe"

// Metadata keys on the subscription.
const (
	MetaID     = "stripe_id"
	metaPrefix = "stripe_meta:"
)

// ErrorBody is Stripe's error envelope.
type ErrorBody struct {
	Error struct {
		Type    string `json:"type"`
		Code    string `json:"code,omitempty"`
		DocURL  string `json:"doc_url,omitempty"`
		Message string `json:"message"`
		Param   string `json:"param,omitempty"`
	} `json:"error"`
}

func fail(w http.ResponseWriter, status int, code, param, msg string) {
	var e ErrorBody
	e.Error.Type, e.Error.Code, e.Error.Param, e.Error.Message = "invalid_request_error", code, param, msg
	if code != "" {
		// As Stripe's: an error with a code links its page
		// (resource_missing: …/error-codes/resource-missing), which
		// the libraries read into the error (stripe-go's DocURL).
		e.Error.DocURL = "https://stripe.com/docs/error-codes/" + strings.ReplaceAll(code, "_", "-")
	}
	if status >= 500 {
		// Stripe's type for its own failures (the libraries raise
		// StripeAPIError); a 503 also tells them to retry.
		e.Error.Type = "api_error"
		if status == http.StatusServiceUnavailable {
			w.Header().Set("Stripe-Should-Retry", "true")
		}
	}
	provider.WriteJSON(w, status, e)
}

type api struct{ s *provider.Services }

// APIVersion is the Stripe API version of the catalog's stripe events
// (their api_version), the one version an endpoint's api_version may name.
const APIVersion = "2026-03-25.dahlia"

// New returns the Stripe-style API.
func New(s *provider.Services) *provider.API {
	a := &api{s: s}
	return &provider.API{
		Name:     "stripe",
		Prefixes: []string{"/v1/"},
		Subscription: func(ctx context.Context, id string) (*store.Subscription, error) {
			sub, err := service.FindOneByMetadata(ctx, s.Store, "webhook endpoint", MetaID, id)
			if provider.IsNotFound(err) {
				return nil, nil
			}
			return sub, err
		},
		NotFound: func(w http.ResponseWriter, r *http.Request) {
			setRequestID(w)
			fail(w, http.StatusNotFound, "", "", "Unrecognized request URL ("+r.Method+": "+r.URL.Path+").")
		},
		BadRequest: func(w http.ResponseWriter, r *http.Request, msg string) {
			setRequestID(w)
			fail(w, http.StatusBadRequest, "", "", msg)
		},
		Refused: func(w http.ResponseWriter, r *http.Request, status int, msg string) {
			setRequestID(w)
			fail(w, status, "", "", msg)
		},
		Routes: []provider.Route{
			provider.R("POST", "/v1/webhook_endpoints", "Stripe: create a webhook endpoint (form: url, enabled_events[], description, metadata[k]; Idempotency-Key)", a.auth(a.idem(a.create))),
			provider.R("GET", "/v1/webhook_endpoints", "Stripe: list webhook endpoints (limit, starting_after, ending_before)", a.auth(query(a.list, "limit", "starting_after", "ending_before"))),
			provider.R("GET", "/v1/webhook_endpoints/{id}", "Stripe: retrieve a webhook endpoint", a.auth(query(a.get))),
			provider.R("POST", "/v1/webhook_endpoints/{id}", "Stripe: update a webhook endpoint (url, enabled_events[], description, disabled, metadata[k]; Idempotency-Key)", a.auth(a.idem(a.update))),
			provider.R("DELETE", "/v1/webhook_endpoints/{id}", "Stripe: delete a webhook endpoint", a.auth(query(a.delete))),
			provider.R("GET", "/v1/events/{id}", "Stripe: retrieve an event hookctl sent", a.auth(query(a.event))),
			provider.R("GET", "/v1/events", "Stripe: list events hookctl sent (limit, type, types[], created[gt|gte|lt|lte], delivery_success, starting_after, ending_before)", a.auth(query(a.events, "limit", "starting_after", "ending_before", "type", "types", "created", "delivery_success"))),
		},
	}
}

// setRequestID gives the answer Stripe's Request-Id header (req_ and 14
// characters), which Stripe sends with every answer, errors included,
// and the libraries hand to their callers (stripe-python's
// StripeError.request_id and last_response.request_id, stripe-node's
// requestId), which apps log with a failure; serve sent none.
func setRequestID(w http.ResponseWriter) {
	if w.Header().Get("Request-Id") == "" {
		w.Header().Set("Request-Id", "req_"+signature.RandBase62(14))
	}
}

// apiKey is the caller's key: bearer, or basic auth's user (curl -u
// sk_test_…:, as Stripe's own examples send it).
func apiKey(r *http.Request) string {
	if u, _, ok := r.BasicAuth(); ok {
		return u
	}
	return provider.BearerToken(r)
}

// wrongKind is Stripe's refusal of a key that is no API secret key, and
// its code: a publishable key (pk_…, the browser's) or a webhook signing
// secret (whsec_…, the receiver's), the two keys mixed up with it. serve
// took any key without --api-key, so code sending one of them passed
// here and failed at Stripe (stripe-python's AuthenticationError).
func wrongKind(key string) (msg, code string) {
	switch {
	case strings.HasPrefix(key, "pk_test_") || strings.HasPrefix(key, "pk_live_"):
		return "This API call cannot be made with a publishable API key. Please use a secret API key. You can find a list of your API keys at https://dashboard.stripe.com/account/apikeys.", "secret_key_required"
	case strings.HasPrefix(key, "whsec_"):
		shown := "whsec_****"
		if len(key) >= len("whsec_")+8 {
			shown += key[len(key)-4:]
		}
		return "Invalid API Key provided: " + shown + ". That is a webhook signing secret, which verifies the events sent to an endpoint; the API takes a secret key (sk_test_…).", ""
	}
	return "", ""
}

func (a *api) auth(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		setRequestID(w)
		key := apiKey(r)
		if key == "" {
			fail(w, http.StatusUnauthorized, "", "", "You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY').")
			return
		}
		if msg, code := wrongKind(key); msg != "" {
			fail(w, http.StatusUnauthorized, code, "", msg)
			return
		}
		if !a.s.KeyOK(key) {
			fail(w, http.StatusUnauthorized, "", "", "Invalid API Key provided.")
			return
		}
		h(w, r)
	}
}

// idem replays a POST sent again with the same Idempotency-Key (what
// Stripe's libraries send with every POST they may retry); the key with
// other parameters, or on another endpoint, is Stripe's idempotency_error.
func (a *api) idem(h http.HandlerFunc) http.HandlerFunc {
	wrapped := a.idemWrap(h)
	return func(w http.ResponseWriter, r *http.Request) {
		if keys, sent := r.Header["Idempotency-Key"]; sent && r.Method == http.MethodPost {
			// Stripe's bounds on a key, in its words: 1 to 255
			// characters (an empty header is a key of length 0, not
			// none). Nothing runs, nothing is saved.
			if n := utf8.RuneCountInString(keys[0]); n < 1 || n > 255 {
				fail(w, http.StatusBadRequest, "", "", "Idempotent key length is "+strconv.Itoa(n)+
					", which is outside accepted lengths. Idempotent Keys must be 1-255 characters long. If you're looking for a decent generator, try using a UUID defined by IETF RFC 4122.")
				return
			}
		}
		wrapped(&replayIDs{ResponseWriter: w, fresh: w.Header().Get("Request-Id")}, r)
	}
}

// replayIDs gives a replayed answer (Idempotent-Replayed: true) its own
// Request-Id, and the first answer's as Original-Request, as Stripe
// does; the replay had copied the first answer's Request-Id.
type replayIDs struct {
	http.ResponseWriter
	fresh string
}

func (w *replayIDs) WriteHeader(status int) {
	if h := w.Header(); h.Get("Idempotent-Replayed") == "true" && w.fresh != "" {
		h.Set("Original-Request", h.Get("Request-Id"))
		h.Set("Request-Id", w.fresh)
	}
	w.ResponseWriter.WriteHeader(status)
}

func (w *replayIDs) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// idemPolicy is Stripe's (API v1): "Stripe saves the status code and
// body of the first request made with a given idempotency key after
// endpoint execution begins. Retries with the same key return the saved
// response, including 500 errors" — a 404 resource_missing too; nothing
// is saved when the parameters failed validation (400, 413 a body over
// the limit) or the request was refused before it ran (429, an answer
// that says Stripe-Should-Retry: true, serve's 503 with the store gone),
// and a request sent while another with its key still runs gets 409
// idempotency_key_in_use (the libraries retry a 409) and saves nothing.
var idemPolicy = provider.IdemPolicy{
	Keep: func(status int, h http.Header) bool {
		switch status {
		case http.StatusBadRequest, http.StatusConflict, http.StatusRequestEntityTooLarge, http.StatusTooManyRequests:
			return false
		}
		return h.Get("Stripe-Should-Retry") != "true"
	},
	InUse: func(w http.ResponseWriter, r *http.Request) {
		fail(w, http.StatusConflict, "idempotency_key_in_use", "",
			"There is currently another in-progress request using this Idempotent Key (probably because of a timeout). Please retry this request later.")
	},
}

func (a *api) idemWrap(h http.HandlerFunc) http.HandlerFunc {
	return a.s.Idempotency.WrapPolicy("stripe", "Idempotency-Key", apiKey, func(w http.ResponseWriter, r *http.Request) {
		var e ErrorBody
		e.Error.Type = "idempotency_error"
		if first := provider.IdemFirstPath(r); first != "" && first != r.URL.Path {
			// Stripe's words for a key reused on another endpoint: the
			// first path, then this one.
			e.Error.Message = "Keys for idempotent requests can only be used for the same endpoint they were first used for ('" + first + "' vs '" + r.URL.Path +
				"'). Try using a key other than '" + r.Header.Get("Idempotency-Key") + "' if you meant to execute a different request."
		} else {
			e.Error.Message = "Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '" +
				r.Header.Get("Idempotency-Key") + "' if you meant to execute a different request."
		}
		provider.WriteJSON(w, http.StatusBadRequest, e)
	}, idemPolicy, h)
}

// Endpoint is Stripe's webhook_endpoint object.
type Endpoint struct {
	ID            string            `json:"id"`
	Object        string            `json:"object"`
	APIVersion    *string           `json:"api_version"`
	Application   *string           `json:"application"`
	Created       int64             `json:"created"`
	Description   *string           `json:"description"`
	EnabledEvents []string          `json:"enabled_events"`
	Livemode      bool              `json:"livemode"`
	Metadata      map[string]string `json:"metadata"`
	Secret        string            `json:"secret,omitempty"`
	Status        string            `json:"status"`
	URL           string            `json:"url"`
}

func render(s *store.Subscription, withSecret bool) Endpoint {
	e := Endpoint{ID: s.Metadata[MetaID], Object: "webhook_endpoint", Created: s.CreatedAt.Unix(), EnabledEvents: s.Events,
		Metadata: map[string]string{}, Status: s.Status, URL: s.CallbackURL}
	if e.EnabledEvents == nil {
		e.EnabledEvents = []string{}
	}
	if s.Description != "" {
		d := s.Description
		e.Description = &d
	}
	if v := s.Metadata["stripe_api_version"]; v != "" {
		e.APIVersion = &v
	}
	for k, v := range s.Metadata {
		if strings.HasPrefix(k, metaPrefix) {
			e.Metadata[strings.TrimPrefix(k, metaPrefix)] = v
		}
	}
	if withSecret {
		e.Secret = s.Secret
	}
	return e
}

// form is a parsed Stripe request: flat keys, indexed arrays
// (enabled_events[0]=…, as stripe-node sends), enabled_events[]=…, and
// metadata[k]=v.
type form struct {
	v url.Values // the body's parameters, and the query's it does not have
}

func parseForm(r *http.Request) (form, error) {
	body, err := provider.ReadBody(r)
	if err != nil {
		return form{}, err
	}
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); len(body) > 0 && (mt == "application/json" || strings.HasSuffix(mt, "+json")) {
		// A body sent as JSON (fetch or axios by hand): Stripe's own
		// answer, which names the fix. Read as a form, the JSON text was
		// one unknown parameter, `{"url":"…","enabled_events":`.
		return form{}, errors.New("Invalid request (check that your POST content type is application/x-www-form-urlencoded). If you have any questions, we can help at https://support.stripe.com/.")
	}
	v, err := url.ParseQuery(string(body))
	if err != nil {
		return form{}, errors.New("Invalid request: the body is not form-encoded (application/x-www-form-urlencoded)")
	}
	// Query parameters count too (GET-style clients).
	for k, vs := range r.URL.Query() {
		if _, ok := v[k]; !ok {
			v[k] = vs
		}
	}
	return form{v: v}, nil
}

// unknownParam answers Stripe's parameter_unknown for the first
// parameter, in the body or the query, (by name: enabled_events[0] and
// metadata[k] are enabled_events and metadata) that is not one of known,
// and reports whether there was one. Stripe refuses them, so a misspelt
// one (descripton=…) is a 400 rather than silently dropped.
func unknownParam(w http.ResponseWriter, f form, known ...string) bool {
	var bad []string
	for k := range f.v {
		name, _, _ := strings.Cut(k, "[")
		if !slices.Contains(known, name) {
			bad = append(bad, name)
		}
	}
	if len(bad) == 0 {
		return false
	}
	slices.Sort(bad)
	msg := "Received unknown parameter: " + bad[0]
	if best := textdist.Closest(bad[0], known); best != "" {
		msg += ". Did you mean " + best + "?"
	}
	fail(w, http.StatusBadRequest, "parameter_unknown", bad[0], msg)
	return true
}

// expandRefused refuses an expand (expand[]=…, expand[0]=…), as Stripe
// does: expand is checked against the object's expandable fields, and
// neither a webhook_endpoint nor an event has one (application is a
// plain id), so Stripe answers any of them 400 "This property cannot be
// expanded (application)." (its own words; no code, no param). Serve
// took it and answered the object unexpanded, so a client expanding a
// field passed here and failed at Stripe.
func expandRefused(w http.ResponseWriter, f form) bool {
	vals, _ := f.list("expand")
	for _, v := range vals {
		if v != "" {
			fail(w, http.StatusBadRequest, "", "", "This property cannot be expanded ("+v+").")
			return true
		}
	}
	return false
}

// createdBounds are the keys created[…] takes.
var createdBounds = []string{"created[gt]", "created[gte]", "created[lt]", "created[lte]"}

// query refuses a GET's or DELETE's query parameter that is none of
// known (nor expand, which every Stripe call takes), as Stripe does with
// 400 parameter_unknown: taken silently, a misspelt one (?limt=5,
// ?starting_afer=we_…, ?typ=invoice.paid) answered the first page or
// every event, and a hand-written pager looped on its first page.
func query(h http.HandlerFunc, known ...string) http.HandlerFunc {
	known = append(known, "expand")
	return func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		if unknownParam(w, form{v: q}, known...) || expandRefused(w, form{v: q}) {
			return
		}
		for k := range q {
			if strings.HasPrefix(k, "created[") && !slices.Contains(createdBounds, k) {
				fail(w, http.StatusBadRequest, "parameter_unknown", k, "Received unknown parameter: "+k+" (created takes gt, gte, lt or lte)")
				return
			}
		}
		h(w, r)
	}
}

func (f form) has(k string) bool   { _, ok := f.v[k]; return ok }
func (f form) get(k string) string { return f.v.Get(k) }

// list returns name[]=… and name[N]=… values in index order; present
// reports whether the array was sent at all.
func (f form) list(name string) (vals []string, present bool) {
	type iv struct {
		i int
		v string
	}
	var idx []iv
	for k, vs := range f.v {
		switch {
		case k == name+"[]" || k == name:
			present = true
			vals = append(vals, vs...)
		case strings.HasPrefix(k, name+"[") && strings.HasSuffix(k, "]"):
			n, err := strconv.Atoi(k[len(name)+1 : len(k)-1])
			if err != nil {
				continue
			}
			present = true
			for _, v := range vs {
				idx = append(idx, iv{n, v})
			}
		}
	}
	sort.SliceStable(idx, func(i, j int) bool { return idx[i].i < idx[j].i })
	for _, x := range idx {
		vals = append(vals, x.v)
	}
	return vals, present
}

// Stripe's metadata limits: up to 50 keys, key names up to 40
// characters, values up to 500; its strings (a description, a URL) hold
// up to 5,000.
const (
	maxMetaKeys  = 50
	maxMetaKey   = 40
	maxMetaValue = 500
	maxStringLen = 5000
)

// validFields answers Stripe's 400 for a metadata key or value, a
// description or a URL over its limit, or more than maxMetaKeys keys in
// the request (reporting whether all is well).
func validFields(w http.ResponseWriter, f form, md map[string]string) bool {
	// metadata is a hash: metadata[k]=v, or metadata= (empty) to unset
	// every key. A value for the whole hash (metadata=team:payments, as
	// curl users write it) is Stripe's "Invalid hash", not dropped.
	if f.get("metadata") != "" {
		fail(w, http.StatusBadRequest, "", "metadata", "Invalid hash: metadata is a hash of keys and values, sent as metadata[KEY]=VALUE (metadata= with no value unsets every key).")
		return false
	}
	for _, p := range []string{"url", "description"} {
		if n := utf8.RuneCountInString(f.get(p)); n > maxStringLen {
			fail(w, http.StatusBadRequest, "", p, fmt.Sprintf("Invalid string: %s is %d characters long; it can have up to %d.", p, n, maxStringLen))
			return false
		}
	}
	for k, v := range md {
		param := "metadata[" + k + "]"
		switch n := utf8.RuneCountInString(k); {
		case n == 0 || n > maxMetaKey:
			fail(w, http.StatusBadRequest, "", param, fmt.Sprintf("Metadata keys can have 1 to %d characters; %q has %d.", maxMetaKey, k, n))
			return false
		case strings.ContainsAny(k, "[]"):
			fail(w, http.StatusBadRequest, "", param, fmt.Sprintf("Metadata keys cannot contain square brackets: %q.", k))
			return false
		}
		if n := utf8.RuneCountInString(v); n > maxMetaValue {
			fail(w, http.StatusBadRequest, "", param, fmt.Sprintf("Metadata values can have up to %d characters; the value of %q has %d.", maxMetaValue, k, n))
			return false
		}
		// Here, in the caller's own key: the store's check named the
		// key as hookctl keeps it ("stripe_meta:k").
		if !store.StorableText(k) || !store.StorableText(v) {
			fail(w, http.StatusBadRequest, "", param, fmt.Sprintf("Invalid metadata %q: keys and values cannot contain a NUL character (\\u0000) or bytes that are not UTF-8.",
				strings.ToValidUTF8(strings.ReplaceAll(k, "\x00", ""), "?")))
			return false
		}
	}
	if len(md) > maxMetaKeys {
		fail(w, http.StatusBadRequest, "", "metadata", fmt.Sprintf("Metadata can have up to %d keys; %d were given.", maxMetaKeys, len(md)))
		return false
	}
	return true
}

// errTooManyKeys: an update would leave more than maxMetaKeys keys.
type errTooManyKeys int

func (e errTooManyKeys) Error() string {
	return fmt.Sprintf("Metadata can have up to %d keys; this update would leave %d.", maxMetaKeys, int(e))
}

// metadata returns metadata[k]=v pairs; an empty value deletes k.
func (f form) metadata() map[string]string {
	out := map[string]string{}
	for k, vs := range f.v {
		if strings.HasPrefix(k, "metadata[") && strings.HasSuffix(k, "]") && len(vs) > 0 {
			out[k[len("metadata["):len(k)-1]] = vs[0]
		}
	}
	return out
}

func (a *api) bad(w http.ResponseWriter, err error, param string) bool {
	if err == nil {
		return false
	}
	if errors.Is(err, provider.ErrTooLarge) {
		fail(w, http.StatusRequestEntityTooLarge, "", "", "Request body too large (over 1 MiB).")
		return true
	}
	if msg, ok := provider.InputMessage(err); ok {
		fail(w, http.StatusBadRequest, "parameter_invalid_string", param, "Invalid "+param+": "+msg)
		return true
	}
	if provider.IsNotFound(err) {
		fail(w, http.StatusNotFound, "resource_missing", "id", "No such webhook endpoint")
		return true
	}
	status, msg := provider.ServerError(w, err, "An unexpected error occurred in hookctl's store.")
	fail(w, status, "", "", msg)
	return true
}

func newID(prefix string) string { return prefix + signature.RandBase62(24) }

func (a *api) create(w http.ResponseWriter, r *http.Request) {
	f, err := parseForm(r)
	if err != nil {
		if !a.bad(w, errTooLarge(err), "") {
			fail(w, http.StatusBadRequest, "", "", err.Error())
		}
		return
	}
	if unknownParam(w, f, "url", "enabled_events", "api_version", "connect", "description", "metadata", "expand") || expandRefused(w, f) {
		return
	}
	if strings.TrimSpace(f.get("url")) == "" {
		fail(w, http.StatusBadRequest, "parameter_missing", "url", "Missing required param: url.")
		return
	}
	events, present := f.list("enabled_events")
	if !present {
		fail(w, http.StatusBadRequest, "parameter_missing", "enabled_events", "Missing required param: enabled_events.")
		return
	}
	if !a.exactEvents(w, events) {
		return
	}
	if !validFields(w, f, f.metadata()) {
		return
	}
	meta := map[string]string{MetaID: newID("we_"), "created_by": "serve:stripe"}
	if v := f.get("api_version"); v != "" {
		// An endpoint's api_version shapes the events Stripe sends it;
		// hookctl has its events in one version, sent with the same
		// bytes to every endpoint, so it takes only that one rather than
		// show a version its deliveries do not have.
		if v != APIVersion {
			fail(w, http.StatusBadRequest, "parameter_invalid_string", "api_version",
				fmt.Sprintf("Invalid api_version: %q. hookctl sends Stripe's events as API version %s only (the version of its catalog, which stripe-go v85 expects), so an endpoint can take only that one; leave api_version out for the default.", v, APIVersion))
			return
		}
		meta["stripe_api_version"] = v
	}
	for k, v := range f.metadata() {
		if v != "" {
			meta[metaPrefix+k] = v
		}
	}
	// Loose: exactEvents checked the names, Stripe's own list included,
	// which the catalog (Subs) would refuse for the ones it has no
	// fixture of (radar.early_fraud_warning.created).
	sub, err := a.s.Loose.Create(r.Context(), subscription.CreateInput{URL: f.get("url"), Events: events, Description: f.get("description"),
		Provider: Providers, Scheme: "stripe", Metadata: meta})
	if a.bad(w, err, paramOf(err)) {
		return
	}
	provider.WriteJSON(w, http.StatusOK, render(sub, true))
}

// exactEvents refuses an enabled_events entry that is a pattern
// (payment_intent.*): Stripe takes exact event names or "*" alone, and an
// app that subscribes with a prefix here would be refused by Stripe. An
// entry that is not an event of the catalog's Stripe providers (a typo,
// another provider's card.created) is refused too. Each refusal names
// the entry as Stripe does, in param and in the message:
// enabled_events[3] (the bare enabled_events left a client with a long
// list to guess which one).
//
// An empty list is refused as Stripe refuses it: stripe-go encodes one
// (EnabledEvents: []*string{}) as enabled_events= (an empty string), which
// Stripe takes for an attempt to unset the parameter, and enabled_events
// cannot be unset; enabled_events[]= is the same empty value. An empty
// name among others is not an event name.
func (a *api) exactEvents(w http.ResponseWriter, events []string) bool {
	if len(events) == 0 || len(events) == 1 && events[0] == "" {
		fail(w, http.StatusBadRequest, "parameter_invalid_empty", "enabled_events",
			"You passed an empty string for 'enabled_events'. We assume empty values are an attempt to unset a parameter; however 'enabled_events' cannot be unset. You should remove 'enabled_events' from your request or supply a non-empty value.")
		return false
	}
	for i, ev := range events {
		param := fmt.Sprintf("enabled_events[%d]", i)
		invalid := func(msg string) bool {
			fail(w, http.StatusBadRequest, "parameter_invalid_string", param, "Invalid "+param+": "+msg)
			return false
		}
		switch {
		case ev == "":
			return invalid("an empty string is not an event name; Stripe takes exact event names (payment_intent.succeeded) or '*' for all events.")
		case ev == "*":
			continue
		case strings.Contains(ev, "*"):
			return invalid(fmt.Sprintf("%q is not an event name; Stripe takes exact event names (payment_intent.succeeded) or '*' for all events, no prefix wildcards.", ev))
		case a.stripeEvent(ev), isStripeEvent(ev):
			// One Stripe sends: taken, as Stripe takes it, even when the
			// catalog has no fixture to send for it.
			continue
		}
		if _, err := a.s.Subs.ValidateEvents([]string{ev}); err != nil {
			if msg, ok := provider.InputMessage(err); ok {
				if near := textdist.Closest(ev, eventTypes[:]); near != "" && !strings.Contains(msg, "did you mean") {
					// A typo of one of Stripe's events the catalog has no
					// fixture of (radar.early_fraud_warning.creatd).
					return invalid(fmt.Sprintf("unknown event %q; did you mean %q?", ev, near))
				}
				return invalid(msg)
			}
		}
		return invalid(fmt.Sprintf("%q is not an event a Stripe endpoint gets (hookctl's catalog has it for another provider); see the Stripe events: hookctl events list --provider stripe", ev))
	}
	return true
}

// stripeEvent reports whether name is an event type of the providers a
// Stripe endpoint takes (Stripe's own and the saas ones, fixtures
// included); true when there is no catalog to ask.
func (a *api) stripeEvent(name string) bool {
	if a.s.Catalog == nil {
		return true
	}
	for p := range strings.SplitSeq(Providers, ",") {
		for _, et := range a.s.Catalog.List(p, "") {
			if et.Type == name {
				return true
			}
		}
	}
	return false
}

func paramOf(err error) string {
	if err == nil {
		return "enabled_events"
	}
	switch msg := err.Error(); {
	case strings.Contains(msg, "URL"):
		return "url"
	case strings.Contains(msg, "description"):
		return "description"
	case strings.Contains(msg, "metadata"):
		return "metadata"
	}
	return "enabled_events"
}

func errTooLarge(err error) error {
	if errors.Is(err, provider.ErrTooLarge) {
		return err
	}
	return nil
}

// endpoints is a page of endpoints, newest first as Stripe lists them
// (every subscription with a we_… id), after the cursors given; the store
// reads only the page.
func (a *api) endpoints(ctx context.Context, f store.SubscriptionFilter) ([]*store.Subscription, error) {
	f.MetaSet = []string{MetaID}
	return a.s.Store.ListSubscriptions(ctx, f)
}

// cursor resolves a list cursor (starting_after, ending_before): the
// endpoint with that id, the newest if several; nil if there is none.
func (a *api) cursor(ctx context.Context, id string) (*store.Subscription, error) {
	subs, err := a.s.Store.ListSubscriptions(ctx, store.SubscriptionFilter{Meta: map[string]string{MetaID: id}, MetaSet: []string{MetaID}, Newest: true, Limit: 1})
	if err != nil || len(subs) == 0 {
		return nil, err
	}
	return subs[0], nil
}

func (a *api) find(w http.ResponseWriter, r *http.Request) (*store.Subscription, bool) {
	id := r.PathValue("id")
	sub, err := service.FindOneByMetadata(r.Context(), a.s.Store, "webhook endpoint", MetaID, id)
	if provider.IsNotFound(err) {
		fail(w, http.StatusNotFound, "resource_missing", "id", "No such webhook endpoint: '"+id+"'")
		return nil, false
	}
	if a.bad(w, err, "") {
		return nil, false
	}
	return sub, true
}

func (a *api) get(w http.ResponseWriter, r *http.Request) {
	if sub, ok := a.find(w, r); ok {
		provider.WriteJSON(w, http.StatusOK, render(sub, false))
	}
}

func (a *api) update(w http.ResponseWriter, r *http.Request) {
	sub, ok := a.find(w, r)
	if !ok {
		return
	}
	f, err := parseForm(r)
	if err != nil {
		if !a.bad(w, errTooLarge(err), "") {
			fail(w, http.StatusBadRequest, "", "", err.Error())
		}
		return
	}
	if unknownParam(w, f, "url", "enabled_events", "description", "disabled", "metadata", "expand") || expandRefused(w, f) {
		return
	}
	var up subscription.UpdateInput
	if f.has("url") {
		u := f.get("url")
		up.URL = &u
	}
	if f.has("description") {
		d := f.get("description")
		up.Description = &d
	}
	if ev, present := f.list("enabled_events"); present {
		if !a.exactEvents(w, ev) {
			return
		}
		up.Events = ev
	}
	status := ""
	if f.has("disabled") {
		// Any case: older stripe-python (Debian's python3-stripe) sends
		// a Python bool as "True" or "False", which Stripe takes.
		switch strings.ToLower(f.get("disabled")) {
		case "true":
			status = store.StatusDisabled
		case "false":
			status = store.StatusEnabled
		default:
			fail(w, http.StatusBadRequest, "parameter_invalid_boolean", "disabled", "Invalid boolean: "+f.get("disabled"))
			return
		}
	}
	// One atomic change of the current row: parallel updates (each
	// setting its own metadata key, say) never revert each other.
	md := f.metadata()
	if !validFields(w, f, md) {
		return
	}
	// metadata= (an empty value for the whole hash) unsets every key, as
	// in Stripe; it changed nothing.
	clearMeta := f.has("metadata") && f.get("metadata") == ""
	if up.Empty() && status == "" && len(md) == 0 && !clearMeta {
		provider.WriteJSON(w, http.StatusOK, render(sub, false))
		return
	}
	// Loose, as at create: exactEvents checked enabled_events.
	sub, err = a.s.Loose.UpdateWith(r.Context(), sub.ID, up, func(cur *store.Subscription) error {
		if status != "" {
			cur.Status = status
		}
		if len(md) > 0 || clearMeta {
			meta := map[string]string{}
			for k, v := range cur.Metadata {
				if !clearMeta || !strings.HasPrefix(k, metaPrefix) {
					meta[k] = v
				}
			}
			for k, v := range md {
				if v == "" {
					delete(meta, metaPrefix+k)
				} else {
					meta[metaPrefix+k] = v
				}
			}
			n := 0
			for k := range meta {
				if strings.HasPrefix(k, metaPrefix) {
					n++
				}
			}
			if n > maxMetaKeys {
				return errTooManyKeys(n)
			}
			cur.Metadata = meta
		}
		return nil
	})
	var many errTooManyKeys
	if errors.As(err, &many) {
		fail(w, http.StatusBadRequest, "", "metadata", many.Error())
		return
	}
	if a.bad(w, err, paramOf(err)) {
		return
	}
	provider.WriteJSON(w, http.StatusOK, render(sub, false))
}

func (a *api) delete(w http.ResponseWriter, r *http.Request) {
	sub, ok := a.find(w, r)
	if !ok {
		return
	}
	if _, err := a.s.Loose.Delete(r.Context(), sub.ID); a.bad(w, err, "") {
		return
	}
	provider.WriteJSON(w, http.StatusOK, map[string]any{"id": sub.Metadata[MetaID], "object": "webhook_endpoint", "deleted": true})
}

// List is Stripe's list object.
type List struct {
	Object  string `json:"object"`
	URL     string `json:"url"`
	HasMore bool   `json:"has_more"`
	Data    []any  `json:"data"`
}

// limitOf reads a list's limit (1 to 100, 10 by default); a list asked
// with both cursors is refused, as Stripe does.
func limitOf(w http.ResponseWriter, q url.Values) (int, bool) {
	if q.Get("starting_after") != "" && q.Get("ending_before") != "" {
		// Stripe's answer: a library paging forwards from an
		// ending_before page sends both, and Stripe refuses it.
		fail(w, http.StatusBadRequest, "", "", "Received both starting_after and ending_before parameters. Please pass in only one.")
		return 0, false
	}
	limit := 10
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 100 {
			fail(w, http.StatusBadRequest, "parameter_invalid_integer", "limit", "Invalid integer: limit must be between 1 and 100.")
			return 0, false
		}
		limit = n
	}
	return limit, true
}

func (a *api) list(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	limit, ok := limitOf(w, q)
	if !ok {
		return
	}
	// The page is what slicing the whole list (newest first) gave:
	// [starting_after+1, ending_before), at most limit long, the last
	// limit of that range when ending_before is given.
	f := store.SubscriptionFilter{Newest: true, Limit: limit + 1}
	if after := q.Get("starting_after"); after != "" {
		c, err := a.cursor(r.Context(), after)
		if a.bad(w, err, "") {
			return
		}
		if c == nil {
			fail(w, http.StatusBadRequest, "resource_missing", "starting_after", "No such webhook endpoint: '"+after+"'")
			return
		}
		f.OlderThan = c
	}
	if before := q.Get("ending_before"); before != "" {
		c, err := a.cursor(r.Context(), before)
		if a.bad(w, err, "") {
			return
		}
		if c == nil {
			fail(w, http.StatusBadRequest, "resource_missing", "ending_before", "No such webhook endpoint: '"+before+"'")
			return
		}
		// The limit endpoints just newer than the cursor: read oldest
		// first from it (one more, to know whether there are newer ones:
		// has_more says so in the direction of travel), then turned
		// newest first.
		f.NewerThan, f.Newest = c, false
	}
	page, err := a.endpoints(r.Context(), f)
	if a.bad(w, err, "") {
		return
	}
	more := len(page) > limit
	if more {
		page = page[:limit]
	}
	if !f.Newest {
		slices.Reverse(page)
	}
	out := List{Object: "list", URL: "/v1/webhook_endpoints", HasMore: more, Data: []any{}}
	for _, s := range page {
		out.Data = append(out.Data, render(s, false))
	}
	provider.WriteJSON(w, http.StatusOK, out)
}

func (a *api) event(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	ev, err := a.s.Store.GetEvent(r.Context(), id)
	if err == nil && (ev.ID != id || !delivery.ProviderIn(Providers, ev.Provider)) {
		err = store.ErrNotFound // a prefix, or another provider's event (not in the list either)
	}
	if provider.IsNotFound(err) {
		fail(w, http.StatusNotFound, "resource_missing", "id", "No such event: '"+id+"'")
		return
	}
	if a.bad(w, err, "") {
		return
	}
	if !json.Valid(ev.Payload) {
		fail(w, http.StatusNotFound, "resource_missing", "id", "No such event: '"+id+"' (its payload is not JSON)")
		return
	}
	body, err := a.withPending(r.Context(), ev)
	if a.bad(w, err, "") {
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Write(body)
}

// withPending is an event's payload with pending_webhooks as Stripe
// answers it when the event is read back: the number of endpoints that
// have not yet received it successfully, now. An endpoint is a
// subscription (or, for a delivery without one, its URL); it has received
// the event once any delivery of it there succeeded (a replay that
// succeeded counts, a listen forward or a check probe is no endpoint).
// The bytes sent are not changed: each delivery carries the number of
// endpoints the event was sent to.
func (a *api) withPending(ctx context.Context, ev *store.Event) ([]byte, error) {
	if !hasPending(ev) {
		return ev.Payload, nil
	}
	ds, err := a.s.Store.ListDeliveries(ctx, store.DeliveryFilter{EventID: ev.ID})
	if err != nil {
		return nil, err
	}
	return pendingBody(ev, ds), nil
}

// hasPending reports whether an event's payload has a pending_webhooks to
// answer.
func hasPending(ev *store.Event) bool {
	return bytes.Contains(ev.Payload, []byte(`"pending_webhooks"`))
}

// pendingBody is withPending's payload given the event's deliveries ds.
func pendingBody(ev *store.Event, ds []*store.Delivery) []byte {
	return catalog.SetPendingWebhooks(ev.Provider, ev.Payload, pendingEndpoints(ds))
}

// pendingEndpoints is the number of endpoints an event's deliveries ds
// went to that have not received it successfully yet (see withPending).
func pendingEndpoints(ds []*store.Delivery) int {
	received := map[string]bool{}
	for _, d := range ds {
		if d.Kind == store.KindForward || d.Kind == store.KindProbe {
			continue
		}
		key := "sub:" + d.SubscriptionID
		if d.SubscriptionID == "" {
			key = "url:" + d.URL
		}
		received[key] = received[key] || d.Status == store.DeliverySucceeded
	}
	n := 0
	for _, ok := range received {
		if !ok {
			n++
		}
	}
	return n
}

func (a *api) events(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	limit, ok := limitOf(w, q)
	if !ok {
		return
	}
	// Newest first, as Stripe lists: the page after starting_after or
	// before ending_before (the libraries' iterators page with
	// starting_after = the last id until has_more is false), filtered by
	// type, types[] (types[0]=…, as stripe-node sends it) and created[gt|
	// gte|lt|lte] or created=N (unix seconds). The store selects and pages
	// (a page reads about a page of rows, however many events it holds).
	types, hasTypes := form{v: q}.list("types")
	// Stripe's rules for types (stripe-go's EventListParams.Types: "An
	// array of up to 20 strings … You may pass either type or types, but
	// not both"): both were taken, type winning, and any number of names.
	switch {
	case hasTypes && q.Get("type") != "":
		fail(w, http.StatusBadRequest, "parameters_exclusive", "types", "You may pass either type or types, but not both.")
		return
	case len(types) > 20:
		fail(w, http.StatusBadRequest, "", "types", fmt.Sprintf("Invalid array: types has %d names, at most 20 are allowed.", len(types)))
		return
	}
	created, since, until, ok := createdFilter(w, q)
	if !ok {
		return
	}
	// delivery_success: true keeps the events every endpoint has
	// received, false those some endpoint has not (yet): pending_webhooks
	// as read back is 0, or more.
	var delivered *bool
	if v := q.Get("delivery_success"); v != "" {
		// Any case, as for disabled (older stripe-python sends "True").
		switch b := strings.ToLower(v); b {
		case "true", "false":
			d := b == "true"
			delivered = &d
		default:
			fail(w, http.StatusBadRequest, "parameter_invalid_boolean", "delivery_success", "Invalid boolean: "+v)
			return
		}
	}
	f := store.EventFilter{TypePattern: q.Get("type"), Types: types, Providers: strings.Split(Providers, ","), Source: store.SourceTriggered,
		Since: since, Until: until}
	for _, c := range []struct {
		param string
		to    *string
	}{{"starting_after", &f.Before}, {"ending_before", &f.After}} {
		id := q.Get(c.param)
		if id == "" {
			continue
		}
		// A cursor must be one of this API's events.
		e, err := a.s.Store.GetEvent(r.Context(), id)
		if err != nil && !provider.IsNotFound(err) {
			a.bad(w, err, "")
			return
		}
		if err != nil || e.ID != id || !delivery.ProviderIn(Providers, e.Provider) {
			fail(w, http.StatusBadRequest, "resource_missing", c.param, "No such event: '"+id+"'")
			return
		}
		*c.to = id
	}
	// ending_before walks towards the newest: read oldest first from it,
	// then show the page newest first.
	f.Oldest = f.After != ""
	var st store.Store = a.s.Store
	var withDs *eventDeliveries
	if delivered != nil {
		// Each batch of events read with its deliveries in one more read,
		// not one per event.
		withDs = &eventDeliveries{Store: a.s.Store, of: map[string][]*store.Delivery{}}
		st = withDs
	}
	page, more, err := provider.EventPage(r.Context(), st, f, limit, func(e *store.Event) bool {
		if !json.Valid(e.Payload) || !created(e.CreatedAt.Unix()) {
			return false
		}
		return delivered == nil || (pendingEndpoints(withDs.of[e.ID]) == 0) == *delivered
	})
	if a.bad(w, err, "") {
		return
	}
	if f.Oldest {
		slices.Reverse(page)
	}
	// has_more: more in the direction of travel (older after
	// starting_after, newer before ending_before).
	out := List{Object: "list", URL: "/v1/events", Data: []any{}, HasMore: more}
	// The page's pending_webhooks from one read of its events' deliveries
	// (a read per event made a page of 10 2.4 times slower).
	var ids []string
	for _, e := range page {
		if hasPending(e) {
			ids = append(ids, e.ID)
		}
	}
	byEvent := map[string][]*store.Delivery{}
	if len(ids) > 0 {
		ds, err := a.s.Store.ListDeliveries(r.Context(), store.DeliveryFilter{EventIDs: ids})
		if a.bad(w, err, "") {
			return
		}
		for _, d := range ds {
			byEvent[d.EventID] = append(byEvent[d.EventID], d)
		}
	}
	for _, e := range page {
		body := e.Payload
		if hasPending(e) {
			body = pendingBody(e, byEvent[e.ID])
		}
		out.Data = append(out.Data, json.RawMessage(body))
	}
	provider.WriteJSON(w, http.StatusOK, out)
}

// eventDeliveries is a store whose event lists read the listed events'
// deliveries too, in one read per list, into of (by event id): what
// /v1/events?delivery_success= filters on.
type eventDeliveries struct {
	store.Store
	of map[string][]*store.Delivery
}

// ListEvents implements store.Store.
func (s *eventDeliveries) ListEvents(ctx context.Context, f store.EventFilter) ([]*store.EventSummary, error) {
	evs, err := s.Store.ListEvents(ctx, f)
	if err != nil || len(evs) == 0 {
		return evs, err
	}
	ids := make([]string, len(evs))
	for i, e := range evs {
		ids[i] = e.ID
	}
	ds, err := s.Store.ListDeliveries(ctx, store.DeliveryFilter{EventIDs: ids})
	if err != nil {
		return nil, err
	}
	for _, d := range ds {
		s.of[d.EventID] = append(s.of[d.EventID], d)
	}
	return evs, nil
}

// createdFilter reads Stripe's created filter: created=N, or any of
// created[gt], created[gte], created[lt], created[lte] (unix seconds).
func createdFilter(w http.ResponseWriter, q url.Values) (ok func(int64) bool, since, until time.Time, valid bool) {
	type bound struct {
		key string
		ok  func(t, v int64) bool
		// lo and hi: the bound as [lo, hi) in unix seconds (0: none).
		lo, hi func(v int64) int64
	}
	none := func(int64) int64 { return 0 }
	var checks []func(int64) bool
	var lo, hi int64
	for _, b := range []bound{
		{"created", func(t, v int64) bool { return t == v }, func(v int64) int64 { return v }, func(v int64) int64 { return v + 1 }},
		{"created[gt]", func(t, v int64) bool { return t > v }, func(v int64) int64 { return v + 1 }, none},
		{"created[gte]", func(t, v int64) bool { return t >= v }, func(v int64) int64 { return v }, none},
		{"created[lt]", func(t, v int64) bool { return t < v }, none, func(v int64) int64 { return v }},
		{"created[lte]", func(t, v int64) bool { return t <= v }, none, func(v int64) int64 { return v + 1 }},
	} {
		s := q.Get(b.key)
		if s == "" {
			continue
		}
		v, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			fail(w, http.StatusBadRequest, "parameter_invalid_integer", b.key, "Invalid integer: "+s)
			return nil, time.Time{}, time.Time{}, false
		}
		checks = append(checks, func(t int64) bool { return b.ok(t, v) })
		// The store's bounds are a superset the checks narrow: only
		// plausible times (1970 to 9999) become SQL bounds.
		if l := b.lo(v); l > 0 && l < 253402300800 && l > lo {
			lo = l
		}
		if h := b.hi(v); h > 0 && h < 253402300800 && (hi == 0 || h < hi) {
			hi = h
		}
	}
	if lo > 0 {
		since = time.Unix(lo, 0)
	}
	if hi > 0 {
		until = time.Unix(hi, 0)
	}
	return func(t int64) bool {
		for _, c := range checks {
			if !c(t) {
				return false
			}
		}
		return true
	}, since, until, true
}
