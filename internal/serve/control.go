package serve

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/hookctl/hookctl/internal/catalog"
	"github.com/hookctl/hookctl/internal/delivery"
	"github.com/hookctl/hookctl/internal/jsonenc"
	"github.com/hookctl/hookctl/internal/provider"
	"github.com/hookctl/hookctl/internal/service"
	"github.com/hookctl/hookctl/internal/store"
	"github.com/hookctl/hookctl/internal/subscription"
	"github.com/hookctl/hookctl/internal/textdist"
)

// control is the /_hookctl/ API for test suites in any language.
type control struct {
	svc        *provider.Services
	faults     *service.Faults
	allowReset bool
	server     *Server
	methods    *provider.Methods // of the control API's routes
}

type ctlError struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

func ctlFail(w http.ResponseWriter, status int, code, msg string) {
	var e ctlError
	e.Error.Code, e.Error.Message = code, msg
	provider.WriteJSON(w, status, e)
}

// ctlFailSkipped is ctlFail with the subscriptions a trigger left out
// (error.skipped).
func ctlFailSkipped(w http.ResponseWriter, status int, code, msg string, skipped []skippedJSON) {
	var e struct {
		Error struct {
			Code    string        `json:"code"`
			Message string        `json:"message"`
			Skipped []skippedJSON `json:"skipped"`
		} `json:"error"`
	}
	e.Error.Code, e.Error.Message, e.Error.Skipped = code, msg, skipped
	provider.WriteJSON(w, status, e)
}

func (c *control) api() *provider.API {
	a := &provider.API{
		Name:     "hookctl",
		Prefixes: []string{"/_hookctl/"},
		NotFound: c.notFound,
		BadRequest: func(w http.ResponseWriter, r *http.Request, msg string) {
			ctlFail(w, http.StatusBadRequest, "invalid_request", msg)
		},
		Refused: func(w http.ResponseWriter, r *http.Request, status int, msg string) {
			code := "forbidden"
			switch status {
			case http.StatusMisdirectedRequest:
				code = "misdirected_request"
			case http.StatusBadRequest:
				code = "invalid_request"
			case http.StatusRequestTimeout:
				code = "request_timeout"
			case http.StatusServiceUnavailable:
				code = "busy"
			case http.StatusUnsupportedMediaType:
				code = "unsupported_media_type"
			}
			ctlFail(w, status, code, msg)
		},
		Routes: []provider.Route{
			provider.R("GET", "/_hookctl/health", "Health: 200 while the server runs and its store answers; 503 (Retry-After) naming the store problem while it does not", c.health),
			provider.R("POST", "/_hookctl/trigger", "Trigger a catalog event: {type, provider?, set?: {path: JSON value}, data?: the body (JSON; an XML or text event's as a JSON string; null: the catalog's), subscription?} → the event and its deliveries (subscription: hookctl's id, Stripe's we_…, Svix's ep_… or endpoint uid; 409 when it is disabled); without one, the subscription of a hookctl listen that is not running is left out, as hookctl trigger does (skipped: [{subscription, reason}]; none left: 422 no_running_receiver)", c.auth(c.trigger)),
			provider.R("GET", "/_hookctl/events", "Events hookctl stored, newest first (?type= a name or pattern, ?source=triggered|received|check, ?limit=; has_more when cut: ?starting_after= the last id reads on; 400 for a pattern that can match nothing)", c.auth(c.events)),
			provider.R("GET", "/_hookctl/deliveries", "Deliveries, newest first (?status=pending|succeeded|failed, ?event= a name or pattern, ?subscription= hookctl's id, Stripe's we_…, Svix's ep_… or endpoint uid (404 when nothing has it), ?event_id=, ?limit=; has_more when cut: ?starting_after= the last id reads on; ?wait=10s: once none of them is pending, up to 1m)", c.auth(c.deliveries)),
			provider.R("GET", "/_hookctl/deliveries/{id}", "One delivery with its attempts (?wait=10s: answered once it succeeded or failed, or still pending when the wait ends; up to 1m)", c.auth(c.delivery)),
			provider.R("POST", "/_hookctl/replay", "Replay deliveries: {ids: [...], force?: bool} or {failed: true, subscription?: hookctl's id, we_…, ep_… or uid, event?: a name or pattern} (not both: 400) → the ids requeued (replayed) and the ids given that were not, each with its reason (skipped: a succeeded one needs force)", c.auth(c.replay)),
			provider.R("POST", "/_hookctl/reset", "Empty the store (subscriptions, events, deliveries) once the attempts in flight end (up to 2 s); nothing a worker held (serve's, or a hookctl worker's on the same store) is sent after it; needs --allow-reset", c.auth(c.reset)),
			provider.R("POST", "/_hookctl/faults", "Inject a fault into the next N attempts to a subscription: {subscription, count, status?, delay_ms?, drop?} (subscription: hookctl's id, Stripe's we_…, Svix's ep_… or endpoint uid)", c.auth(c.armFault)),
			provider.R("GET", "/_hookctl/faults", "Faults still armed", c.auth(c.listFaults)),
			provider.R("DELETE", "/_hookctl/faults", "Disarm every fault", c.auth(c.clearFaults)),
			provider.R("GET", "/_hookctl/openapi.json", "This server's routes as an OpenAPI 3.1 document", c.openapi),
		},
	}
	c.methods = provider.NewMethods(a.Routes)
	return a
}

func (c *control) auth(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if c.svc.APIKey != "" && !c.svc.KeyOK(provider.BearerToken(r)) && !c.svc.KeyOK(r.Header.Get("X-Api-Key")) {
			ctlFail(w, http.StatusUnauthorized, "unauthorized", "send the --api-key as 'Authorization: Bearer KEY'")
			return
		}
		h(w, r)
	}
}

// allowed is the methods of the control route at r's path (none when no
// control route has it).
func (c *control) allowed(r *http.Request) []string {
	if c.methods == nil {
		return nil
	}
	return c.methods.Allowed(r)
}

// notFound answers a request for no route of any API: the route a typo
// away when there is one, and where the list of routes is.
func (c *control) notFound(w http.ResponseWriter, r *http.Request) {
	// A control route with another method (GET /_hookctl/trigger): 405
	// with Allow, as HTTP (and Bond's and Mambu's APIs here) answer it,
	// not the 404 of a path that does not exist.
	if allowed := c.allowed(r); len(allowed) > 0 {
		w.Header().Set("Allow", strings.Join(allowed, ", "))
		ctlFail(w, http.StatusMethodNotAllowed, "method_not_allowed", r.Method+" is not allowed on "+r.URL.Path+": use "+
			strings.Join(allowed, ", ")+" (every route: GET /_hookctl/openapi.json)")
		return
	}
	msg := "no route " + r.Method + " " + r.URL.Path
	if near := c.nearRoute(r); near != "" {
		msg += "; did you mean " + near + "?"
	}
	msg += " (every route: GET /_hookctl/openapi.json"
	if c.server != nil && c.server.opts.UI != nil && (r.Method == http.MethodGet || r.Method == http.MethodHead) {
		msg += "; the web inspector is at /"
	}
	ctlFail(w, http.StatusNotFound, "not_found", msg+")")
}

// nearRoute is the API route whose path is a typo away from r's ("POST
// /api/v0/webhooks" for /api/v2/webhooks), with r's method when the path
// has it, else its methods; "" when none is that close.
func (c *control) nearRoute(r *http.Request) string {
	if c.server == nil {
		return ""
	}
	methods := map[string][]string{}
	var paths []string
	for _, a := range c.server.apis {
		for _, rt := range a.Routes {
			if methods[rt.Path] == nil {
				paths = append(paths, rt.Path)
			}
			methods[rt.Path] = append(methods[rt.Path], rt.Method)
		}
	}
	p := strings.TrimSuffix(r.URL.Path, "/")
	if methods[p] == nil { // (a route's path with another method: its methods)
		p = textdist.Closest(p, paths)
	}
	if p == "" {
		return ""
	}
	for _, m := range methods[p] {
		if m == r.Method {
			return m + " " + p
		}
	}
	return strings.Join(methods[p], "|") + " " + p
}

// healthTimeout bounds the store check of one health request: a store
// that does not answer in time is unhealthy.
const healthTimeout = 5 * time.Second

// health says whether the server can do its work: 200 while the store
// answers, else 503 with Retry-After and the store's problem (a stopped
// PostgreSQL, a SQLite file made unreadable), so a readiness probe or a
// test suite's wait loop does not take a server without a store for up.
func (c *control) health(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), healthTimeout)
	defer cancel()
	worker := c.server.engine != nil
	if err := c.svc.Store.Ping(ctx); err != nil {
		// The APIs' 503 for a store that went away (Retry-After, its
		// message); any other store problem is a 503 here too: the
		// server cannot do its work until someone fixes it.
		status, msg := provider.ServerError(w, err, "hookctl's store cannot be used")
		if status != http.StatusServiceUnavailable {
			w.Header().Set("Retry-After", provider.RetryAfter)
		}
		if !strings.Contains(msg, err.Error()) {
			msg += ": " + err.Error()
		}
		var e ctlError
		e.Error.Code, e.Error.Message = "store_unavailable", msg
		provider.WriteJSON(w, http.StatusServiceUnavailable, map[string]any{"status": "unavailable", "store": "unavailable",
			"worker": worker, "error": e.Error})
		return
	}
	provider.WriteJSON(w, http.StatusOK, map[string]any{"status": "ok", "store": "ok", "worker": worker})
}

func (c *control) badBody(w http.ResponseWriter, err error) {
	if errors.Is(err, provider.ErrTooLarge) {
		ctlFail(w, http.StatusRequestEntityTooLarge, "too_large", "the request body is over 1 MiB")
		return
	}
	ctlFail(w, http.StatusBadRequest, "invalid_request", err.Error())
}

func (c *control) storeFail(w http.ResponseWriter, err error) {
	if provider.IsNotFound(err) {
		ctlFail(w, http.StatusNotFound, "not_found", err.Error())
		return
	}
	if msg, ok := provider.InputMessage(err); ok {
		ctlFail(w, http.StatusBadRequest, "invalid_request", msg)
		return
	}
	status, msg := provider.ServerError(w, err, "the store failed: "+err.Error())
	code := "internal"
	if status == http.StatusServiceUnavailable {
		code = "store_unavailable"
	}
	ctlFail(w, status, code, msg)
}

// subscription finds the subscription a control request names: by
// hookctl's id, else by an id a provider API handed out for it (Stripe's
// we_…, Svix's ep_… or endpoint uid: what an SDK user has), else by a
// unique prefix of hookctl's id.
func (c *control) subscription(ctx context.Context, id string) (*store.Subscription, error) {
	id = strings.TrimSpace(id)
	sub, err := service.GetExact(ctx, c.svc.Store, id)
	if !provider.IsNotFound(err) { // found, or the store failed
		return sub, err
	}
	for _, a := range c.server.apis {
		if a.Subscription == nil {
			continue
		}
		if sub, err := a.Subscription(ctx, id); sub != nil || err != nil {
			return sub, err
		}
	}
	return c.svc.Subs.Get(ctx, id)
}

type published struct {
	Event      eventJSON               `json:"event"`
	Deliveries []delivery.DeliveryJSON `json:"deliveries"`
	// Skipped: the subscriptions a trigger left out (a hookctl listen
	// that is not running), as hookctl trigger warns; absent when none.
	Skipped []skippedJSON `json:"skipped,omitempty"`
}

// skippedJSON is a subscription a trigger left out, and why.
type skippedJSON struct {
	Subscription string `json:"subscription"`
	Reason       string `json:"reason"`
}

func toSkippedJSON(sk []service.Skipped) []skippedJSON {
	var out []skippedJSON
	for _, s := range sk {
		out = append(out, skippedJSON{Subscription: s.SubscriptionID, Reason: s.Reason})
	}
	return out
}

type eventJSON struct {
	ID        string          `json:"id"`
	Type      string          `json:"type"`
	Provider  string          `json:"provider"`
	Source    string          `json:"source"`
	CreatedAt time.Time       `json:"created_at"`
	Payload   json.RawMessage `json:"payload,omitempty"`
	Body      string          `json:"body,omitempty"` // a non-JSON payload
	// BodyBase64: the payload's exact bytes when they are not UTF-8
	// (then never payload: body holds U+FFFD in their place;
	// jsonenc.BodyBase64).
	BodyBase64 []byte `json:"body_base64,omitempty"`
	Pending    *int   `json:"pending,omitempty"`
	Succeeded  *int   `json:"succeeded,omitempty"`
	Failed     *int   `json:"failed,omitempty"`
}

func toEventJSON(e *store.Event) eventJSON {
	// A sender's id and type (listen records them as received) whose
	// bytes are not UTF-8: written as every -o json writes them
	// (store.EncodeText), which the routes that take an id read back.
	j := eventJSON{ID: store.EncodeText(e.ID), Type: store.EncodeText(e.Type), Provider: e.Provider, Source: e.Source, CreatedAt: e.CreatedAt.UTC()}
	j.BodyBase64 = jsonenc.BodyBase64(e.Payload)
	if json.Valid(e.Payload) && j.BodyBase64 == nil {
		j.Payload = e.Payload
	} else {
		j.Body = string(e.Payload)
	}
	return j
}

func (c *control) trigger(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Type         string          `json:"type"`
		Provider     string          `json:"provider"`
		Set          json.RawMessage `json:"set"`
		Data         json.RawMessage `json:"data"`
		Subscription string          `json:"subscription"`
	}
	if err := provider.DecodeJSONStrict(r, &in); err != nil {
		c.badBody(w, err)
		return
	}
	if strings.TrimSpace(in.Type) == "" {
		ctlFail(w, http.StatusBadRequest, "invalid_request", "type is required, e.g. {\"type\": \"card.created\"}")
		return
	}
	set, err := setEntries(in.Set)
	if err != nil {
		ctlFail(w, http.StatusBadRequest, "invalid_request", err.Error())
		return
	}
	data, msg := c.triggerData(in.Type, in.Provider, in.Data, len(set) > 0)
	if msg != "" {
		ctlFail(w, http.StatusBadRequest, "invalid_request", msg)
		return
	}
	// A hookctl listen that is not running is left out, as hookctl
	// trigger leaves it out (service.Running: one rule).
	ti := service.TriggerInput{Type: in.Type, Provider: in.Provider, Data: data, Target: service.Target{SkipStopped: true}}
	// set: a JSON string sets a string, any other JSON value sets that
	// value (the JSON API's types, unlike the CLI's --set guessing).
	for _, kv := range set {
		op, val := catalog.OpSetJSON, string(kv.value)
		var str string
		if json.Unmarshal(kv.value, &str) == nil {
			op, val = catalog.OpSetString, str
		}
		ov, err := catalog.ParseOverride(op, kv.path+"="+val)
		if err != nil {
			msg, ok := apiInputMessage(err)
			if !ok {
				msg = err.Error()
			}
			ctlFail(w, http.StatusBadRequest, "invalid_request", "set: "+msg)
			return
		}
		ti.Overrides = append(ti.Overrides, ov)
	}
	if in.Subscription != "" {
		sub, err := c.subscription(r.Context(), in.Subscription)
		if err != nil {
			c.storeFail(w, err)
			return
		}
		ti.Target.SubscriptionID = sub.ID
	}
	p, err := c.svc.Dispatch.Trigger(r.Context(), ti)
	if errors.Is(err, service.ErrNoTarget) {
		ctlFail(w, http.StatusUnprocessableEntity, "no_subscription", "no enabled subscription takes "+in.Type+": create one first")
		return
	}
	var nr *service.NoRunningReceiverError
	if errors.As(err, &nr) {
		ctlFailSkipped(w, http.StatusUnprocessableEntity, "no_running_receiver",
			"no running receiver for "+in.Type+": every subscription that takes it is a hookctl listen that is not running (start it again: it takes its subscription back)", toSkippedJSON(nr.Skipped))
		return
	}
	if errors.Is(err, service.ErrSubscriptionDisabled) {
		ctlFail(w, http.StatusConflict, "subscription_disabled", fmt.Sprintf("subscription %s is disabled: enable it first (its provider API, or hookctl subscriptions enable %s)", ti.Target.SubscriptionID, ti.Target.SubscriptionID))
		return
	}
	if msg, ok := apiInputMessage(err); err != nil && ok {
		ctlFail(w, http.StatusBadRequest, "invalid_request", msg)
		return
	}
	if err != nil {
		c.storeFail(w, err)
		return
	}
	out := published{Event: toEventJSON(p.Event), Deliveries: []delivery.DeliveryJSON{}, Skipped: toSkippedJSON(p.Skipped)}
	for _, d := range p.Deliveries {
		j := delivery.ToJSON(d, p.Event.Type, nil)
		j.Source = store.DeliverySource(d, p.Event.Source)
		out.Deliveries = append(out.Deliveries, j)
	}
	provider.WriteJSON(w, http.StatusCreated, out)
}

// setEntry is one entry of a trigger's set: a path and its JSON value.
type setEntry struct {
	path  string
	value json.RawMessage
}

// setEntries reads a trigger's set (a JSON object, or null) in the order
// its body gives it: the entries are applied in that order, so that
// {"card": 5, "card.x": 1} is refused the same way every time (a Go map
// applied them in a random order: the same request was refused or sent).
func setEntries(raw json.RawMessage) ([]setEntry, error) {
	if t := bytes.TrimSpace(raw); len(t) == 0 || string(t) == "null" {
		return nil, nil
	}
	wrong := errors.New("field set has the wrong type: want an object, {\"path\": JSON value}")
	dec := json.NewDecoder(bytes.NewReader(raw))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil, wrong
	}
	var out []setEntry
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, wrong
		}
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return nil, wrong
		}
		out = append(out, setEntry{path: tok.(string), value: v})
	}
	return out, nil
}

// cliWords are the CLI's flags in the catalog's messages, as the control
// API's trigger names what they do: its set, data and provider.
var cliWords = strings.NewReplacer("--set-string ", "set ", "--set-json ", "set ", "--set ", "set ",
	"--set, --set-string, --set-json and --unset", "set", "--data", "data", "--provider", "provider")

// apiInputMessage is InputMessage in the control API's words: a catalog
// error's message and hints with the CLI's flags named as the API's
// fields (the hints that still name a flag are left out, as
// InputMessage leaves them out).
func apiInputMessage(err error) (string, bool) {
	var ce *catalog.Error
	if !errors.As(err, &ce) {
		return provider.InputMessage(err)
	}
	msg := cliWords.Replace(ce.Msg)
	for _, h := range ce.HintList {
		if h = cliWords.Replace(h); !strings.Contains(h, "--") {
			msg += "; " + h
		}
	}
	return msg, true
}

// triggerData is the body a trigger's data gives (nil: the catalog's), or
// why it cannot be sent. JSON null is no data, as a client that always
// sends the field (Python's data=None) means it. An XML or plain-text
// event's body is a JSON string, sent as its text (its quotes and escapes
// are JSON's, not the body's); another JSON value cannot be such a body,
// nor can set edit one. An event type the catalog does not have is left
// to the trigger, which says so.
func (c *control) triggerData(typ, prov string, data json.RawMessage, set bool) ([]byte, string) {
	if t := bytes.TrimSpace(data); len(t) == 0 || string(t) == "null" {
		data = nil
	}
	if c.svc.Catalog == nil {
		return data, ""
	}
	et, err := c.svc.Catalog.Lookup(typ, prov)
	if err != nil || et.IsJSON() {
		return data, ""
	}
	if set {
		return nil, fmt.Sprintf("set needs a JSON body, but %s is %s: give the whole body as data (a JSON string)", et.QualifiedName(), et.ContentType)
	}
	if data == nil {
		return nil, ""
	}
	var text string
	if json.Unmarshal(data, &text) != nil {
		return nil, fmt.Sprintf("data: %s is %s: give its body as a JSON string, e.g. \"data\": %q", et.QualifiedName(), et.ContentType, example(et.ContentType))
	}
	return []byte(text), ""
}

// example is a body of contentType, for a message.
func example(contentType string) string {
	if strings.Contains(contentType, "xml") {
		return "<notification>…</notification>"
	}
	return "the body's text"
}

func limitParam(r *http.Request, def, max int) (int, bool) {
	v := r.URL.Query().Get("limit")
	if v == "" {
		return def, true
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > max {
		return 0, false
	}
	return n, true
}

func (c *control) events(w http.ResponseWriter, r *http.Request) {
	limit, ok := limitParam(r, 100, 1000)
	if !ok {
		ctlFail(w, http.StatusBadRequest, "invalid_request", "limit must be between 1 and 1000")
		return
	}
	// One more than the limit: has_more tells a test that the list was
	// cut (it was cut silently).
	q := r.URL.Query()
	if !c.checkPattern(w, "type", q.Get("type")) {
		return
	}
	switch q.Get("source") {
	case "", store.SourceTriggered, store.SourceReceived, store.SourceCheck:
	default:
		ctlFail(w, http.StatusBadRequest, "invalid_request", "source must be triggered, received or check")
		return
	}
	// starting_after: the page after that event (the last of the page
	// before, when has_more said there is more), as Stripe pages.
	after := store.DecodeText(q.Get("starting_after"))
	evs, err := c.svc.Store.ListEvents(r.Context(), store.EventFilter{TypePattern: q.Get("type"), Source: q.Get("source"), Before: after, Limit: limit + 1})
	if after != "" && provider.IsNotFound(err) {
		ctlFail(w, http.StatusNotFound, "not_found", fmt.Sprintf("starting_after: no event %q: give the id of the last event of the page before", q.Get("starting_after")))
		return
	}
	if err != nil {
		c.storeFail(w, err)
		return
	}
	more := len(evs) > limit
	out := []eventJSON{}
	for _, e := range evs[:min(limit, len(evs))] {
		j := toEventJSON(&e.Event)
		j.Pending, j.Succeeded, j.Failed = &e.Pending, &e.Succeeded, &e.Failed
		out = append(out, j)
	}
	provider.WriteJSON(w, http.StatusOK, map[string]any{"data": out, "has_more": more})
}

// waitSettled waits, for ?wait=, until no delivery f lists regardless of
// its status is pending, the wait ends, or the server shuts down. It
// answers (and reports false) a bad wait or a store error.
func (c *control) waitSettled(w http.ResponseWriter, r *http.Request, f store.DeliveryFilter) bool {
	wait, ok := waitParam(r.URL.Query().Get("wait"))
	if !ok {
		badWait(w, "deliveries")
		return false
	}
	if wait <= 0 {
		return true
	}
	f.Status = store.DeliveryPending
	f.Limit = 1
	var err error
	alive := c.pollFor(r, wait, func() bool {
		var ds []*store.Delivery
		ds, err = c.svc.Store.ListDeliveries(r.Context(), f)
		return err != nil || len(ds) == 0
	})
	if err != nil {
		c.storeFail(w, err)
		return false
	}
	return alive
}

// pollFor calls settled, then every 50 ms again, until it reports true,
// wait has passed or the server shuts down (true), or the request went
// away (false): ?wait='s loop, for one delivery and for a list.
func (c *control) pollFor(r *http.Request, wait time.Duration, settled func() bool) bool {
	deadline := time.Now().Add(wait)
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for !settled() && time.Now().Before(deadline) {
		select {
		case <-tick.C:
		case <-r.Context().Done():
			return false
		case <-c.server.streams.Done():
			return true // shutting down: answer what it is now
		}
	}
	return true
}

// badWait answers a ?wait= that is not a duration up to maxWait (what:
// "delivery" or "deliveries").
func badWait(w http.ResponseWriter, what string) {
	ctlFail(w, http.StatusBadRequest, "invalid_request", "wait must be a duration up to 1m (wait=10s, or seconds: wait=10): how long to wait for the "+what+" to succeed or fail")
}

func (c *control) deliveries(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	limit, ok := limitParam(r, 100, 1000)
	if !ok {
		ctlFail(w, http.StatusBadRequest, "invalid_request", "limit must be between 1 and 1000")
		return
	}
	switch q.Get("status") {
	case "", store.DeliveryPending, store.DeliverySucceeded, store.DeliveryFailed:
	default:
		ctlFail(w, http.StatusBadRequest, "invalid_request", "status must be pending, succeeded or failed")
		return
	}
	if !c.checkPattern(w, "event", q.Get("event")) {
		return
	}
	// subscription: as trigger and faults take it (hookctl's id or a
	// unique prefix, Stripe's we_…, Svix's ep_… or uid); one no
	// subscription has now may be a deleted one's id, which its
	// deliveries keep.
	subID, unknownSub := q.Get("subscription"), false
	if subID != "" {
		sub, err := c.subscription(r.Context(), subID)
		switch {
		case err == nil:
			// A prefix of its id that starts a deleted one's too is
			// ambiguous, as one of two live ones is (below).
			if sub.ID != subID && strings.HasPrefix(sub.ID, store.NormalizeIDPrefix(subID)) {
				if err := store.AmbiguousWithDeleted(r.Context(), c.svc.Store, subID, sub.ID); err != nil {
					c.storeFail(w, err)
					return
				}
			}
			subID = sub.ID
		case errors.As(err, new(*store.AmbiguousError)):
			// A prefix of several: said, naming them (and the deleted
			// ones it starts too), not a list of none.
			if _, _, ferr := store.SubscriptionFilterID(r.Context(), c.svc.Store, subID); ferr != nil {
				err = ferr
			}
			c.storeFail(w, err)
			return
		case provider.IsNotFound(err):
			unknownSub = true
			// A deleted one's id or prefix: its deliveries keep it. A
			// prefix of several deleted ones is said, as of live ones.
			id, deleted, ferr := store.SubscriptionFilterID(r.Context(), c.svc.Store, subID)
			if errors.As(ferr, new(*store.AmbiguousError)) {
				c.storeFail(w, ferr)
				return
			}
			if ferr == nil && deleted {
				subID = id
			}
		default:
			c.storeFail(w, err)
			return
		}
	}
	// starting_after: the page after that delivery (the last of the page
	// before, when has_more said there is more), as Stripe pages.
	var beforeSeq int64
	if after := store.DecodeText(q.Get("starting_after")); after != "" {
		d, err := c.svc.Store.GetDelivery(r.Context(), after)
		if err == nil && d.ID != after {
			err = store.ErrNotFound // a prefix: a cursor is an id
		}
		if provider.IsNotFound(err) {
			ctlFail(w, http.StatusNotFound, "not_found", fmt.Sprintf("starting_after: no delivery %q: give the id of the last delivery of the page before", after))
			return
		}
		if err != nil {
			c.storeFail(w, err)
			return
		}
		beforeSeq = d.Seq
	}
	f := store.DeliveryFilter{Status: q.Get("status"), EventPattern: q.Get("event"),
		SubscriptionID: subID, EventID: store.DecodeText(q.Get("event_id")), Limit: limit + 1, Newest: true, BeforeSeq: beforeSeq}
	// ?wait=: the list once the deliveries the other filters match are
	// no longer pending (or the wait ends): a Svix message's
	// (?event_id=msg_…) or a subscription's, in one request.
	if !c.waitSettled(w, r, f) {
		return
	}
	ds, err := c.svc.Store.ListDeliveries(r.Context(), f)
	if err != nil {
		c.storeFail(w, err)
		return
	}
	if unknownSub && len(ds) == 0 {
		ctlFail(w, http.StatusNotFound, "not_found", fmt.Sprintf("subscription %q not found: give hookctl's id (or a unique prefix of it), Stripe's we_…, Svix's ep_… or the endpoint's uid", subID))
		return
	}
	more := len(ds) > limit
	out := []delivery.DeliveryJSON{}
	for _, d := range ds[:min(limit, len(ds))] {
		out = append(out, delivery.ToJSON(d, "", nil))
	}
	provider.WriteJSON(w, http.StatusOK, map[string]any{"data": out, "has_more": more})
}

// checkPattern answers 400 for an event filter that can match nothing
// ('card*', 'card.*.x', a space), with subscribe's reason, as the CLI's
// --event does: it was an empty list.
func (c *control) checkPattern(w http.ResponseWriter, param, pattern string) bool {
	if pattern == "" {
		return true
	}
	if err := subscription.CheckPatternSyntax(pattern); err != nil {
		msg := "invalid " + param + ": " + err.Error()
		var ie *subscription.InputError
		if errors.As(err, &ie) && len(ie.Hints()) > 0 {
			msg += " (" + strings.Join(ie.Hints(), "; ") + ")"
		}
		ctlFail(w, http.StatusBadRequest, "invalid_request", msg)
		return false
	}
	return true
}

// maxWait bounds ?wait= on a delivery: a test's own timeout is shorter.
const maxWait = time.Minute

func (c *control) delivery(w http.ResponseWriter, r *http.Request) {
	wait, ok := waitParam(r.URL.Query().Get("wait"))
	if !ok {
		badWait(w, "delivery")
		return
	}
	d, err := c.svc.Store.GetDelivery(r.Context(), store.DecodeText(r.PathValue("id")))
	// ?wait=: answered once the delivery succeeded or failed (or still
	// pending when the wait ends), so a test suite asserts on its outcome
	// with one request instead of a sleep-and-poll loop.
	if err == nil && wait > 0 && d.Status == store.DeliveryPending {
		first := true
		if !c.pollFor(r, wait, func() bool {
			if !first { // the read above is the first look
				d, err = c.svc.Store.GetDelivery(r.Context(), d.ID)
			}
			first = false
			return err != nil || d.Status != store.DeliveryPending
		}) {
			return
		}
	}
	if err != nil {
		c.storeFail(w, err)
		return
	}
	as, err := c.svc.Store.ListAttempts(r.Context(), d.ID)
	if err != nil {
		c.storeFail(w, err)
		return
	}
	provider.WriteJSON(w, http.StatusOK, delivery.ToJSON(d, "", as))
}

// waitParam reads ?wait=: a Go duration (10s, 500ms) or a number of
// seconds, from 0 to maxWait; "" is no wait.
func waitParam(v string) (time.Duration, bool) {
	if v == "" {
		return 0, true
	}
	d, err := time.ParseDuration(v)
	if err != nil {
		n, nerr := strconv.ParseFloat(v, 64)
		if nerr != nil || n != n { // NaN
			return 0, false
		}
		d = time.Duration(n * float64(time.Second))
		if n > maxWait.Seconds() {
			d = maxWait + 1
		}
	}
	return d, d >= 0 && d <= maxWait
}

func (c *control) replay(w http.ResponseWriter, r *http.Request) {
	var in struct {
		IDs          []string `json:"ids"`
		Failed       bool     `json:"failed"`
		Force        bool     `json:"force"`
		Subscription string   `json:"subscription"`
		Event        string   `json:"event"`
	}
	if err := provider.DecodeJSONStrict(r, &in); err != nil {
		c.badBody(w, err)
		return
	}
	switch {
	case len(in.IDs) == 0 && !in.Failed:
		ctlFail(w, http.StatusBadRequest, "invalid_request", "give ids (delivery ids) or failed: true")
		return
	case len(in.IDs) > 0 && in.Failed:
		// As the CLI's replay refuses IDs with --failed: both sent every
		// failed delivery in the store along with the ids.
		ctlFail(w, http.StatusBadRequest, "invalid_request", "give ids (delivery ids) or failed: true, not both (failed: true replays every failed delivery; narrow it with subscription or event)")
		return
	case len(in.IDs) > 0 && (in.Subscription != "" || in.Event != ""):
		ctlFail(w, http.StatusBadRequest, "invalid_request", "subscription and event narrow failed: true; with ids, give only the ids")
		return
	}
	if !c.checkPattern(w, "event", in.Event) {
		return
	}
	// subscription: as trigger, faults and deliveries take it; a deleted
	// one's id, which its deliveries keep, is taken too.
	subID := in.Subscription
	if subID != "" {
		sub, err := c.subscription(r.Context(), subID)
		switch {
		case err == nil:
			// A prefix of its id that starts a deleted one's too is
			// ambiguous, as one of two live ones is (below).
			if sub.ID != subID && strings.HasPrefix(sub.ID, store.NormalizeIDPrefix(subID)) {
				if err := store.AmbiguousWithDeleted(r.Context(), c.svc.Store, subID, sub.ID); err != nil {
					c.storeFail(w, err)
					return
				}
			}
			subID = sub.ID
		case errors.As(err, new(*store.AmbiguousError)):
			// A prefix of several: said, naming them (and the deleted
			// ones it starts too), not a list of none.
			if _, _, ferr := store.SubscriptionFilterID(r.Context(), c.svc.Store, subID); ferr != nil {
				err = ferr
			}
			c.storeFail(w, err)
			return
		case provider.IsNotFound(err):
			ds, err := c.svc.Store.ListDeliveries(r.Context(), store.DeliveryFilter{SubscriptionID: subID, Limit: 1})
			if err != nil {
				c.storeFail(w, err)
				return
			}
			if len(ds) == 0 {
				ctlFail(w, http.StatusNotFound, "not_found", fmt.Sprintf("subscription %q not found: give hookctl's id (or a unique prefix of it), Stripe's we_…, Svix's ep_… or the endpoint's uid", subID))
				return
			}
		default:
			c.storeFail(w, err)
			return
		}
	}
	ids := []string{}
	status := map[string]string{}
	for _, id := range in.IDs {
		d, err := c.svc.Store.GetDelivery(r.Context(), store.DecodeText(id))
		if err != nil {
			c.storeFail(w, err)
			return
		}
		ids = append(ids, d.ID)
		status[d.ID] = d.Status
	}
	if in.Failed {
		// What the CLI's replay --failed resends: not hookctl check's
		// probes (refused on purpose: tampered, stale, unsigned), nor
		// listen's forwards of deliveries hookctl sent (their sender
		// retries them itself).
		ds, err := c.svc.Store.ListDeliveries(r.Context(), store.DeliveryFilter{Status: store.DeliveryFailed,
			SubscriptionID: subID, EventPattern: in.Event, ExcludeProbes: true, ExcludeLinked: true})
		if err != nil {
			c.storeFail(w, err)
			return
		}
		for _, d := range ds {
			ids = append(ids, d.ID)
		}
	}
	got, err := c.svc.Dispatch.Replay(r.Context(), ids, store.Requeue{Force: in.Force})
	if err != nil {
		c.storeFail(w, err)
		return
	}
	if got == nil {
		got = []string{}
	}
	// The ids asked for that were not requeued, each with why: a
	// succeeded one needs force (as the CLI's replay --force), a pending
	// one is being sent (or is due) already. They were left out of
	// "replayed" without a word.
	type skip struct {
		ID     string `json:"id"`
		Reason string `json:"reason"`
	}
	skipped := []skip{}
	for _, id := range ids {
		st, asked := status[id]
		if !asked || slices.Contains(got, id) || slices.ContainsFunc(skipped, func(s skip) bool { return s.ID == id }) {
			continue
		}
		reason := "not requeued"
		switch st {
		case store.DeliverySucceeded:
			reason = `succeeded: send "force": true to replay it`
		case store.DeliveryPending:
			reason = "pending: it is being sent or is due already"
		}
		skipped = append(skipped, skip{ID: id, Reason: reason})
	}
	provider.WriteJSON(w, http.StatusOK, map[string]any{"replayed": got, "skipped": skipped})
}

func (c *control) reset(w http.ResponseWriter, r *http.Request) {
	if !c.allowReset {
		ctlFail(w, http.StatusForbidden, "reset_disabled", "reset empties the store: start hookctl serve with --allow-reset to allow it")
		return
	}
	// The workers of other processes (`hookctl worker` beside
	// --no-worker) are waited for through the store, within the same
	// resetWait as this process's own sends.
	deadline := time.Now().Add(resetWait)
	except := ""
	if c.server.engine != nil {
		except = c.server.engine.OwnerID()
	}
	reset := func() error {
		holdForReset(r.Context(), c.svc.Store, except, deadline)
		return service.Reset(r.Context(), c.svc.Store)
	}
	if g := c.server.gate; g != nil {
		// Nothing the worker held before the reset is sent after it: the
		// next test's receiver gets only the next test's events.
		inner := reset
		reset = func() error { return g.reset(inner) }
	}
	if err := reset(); err != nil {
		c.storeFail(w, err)
		return
	}
	c.faults.Clear()
	c.svc.Idempotency.Reset()
	for _, a := range c.server.apis {
		if a.Reset != nil {
			a.Reset()
		}
	}
	provider.WriteJSON(w, http.StatusOK, map[string]any{"reset": true})
}

func (c *control) armFault(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Subscription string `json:"subscription"`
		Count        *int   `json:"count"`
		Status       int    `json:"status"`
		DelayMS      int64  `json:"delay_ms"`
		Drop         bool   `json:"drop"`
	}
	if err := provider.DecodeJSONStrict(r, &in); err != nil {
		c.badBody(w, err)
		return
	}
	// Left out (or null), count is 1; an explicit 0 is refused with the
	// other counts out of range (it armed one fault, as if 1 was sent).
	count := 1
	if in.Count != nil {
		count = *in.Count
	}
	// In delay_ms's own unit, before it becomes a Duration: the message
	// named a "delay" in Go's units (0s, 5m), and a huge delay_ms
	// overflowed into a short delay that was taken.
	// A dropped connection has no status: the status was dropped
	// without a word (and the fault listed with it).
	if in.Drop && in.Status != 0 {
		ctlFail(w, http.StatusBadRequest, "invalid_request", "give status or drop, not both: a dropped connection has no status (delay_ms goes with either)")
		return
	}
	if in.DelayMS < 0 || in.DelayMS > maxFaultDelayMS {
		ctlFail(w, http.StatusBadRequest, "invalid_request", fmt.Sprintf("delay_ms must be between 0 and %d (5 minutes)", maxFaultDelayMS))
		return
	}
	if in.Subscription != "" {
		sub, err := c.subscription(r.Context(), in.Subscription)
		if err != nil {
			c.storeFail(w, err)
			return
		}
		in.Subscription = sub.ID
	}
	f, err := c.faults.Arm(service.Fault{SubscriptionID: in.Subscription, Count: count, Status: in.Status,
		Delay: time.Duration(in.DelayMS) * time.Millisecond, Drop: in.Drop})
	if err != nil {
		ctlFail(w, http.StatusBadRequest, "invalid_request", err.Error())
		return
	}
	provider.WriteJSON(w, http.StatusCreated, faultJSON(f))
}

// maxFaultDelayMS is the longest delay_ms a fault takes (service.Faults'
// 5 minutes).
const maxFaultDelayMS = 5 * 60 * 1000

func faultJSON(f service.Fault) map[string]any {
	return map[string]any{"subscription": f.SubscriptionID, "count": f.Count, "remaining": f.Remaining,
		"status": f.Status, "delay_ms": f.Delay.Milliseconds(), "drop": f.Drop}
}

func (c *control) listFaults(w http.ResponseWriter, r *http.Request) {
	out := []map[string]any{}
	for _, f := range c.faults.List() {
		out = append(out, faultJSON(f))
	}
	provider.WriteJSON(w, http.StatusOK, map[string]any{"data": out})
}

func (c *control) clearFaults(w http.ResponseWriter, r *http.Request) {
	c.faults.Clear()
	provider.WriteJSON(w, http.StatusOK, map[string]any{"cleared": true})
}

// openapi describes every route of the server, from the same table the
// mux is built from.
func (c *control) openapi(w http.ResponseWriter, r *http.Request) {
	paths := map[string]map[string]any{}
	for _, a := range c.server.apis {
		for _, rt := range a.Routes {
			p := rt.Path
			op := map[string]any{"summary": rt.Summary, "tags": []string{a.Name},
				"operationId": a.Name + "_" + strings.ToLower(rt.Method) + strings.NewReplacer("/", "_", "{", "", "}", "", ":", "_", ".", "_").Replace(p),
				"responses":   map[string]any{"default": map[string]any{"description": "JSON in the " + a.Name + " API's shape"}}}
			var params []map[string]any
			for _, seg := range strings.Split(p, "/") {
				if strings.HasPrefix(seg, "{") && strings.HasSuffix(seg, "}") {
					params = append(params, map[string]any{"name": strings.Trim(seg, "{}"), "in": "path", "required": true, "schema": map[string]string{"type": "string"}})
				}
			}
			if params != nil {
				op["parameters"] = params
			}
			if paths[p] == nil {
				paths[p] = map[string]any{}
			}
			paths[p][strings.ToLower(rt.Method)] = op
		}
	}
	provider.WriteJSON(w, http.StatusOK, map[string]any{
		"openapi": "3.1.0",
		"info":    map[string]string{"title": "hookctl serve", "version": c.server.opts.Version},
		"servers": []map[string]string{{"url": c.server.URL()}},
		"paths":   paths,
	})
}
