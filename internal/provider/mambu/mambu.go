// Package mambu is Mambu's notification history API as `hookctl serve`
// emulates it: v1 (/api/notifications/messages…) and v2
// (/api/communications/messages…) search and resend. A Mambu message is a
// hookctl delivery (its encodedKey is the delivery id); a resend sends the
// payload as stored at first send-out (the stored bytes, never
// re-rendered) and starts a fresh retry cycle. Only FAILED messages are
// resent.
package mambu

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/hookctl/hookctl/internal/delivery"
	"github.com/hookctl/hookctl/internal/provider"
	"github.com/hookctl/hookctl/internal/store"
)

// Mambu message states.
const (
	StateQueued  = "QUEUED"
	StateWaiting = "WAITING"
	StateSent    = "SENT"
	StateFailed  = "FAILED"
)

type api struct{ s *provider.Services }

type version int

const (
	v1 version = iota
	v2
)

// ErrorV2 is Mambu v2's error envelope.
type ErrorV2 struct {
	Errors []ErrorItem `json:"errors"`
}

// ErrorItem is one v2 error.
type ErrorItem struct {
	ErrorCode   int    `json:"errorCode"`
	ErrorSource string `json:"errorSource,omitempty"`
	ErrorReason string `json:"errorReason"`
}

// ErrorV1 is Mambu v1's error envelope.
type ErrorV1 struct {
	ReturnCode   int    `json:"returnCode"`
	ReturnStatus string `json:"returnStatus"`
	ErrorSource  string `json:"errorSource,omitempty"`
}

// Mambu's generic response codes (its "API response and error codes"
// page, codes 1-60, shared by v1 and v2). An error's code is always the
// one Mambu gives its reason: fail takes the reason and looks its code up,
// so the two cannot disagree.
const (
	invalidCredentials   = "INVALID_CREDENTIALS"                   // 2
	invalidAPIOperation  = "INVALID_API_OPERATION"                 // 3: the API URI is incorrect
	invalidParameters    = "INVALID_PARAMETERS"                    // 4
	methodNotImplemented = "METHOD_NOT_IMPLEMENTED"                // 5
	internalError        = "INTERNAL_ERROR"                        // 6
	invalidOffsetValue   = "INVALID_PAGINATION_OFFSET_VALUE"       // 11: not an integer
	offsetOutOfBounds    = "OUT_OF_BOUNDS_PAGINATION_OFFSET_VALUE" // 12: below 0
	invalidLimitValue    = "INVALID_PAGINATION_LIMIT_VALUE"        // 13: not an integer
	limitOutOfBounds     = "OUT_OF_BOUNDS_PAGINATION_LIMIT_VALUE"  // 14: below 1 or above the limit
	invalidPermissions   = "INVALID_PERMISSIONS"                   // 15
)

var codes = map[string]int{
	invalidCredentials:   2,
	invalidAPIOperation:  3,
	invalidParameters:    4,
	methodNotImplemented: 5,
	internalError:        6,
	invalidOffsetValue:   11,
	offsetOutOfBounds:    12,
	invalidLimitValue:    13,
	limitOutOfBounds:     14,
	invalidPermissions:   15,
}

// fail answers in the version's envelope; reason is one of Mambu's
// reasons above (its code goes with it) and source the detail.
func fail(w http.ResponseWriter, v version, status int, reason, source string) {
	code, ok := codes[reason]
	if !ok {
		panic("mambu: no Mambu code for " + reason)
	}
	if v == v1 {
		provider.WriteJSON(w, status, ErrorV1{ReturnCode: code, ReturnStatus: reason, ErrorSource: source})
		return
	}
	provider.WriteJSON(w, status, ErrorV2{Errors: []ErrorItem{{ErrorCode: code, ErrorSource: source, ErrorReason: reason}}})
}

// refusedReason is Mambu's reason for a request refused before its
// handler (serve's framing, body and origin checks, the store gone).
func refusedReason(status int) string {
	switch status {
	case http.StatusForbidden, http.StatusMisdirectedRequest:
		return invalidPermissions
	case http.StatusServiceUnavailable, http.StatusInternalServerError:
		return internalError
	}
	return invalidParameters // 400 framing, 408 a body that never came, 413
}

// New returns Mambu's API.
func New(s *provider.Services) *provider.API {
	a := &api{s: s}
	var methods *provider.Methods
	out := &provider.API{
		Name:     "mambu",
		Prefixes: []string{"/api/notifications/", "/api/communications/"},
		NotFound: func(w http.ResponseWriter, r *http.Request) {
			v := versionOf(r)
			if v == v1 && !strings.HasPrefix(r.URL.Path, "/api/notifications") {
				// API v2's path asked as API v1 (see acceptsV2): a URI
				// v1 does not have, whatever the method.
				notV2(w, r)
				return
			}
			// A path Mambu serves with another method (GET on
			// messages:search): 405 with Allow and Mambu's code for it
			// (5 METHOD_NOT_IMPLEMENTED), not the unknown path's 404.
			if allowed := methods.Allowed(r); len(allowed) > 0 {
				w.Header().Set("Allow", strings.Join(allowed, ", "))
				fail(w, v, http.StatusMethodNotAllowed, methodNotImplemented,
					r.Method+" is not allowed on "+r.URL.Path+": use "+strings.Join(allowed, ", "))
				return
			}
			fail(w, v, http.StatusNotFound, invalidAPIOperation, r.Method+" "+r.URL.Path)
		},
		BadRequest: func(w http.ResponseWriter, r *http.Request, msg string) {
			v := versionOf(r)
			fail(w, v, http.StatusBadRequest, invalidParameters, msg)
		},
		Refused: func(w http.ResponseWriter, r *http.Request, status int, msg string) {
			v := versionOf(r)
			fail(w, v, status, refusedReason(status), msg)
		},
		Routes: []provider.Route{
			provider.R("POST", "/api/notifications/messages/search", "Mambu v1: search notification messages (filter constraints on STATE, EVENT, CREATION_DATE, ENCODED_KEY; offset, limit, paginationDetails=ON)", a.auth(v1, a.search(v1))),
			provider.R("POST", "/api/notifications/messages", "Mambu v1: {action: RESEND, identifiers: [encodedKey…]} resends failed messages", a.auth(v1, a.resendV1)),
			provider.R("POST", "/api/communications/messages:search", "Mambu v2: search communication messages (filterCriteria; sortingCriteria on creationDate, ASC or DESC (the default); offset, limit, paginationDetails=ON)", a.auth(v2, a.search(v2))),
			provider.R("GET", "/api/communications/messages/{encodedKey}", "Mambu v2: get one message", a.auth(v2, a.get)),
			provider.R("POST", "/api/communications/messages:resend", "Mambu v2: resend failed messages {messages: [encodedKey…]} (202; an Idempotency-Key sent again replays the first answer)", a.auth(v2, a.idem(a.resendKeys(http.StatusAccepted)))),
			provider.R("POST", "/api/communications/messages:resendAsyncByKeys", "Mambu v2: resend failed messages by key {messages: [...]} (Idempotency-Key as :resend)", a.auth(v2, a.idem(a.resendKeys(http.StatusOK)))),
			provider.R("POST", "/api/communications/messages:resendAsyncByDate", "Mambu v2: resend failed messages created between {startDate, endDate} (Idempotency-Key as :resend)", a.auth(v2, a.idem(a.resendByDate))),
		},
	}
	methods = provider.NewMethods(out.Routes)
	return out
}

// auth takes HTTP basic auth or an apiKey header: any non-empty
// credentials, or with --api-key the key as the apiKey header or the
// basic-auth password. A request refused says what is wrong with what it
// sent.
func (a *api) auth(v version, h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		env := v
		if v == v2 {
			env = versionOf(r) // without v2's Accept, API v1 answers
		}
		key, problem := a.credential(r)
		if problem != "" {
			fail(w, env, http.StatusUnauthorized, invalidCredentials, problem)
			return
		}
		if !a.s.KeyOK(key) {
			fail(w, env, http.StatusUnauthorized, invalidCredentials, "the credentials are not valid")
			return
		}
		if v == v2 && !acceptsV2(r) {
			notV2(w, r)
			return
		}
		h(w, r)
	}
}

// versionOf is the API a request is answered by: v1 under
// /api/notifications/, else v2 when its Accept asks for it (acceptsV2),
// else v1.
func versionOf(r *http.Request) version {
	if strings.HasPrefix(r.URL.Path, "/api/notifications") || !acceptsV2(r) {
		return v1
	}
	return v2
}

// notV2 answers a request to an API v2 path without v2's Accept header.
// Mambu serves both APIs under /api and picks the version by that header
// ("Versioning is supported in API requests via the Accept header"; every
// v2 request sends application/vnd.mambu.v2+json): without it the
// request is API v1's, which has no such URI, so the answer is v1's
// INVALID_API_OPERATION (3, "the API URI is incorrect"), in v1's
// envelope.
func notV2(w http.ResponseWriter, r *http.Request) {
	got := r.Header.Get("Accept")
	if got == "" {
		got = "none"
	}
	fail(w, v1, http.StatusNotFound, invalidAPIOperation, r.Method+" "+r.URL.Path+" is an API v2 operation: send the header Accept: "+
		acceptV2+" (Accept was "+got+", which asks for API v1)")
}

// acceptV2 is the media type a Mambu API v2 request accepts.
const acceptV2 = "application/vnd.mambu.v2+json"

// acceptsV2 says whether r's Accept names API v2 (among others, with
// parameters or not, in any case).
func acceptsV2(r *http.Request) bool {
	for _, h := range r.Header.Values("Accept") {
		for mt := range strings.SplitSeq(h, ",") {
			mt, _, _ = strings.Cut(mt, ";")
			if strings.EqualFold(strings.TrimSpace(mt), acceptV2) {
				return true
			}
		}
	}
	return false
}

// idem replays a v2 resend sent again with the same Idempotency-Key, as
// Mambu's API v2 takes one on its POSTs: a client that retries a resend
// whose answer it lost gets the first answer, not a second resend (which
// is refused: the message is no longer FAILED). The key with another
// request is a 400 INVALID_PARAMETERS.
func (a *api) idem(h http.HandlerFunc) http.HandlerFunc {
	return a.s.Idempotency.Wrap("mambu", "Idempotency-Key", func(r *http.Request) string {
		key, _ := a.credential(r)
		return key
	}, func(w http.ResponseWriter, r *http.Request) {
		fail(w, v2, http.StatusBadRequest, invalidParameters, "Idempotency-Key "+strconv.Quote(r.Header.Get("Idempotency-Key"))+
			" was sent with another request: use a new key for a new request")
	}, h)
}

// credential is the key a request authenticates with: its apiKey
// header, else its basic-auth password (without --api-key, the user name
// when the password is empty). problem is, when there is none, what is
// wrong with what the request sent.
func (a *api) credential(r *http.Request) (key, problem string) {
	if k := r.Header.Get("apiKey"); k != "" {
		return k, ""
	}
	u, p, ok := r.BasicAuth()
	switch {
	case !ok && r.Header.Get("Authorization") != "":
		scheme, _, _ := strings.Cut(strings.TrimSpace(r.Header.Get("Authorization")), " ")
		if strings.EqualFold(scheme, "Basic") {
			return "", "the Authorization header is not valid HTTP basic auth (base64 of user:password)"
		}
		return "", "the Authorization header is " + scheme + ", not HTTP basic auth: send basic auth (user:password) or an apiKey header"
	case !ok:
		return "", "send HTTP basic auth or an apiKey header"
	case u == "":
		return "", "HTTP basic auth without a user name: send user:password"
	case p == "" && a.s.APIKey != "":
		return "", "HTTP basic auth with an empty password: with serve --api-key the password is the API key (or send it as the apiKey header)"
	case p == "":
		return u, ""
	}
	return p, ""
}

// Message is a Mambu communication message.
type Message struct {
	EncodedKey    string `json:"encodedKey"`
	Type          string `json:"type"`
	State         string `json:"state"`
	Event         string `json:"event"`
	ReferenceID   string `json:"referenceId"`
	Destination   string `json:"destination"`
	Body          string `json:"body"`
	CreationDate  string `json:"creationDate"`
	SendDate      string `json:"sendDate,omitempty"`
	NumRetries    int    `json:"numRetries"`
	FailureReason string `json:"failureReason,omitempty"`
	FailureCause  string `json:"failureCause,omitempty"`
}

const mambuTime = "2006-01-02T15:04:05Z07:00"

// state is a message's Mambu state: SENT, FAILED, else QUEUED until the
// first attempt of its sending (its first send, or a resend's) and
// WAITING for a retry after one that failed. Mambu's resends enqueue
// (its API names them enqueue-by-keys and enqueue-by-date) and start a
// fresh retry cycle: a resent message is queued, not waiting for a
// retry; it showed WAITING, the state of its old attempts.
func state(d *store.Delivery) string {
	switch d.Status {
	case store.DeliverySucceeded:
		return StateSent
	case store.DeliveryFailed:
		return StateFailed
	}
	if d.AttemptCount > cycleStart(d) {
		return StateWaiting
	}
	return StateQueued
}

// cycleStart is how many attempts a delivery had when its current
// sending began: 0 for a first send; for a resend (requeued with its
// schedule's attempts added: MaxAttempts = attempts then + the
// schedule's) the attempts before it.
func cycleStart(d *store.Delivery) int {
	sch, err := delivery.ParseSchedule(d.Schedule)
	if err != nil || len(sch) == 0 {
		return 0
	}
	return max(0, d.MaxAttempts-len(sch))
}

// message reads the delivery key names when it is a Mambu message: a
// delivery of a Mambu event (Bond's, Stripe's or Svix's deliveries are
// not in Mambu's communication history, as another API's subscription is
// not one of Bond's); anything else is a *store.NotFoundError.
func (a *api) message(ctx context.Context, key string) (*store.Delivery, *store.Event, error) {
	d, err := a.s.Store.GetDelivery(ctx, key)
	if err == nil && d.ID != key {
		err = store.ErrNotFound
	}
	if err != nil {
		return nil, nil, err
	}
	ev, err := a.s.Store.GetEvent(ctx, d.EventID)
	if err == nil && (ev.Provider != mambuProvider || d.Kind != "") {
		err = store.ErrNotFound
	}
	if err != nil {
		return nil, nil, err
	}
	return d, ev, nil
}

// mambuProvider is the catalog provider of Mambu's notifications.
const mambuProvider = "mambu"

func render(d *store.Delivery, ev *store.Event) Message {
	m := Message{EncodedKey: d.ID, Type: "WEB_HOOK", State: state(d), ReferenceID: d.EventID, Destination: d.URL,
		CreationDate: d.CreatedAt.UTC().Format(mambuTime), NumRetries: max(0, d.AttemptCount-1)}
	if ev != nil {
		m.Event, m.Body = EventName(ev), string(ev.Payload)
	}
	if d.AttemptCount > 0 {
		m.SendDate = d.UpdatedAt.UTC().Format(mambuTime)
	}
	if d.Status == store.DeliveryFailed {
		m.FailureReason = failureReason(d)
		m.FailureCause = d.LastError
	}
	return m
}

// failureReason is a FAILED message's reason as Mambu's failureReason
// enum names it (a client generated from Mambu's OpenAPI document reads it
// into that enum): INVALID_HTTP_RESPONSE when the receiver answered with
// a status that is not a success, HTTP_ERROR_WHILE_SENDING when no answer
// came (a refused connection, a timeout, a request not sent).
// failureCause says which.
func failureReason(d *store.Delivery) string {
	if d.LastStatus > 0 {
		return "INVALID_HTTP_RESPONSE"
	}
	return "HTTP_ERROR_WHILE_SENDING"
}

// constraint is one filter of either version: v1 {filterSelection,
// filterElement, value, secondValue}, v2 {field, operator, value,
// secondValue, values}.
type constraint struct {
	FilterSelection string   `json:"filterSelection"`
	FilterElement   string   `json:"filterElement"`
	Field           string   `json:"field"`
	Operator        string   `json:"operator"`
	Value           any      `json:"value"`
	SecondValue     any      `json:"secondValue"`
	Values          []string `json:"values"`
}

func (c constraint) field() string {
	f := c.Field
	if f == "" {
		f = c.FilterSelection
	}
	return strings.ToUpper(strings.ReplaceAll(strings.ReplaceAll(f, "_", ""), " ", ""))
}

func (c constraint) op() string {
	o := c.Operator
	if o == "" {
		o = c.FilterElement
	}
	return strings.ToUpper(o)
}

func str(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case []any:
		var parts []string
		for _, p := range x {
			parts = append(parts, str(p))
		}
		return strings.Join(parts, ",")
	}
	return fmt.Sprint(v)
}

func (c constraint) values() []string {
	if len(c.Values) > 0 {
		return c.Values
	}
	var out []string
	for _, p := range strings.Split(str(c.Value), ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// parseEnd reads an upper bound: a date alone covers its whole day (a
// search BETWEEN 2026-01-31 and 2026-01-31, a resend by date ending on
// 2026-01-31 take that day's messages), a date and time is that instant.
func parseEnd(s string) (time.Time, error) {
	t, err := parseDate(s)
	if err == nil {
		if _, dateOnly := time.Parse("2006-01-02", s); dateOnly == nil {
			t = t.Add(24*time.Hour - time.Nanosecond)
		}
	}
	return t, err
}

func parseDate(s string) (time.Time, error) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("invalid date %q: use ISO-8601, e.g. 2026-01-31T10:00:00Z", s)
}

// names are a message's event as hookctl names it (typ, the catalog
// type), as Mambu does (mambu, EventName) and as its body does (body,
// bodyEvent; "" when it names none).
type names struct{ typ, mambu, body string }

// check validates a constraint and returns its predicate.
func (c constraint) check() (func(d *store.Delivery, ev names) bool, error) {
	op := c.op()
	vals := c.values()
	inVals := func(s string) bool {
		switch op {
		case "EQUALS":
			return strings.EqualFold(vals[0], s)
		case "EQUALS_CASE_SENSITIVE":
			return vals[0] == s
		case "IN":
			return slices.ContainsFunc(vals, func(v string) bool { return strings.EqualFold(v, s) })
		}
		return false
	}
	// listed checks a field that takes EQUALS, EQUALS_CASE_SENSITIVE and
	// IN: Mambu answers 400 for another operator and for a filter without
	// the value(s) to compare, rather than a search that matches nothing.
	listed := func(name, example string) error {
		if op != "EQUALS" && op != "IN" && op != "EQUALS_CASE_SENSITIVE" {
			return fmt.Errorf("%s supports EQUALS, EQUALS_CASE_SENSITIVE and IN, not %q", name, op)
		}
		if len(vals) == 0 {
			if op == "IN" {
				return fmt.Errorf("%s IN needs values, a list (e.g. %s)", name, example)
			}
			return fmt.Errorf("%s %s needs a value (e.g. %s)", name, op, example)
		}
		return nil
	}
	switch c.field() {
	case "STATE":
		if err := listed("STATE", "FAILED"); err != nil {
			return nil, err
		}
		for _, v := range vals {
			switch strings.ToUpper(v) {
			case StateQueued, StateWaiting, StateSent, StateFailed, "SENDING", "SENDING_ASYNC":
			default:
				return nil, fmt.Errorf("unknown state %q: use QUEUED, WAITING, SENDING, SENT or FAILED", v)
			}
		}
		return func(d *store.Delivery, _ names) bool { return inVals(state(d)) }, nil
	case "EVENT":
		if err := listed("EVENT", "CLIENT_CREATED or client.created"); err != nil {
			return nil, err
		}
		// An event is named as Mambu names it (CLIENT_CREATED, as the
		// notifications' bodies and the message's event say) or as
		// hookctl does (client.created, its catalog type).
		return func(_ *store.Delivery, n names) bool {
			return inVals(n.mambu) || inVals(n.typ) || inVals(mambuEventName(n.typ)) || (n.body != "" && inVals(n.body))
		}, nil
	case "ENCODEDKEY":
		if err := listed("ENCODED_KEY", "a message's encodedKey"); err != nil {
			return nil, err
		}
		return func(d *store.Delivery, _ names) bool { return inVals(d.ID) }, nil
	case "REFERENCEID":
		if err := listed("REFERENCE_ID", "a message's referenceId"); err != nil {
			return nil, err
		}
		return func(d *store.Delivery, _ names) bool { return inVals(d.EventID) }, nil
	case "TYPE":
		if err := listed("TYPE", "WEB_HOOK"); err != nil {
			return nil, err
		}
		if err := checkTypes(vals); err != nil {
			return nil, err
		}
		return func(*store.Delivery, names) bool { return inVals("WEB_HOOK") }, nil
	case "CREATIONDATE":
		if !slices.Contains([]string{"AFTER", "BEFORE", "BETWEEN", "ON"}, op) {
			return nil, fmt.Errorf("CREATION_DATE supports AFTER, BEFORE, BETWEEN and ON, not %q", op)
		}
		if str(c.Value) == "" {
			return nil, fmt.Errorf("CREATION_DATE %s needs a value (a date, e.g. 2026-01-31 or 2026-01-31T10:00:00Z)", op)
		}
		first, err := parseDate(str(c.Value))
		if err != nil {
			return nil, err
		}
		var second time.Time
		if op == "BETWEEN" {
			if str(c.SecondValue) == "" {
				return nil, errors.New("CREATION_DATE BETWEEN needs a secondValue, the end date (value is the start)")
			}
			if second, err = parseEnd(str(c.SecondValue)); err != nil {
				return nil, fmt.Errorf("secondValue: %w", err)
			}
			// Swapped ends would match nothing, passing for "no
			// messages then" (resendAsyncByDate refuses them too).
			if second.Before(first) {
				return nil, fmt.Errorf("CREATION_DATE BETWEEN: secondValue %q is before value %q (value is the start, secondValue the end)", str(c.SecondValue), str(c.Value))
			}
		}
		switch op {
		case "AFTER":
			return func(d *store.Delivery, _ names) bool { return d.CreatedAt.After(first) }, nil
		case "BEFORE":
			return func(d *store.Delivery, _ names) bool { return d.CreatedAt.Before(first) }, nil
		case "BETWEEN":
			return func(d *store.Delivery, _ names) bool {
				return !d.CreatedAt.Before(first) && !d.CreatedAt.After(second)
			}, nil
		case "ON":
			return func(d *store.Delivery, _ names) bool {
				y1, m1, d1 := d.CreatedAt.UTC().Date()
				y2, m2, d2 := first.UTC().Date()
				return y1 == y2 && m1 == m2 && d1 == d2
			}, nil
		}
		return nil, fmt.Errorf("CREATION_DATE supports AFTER, BEFORE, BETWEEN and ON, not %q", op)
	}
	return nil, fmt.Errorf("unsupported filter field %q: use STATE, EVENT, CREATION_DATE, ENCODED_KEY, REFERENCE_ID or TYPE", c.Field+c.FilterSelection)
}

// decodeConstraints accepts a bare array or an object holding
// filterConstraints (v1) or filterCriteria (v2).
// Its sortingCriteria ({"field": "creationDate", "order": "ASC"|"DESC"},
// v2) sets the order: oldest first for ASC (newest first otherwise).
func decodeConstraints(b []byte) (cs []constraint, oldestFirst bool, err error) {
	t := strings.TrimSpace(string(b))
	if t == "" {
		return nil, false, nil
	}
	if err := provider.CheckUTF8(b); err != nil {
		return nil, false, err
	}
	if strings.HasPrefix(t, "[") {
		if err := provider.UnmarshalExact(b, &cs); err != nil {
			return nil, false, provider.JSONError(err)
		}
		return cs, false, nil
	}
	var obj struct {
		FilterConstraints []constraint `json:"filterConstraints"`
		FilterCriteria    []constraint `json:"filterCriteria"`
		SortingCriteria   *struct {
			Field string `json:"field"`
			Order string `json:"order"`
		} `json:"sortingCriteria"`
	}
	if err := provider.UnmarshalExact(b, &obj); err != nil {
		return nil, false, provider.JSONError(err)
	}
	if sc := obj.SortingCriteria; sc != nil {
		if !strings.EqualFold(sc.Field, "creationDate") {
			return nil, false, fmt.Errorf("unsupported sortingCriteria field %q: use creationDate", sc.Field)
		}
		switch strings.ToUpper(sc.Order) {
		case "ASC":
			oldestFirst = true
		case "", "DESC":
		default:
			return nil, false, fmt.Errorf("sortingCriteria order %q: use ASC or DESC", sc.Order)
		}
	}
	return append(obj.FilterConstraints, obj.FilterCriteria...), oldestFirst, nil
}

// notFound answers an encodedKey that names no message. Mambu has no
// code of its own for a communication message not found: its answer is
// the generic 4 INVALID_PARAMETERS (the key is the parameter that is
// wrong) with 404, and errorSource names the key.
func notFound(w http.ResponseWriter, v version, key string) {
	fail(w, v, http.StatusNotFound, invalidParameters, "encodedKey "+strconv.Quote(key)+": no such message")
}

// storeFail answers a store error: Mambu's 6 INTERNAL_ERROR, with 503
// and Retry-After while the store cannot be reached.
func (a *api) storeFail(w http.ResponseWriter, v version, err error) {
	status, msg := provider.ServerError(w, err, "hookctl's store failed")
	fail(w, v, status, internalError, msg)
}

func (a *api) search(v version) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		b, err := provider.ReadBody(r)
		if errors.Is(err, provider.ErrTooLarge) {
			fail(w, v, http.StatusRequestEntityTooLarge, invalidParameters, "the request body is over 1 MiB")
			return
		}
		cs, oldestFirst, err := decodeConstraints(b)
		if err != nil {
			fail(w, v, http.StatusBadRequest, invalidParameters, err.Error())
			return
		}
		var preds []func(*store.Delivery, names) bool
		byName := false // an EVENT filter: each event's Mambu name is read from its body
		for _, c := range cs {
			p, err := c.check()
			if err != nil {
				fail(w, v, http.StatusBadRequest, invalidParameters, err.Error())
				return
			}
			preds = append(preds, p)
			byName = byName || c.field() == "EVENT"
		}
		q := r.URL.Query()
		offset, limit := 0, 50
		if s := q.Get("offset"); s != "" {
			if offset, err = strconv.Atoi(s); err != nil {
				fail(w, v, http.StatusBadRequest, invalidOffsetValue, "offset "+strconv.Quote(s)+" is not an integer")
				return
			}
			if offset < 0 {
				fail(w, v, http.StatusBadRequest, offsetOutOfBounds, "offset must be 0 or more")
				return
			}
		}
		if s := q.Get("limit"); s != "" {
			if limit, err = strconv.Atoi(s); err != nil {
				fail(w, v, http.StatusBadRequest, invalidLimitValue, "limit "+strconv.Quote(s)+" is not an integer")
				return
			}
			if limit < 1 || limit > 1000 {
				fail(w, v, http.StatusBadRequest, limitOutOfBounds, "limit must be between 1 and 1000")
				return
			}
		}
		// paginationDetails=ON: Items-Offset, Items-Limit and Items-Total
		// response headers, as Mambu pages its searches.
		details := strings.EqualFold(q.Get("paginationDetails"), "ON")
		// The store reads Mambu's deliveries only (the deliveries of
		// mambu events), a page at a time; each event's type is read once
		// (the payloads are not kept: only the messages of the page are
		// read whole, to render them).
		types := map[string]names{}
		out := []Message{}
		skipped, total := 0, 0
		const page = 200
		f := store.DeliveryFilter{Provider: mambuProvider, Newest: !oldestFirst, Limit: page}
	walk:
		for {
			ds, err := a.s.Store.ListDeliveries(r.Context(), f)
			if err != nil {
				a.storeFail(w, v, err)
				return
			}
			for _, d := range ds {
				if d.Kind != "" {
					continue // listen forwards, probes, edited resends
				}
				var ev *store.Event
				typ, ok := types[d.EventID]
				if !ok {
					if ev, err = a.s.Store.GetEvent(r.Context(), d.EventID); err != nil && !provider.IsNotFound(err) {
						a.storeFail(w, v, err)
						return
					}
					if ev != nil {
						typ.typ = ev.Type
						if byName {
							typ.mambu, typ.body = EventName(ev), bodyEvent(ev.Payload)
						}
					}
					types[d.EventID] = typ
				}
				keep := true
				for _, p := range preds {
					if !p(d, typ) {
						keep = false
						break
					}
				}
				if !keep {
					continue
				}
				total++
				if skipped < offset {
					skipped++
					continue
				}
				if len(out) == limit {
					if !details {
						break walk
					}
					continue // counting the rest for Items-Total
				}
				if ev == nil {
					if ev, err = a.s.Store.GetEvent(r.Context(), d.EventID); err != nil {
						a.storeFail(w, v, err)
						return
					}
				}
				out = append(out, render(d, ev))
			}
			if len(ds) < page {
				break
			}
			if oldestFirst {
				f.AfterSeq = ds[len(ds)-1].Seq
			} else {
				f.BeforeSeq = ds[len(ds)-1].Seq
			}
		}
		if details {
			w.Header().Set("Items-Offset", strconv.Itoa(offset))
			w.Header().Set("Items-Limit", strconv.Itoa(limit))
			w.Header().Set("Items-Total", strconv.Itoa(total))
		}
		provider.WriteJSON(w, http.StatusOK, out)
	}
}

func (a *api) get(w http.ResponseWriter, r *http.Request) {
	key := r.PathValue("encodedKey")
	d, ev, err := a.message(r.Context(), key)
	if provider.IsNotFound(err) {
		notFound(w, v2, key)
		return
	}
	if err != nil {
		a.storeFail(w, v2, err)
		return
	}
	provider.WriteJSON(w, http.StatusOK, render(d, ev))
}

// resendBody accepts both shapes: v1 {action, identifiers} and v2
// {messages}.
type resendBody struct {
	Action      string   `json:"action"`
	Identifiers []string `json:"identifiers"`
	Messages    []string `json:"messages"`
	EncodedKeys []string `json:"encodedKeys"`
}

func (b resendBody) keys() []string {
	return append(append(append([]string{}, b.Identifiers...), b.Messages...), b.EncodedKeys...)
}

func (a *api) decodeResend(w http.ResponseWriter, r *http.Request, v version) (resendBody, bool) {
	var in resendBody
	if err := provider.DecodeJSON(r, &in, false); err != nil {
		if errors.Is(err, provider.ErrTooLarge) {
			fail(w, v, http.StatusRequestEntityTooLarge, invalidParameters, "the request body is over 1 MiB")
		} else {
			fail(w, v, http.StatusBadRequest, invalidParameters, err.Error())
		}
		return in, false
	}
	return in, true
}

// resend requeues the given failed deliveries for a fresh retry cycle.
// Unknown keys are 404, messages not FAILED 400 (Mambu resends only
// failed ones); nothing is resent unless every key is good.
func (a *api) resend(w http.ResponseWriter, r *http.Request, v version, keys []string) ([]string, bool) {
	if len(keys) == 0 {
		fail(w, v, http.StatusBadRequest, invalidParameters, "give the encodedKeys of the messages to resend")
		return nil, false
	}
	var ids []string
	for _, k := range keys {
		d, _, err := a.message(r.Context(), k)
		if provider.IsNotFound(err) {
			notFound(w, v, k)
			return nil, false
		}
		if err != nil {
			a.storeFail(w, v, err)
			return nil, false
		}
		if d.Status != store.DeliveryFailed {
			fail(w, v, http.StatusBadRequest, invalidParameters, "message "+k+" is "+state(d)+": only FAILED messages are resent")
			return nil, false
		}
		ids = append(ids, d.ID)
	}
	return a.requeue(w, r, v, ids)
}

func (a *api) requeue(w http.ResponseWriter, r *http.Request, v version, ids []string) ([]string, bool) {
	if len(ids) == 0 {
		return []string{}, true
	}
	sch := a.s.Dispatch.Schedule
	if len(sch) == 0 {
		sch = delivery.DefaultSchedule
	}
	got, err := a.s.Dispatch.Replay(r.Context(), ids, store.Requeue{ExtraAttempts: len(sch), Schedule: sch.String()})
	if err != nil {
		a.storeFail(w, v, err)
		return nil, false
	}
	return got, true
}

func (a *api) resendV1(w http.ResponseWriter, r *http.Request) {
	in, ok := a.decodeResend(w, r, v1)
	if !ok {
		return
	}
	if in.Action != "" && !strings.EqualFold(in.Action, "RESEND") {
		fail(w, v1, http.StatusBadRequest, invalidParameters, "unsupported action "+strconv.Quote(in.Action)+": use RESEND")
		return
	}
	got, ok := a.resend(w, r, v1, in.keys())
	if !ok {
		return
	}
	provider.WriteJSON(w, http.StatusOK, map[string]any{"returnCode": 0, "returnStatus": "SUCCESS", "resent": got})
}

func (a *api) resendKeys(status int) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		in, ok := a.decodeResend(w, r, v2)
		if !ok {
			return
		}
		if _, ok := a.resend(w, r, v2, in.keys()); ok {
			w.WriteHeader(status)
		}
	}
}

func (a *api) resendByDate(w http.ResponseWriter, r *http.Request) {
	var in struct {
		StartDate     string   `json:"startDate"`
		EndDate       string   `json:"endDate"`
		TemplateTypes []string `json:"templateTypes"`
	}
	if err := provider.DecodeJSON(r, &in, false); err != nil {
		if errors.Is(err, provider.ErrTooLarge) {
			fail(w, v2, http.StatusRequestEntityTooLarge, invalidParameters, "the request body is over 1 MiB")
		} else {
			fail(w, v2, http.StatusBadRequest, invalidParameters, err.Error())
		}
		return
	}
	for _, d := range []struct{ name, value string }{{"startDate", in.StartDate}, {"endDate", in.EndDate}} {
		if d.value == "" {
			fail(w, v2, http.StatusBadRequest, invalidParameters, d.name+" is required (a date, e.g. 2026-01-31 or 2026-01-31T10:00:00Z)")
			return
		}
	}
	start, err := parseDate(in.StartDate)
	if err != nil {
		fail(w, v2, http.StatusBadRequest, invalidParameters, "startDate: "+err.Error())
		return
	}
	end, err := parseEnd(in.EndDate)
	if err != nil {
		fail(w, v2, http.StatusBadRequest, invalidParameters, "endDate: "+err.Error())
		return
	}
	if end.Before(start) {
		fail(w, v2, http.StatusBadRequest, invalidParameters, "endDate is before startDate")
		return
	}
	if err := checkTypes(in.TemplateTypes); err != nil {
		fail(w, v2, http.StatusBadRequest, invalidParameters, "templateTypes: "+err.Error())
		return
	}
	// Only webhooks exist here: a templateTypes list without WEB_HOOK
	// selects nothing.
	if len(in.TemplateTypes) > 0 && !slices.ContainsFunc(in.TemplateTypes, func(t string) bool { return strings.EqualFold(t, "WEB_HOOK") }) {
		w.WriteHeader(http.StatusOK)
		return
	}
	ds, err := a.s.Store.ListDeliveries(r.Context(), store.DeliveryFilter{Status: store.DeliveryFailed, Since: start, Provider: mambuProvider})
	if err != nil {
		a.storeFail(w, v2, err)
		return
	}
	var ids []string
	for _, d := range ds {
		if d.Kind != "" || d.CreatedAt.After(end) {
			continue
		}
		if _, _, err := a.message(r.Context(), d.ID); provider.IsNotFound(err) {
			continue // another provider's delivery
		} else if err != nil {
			a.storeFail(w, v2, err)
			return
		}
		ids = append(ids, d.ID)
	}
	if _, ok := a.requeue(w, r, v2, ids); ok {
		w.WriteHeader(http.StatusOK)
	}
}

// messageTypes are Mambu's notification message types (a message's type,
// resendAsyncByDate's templateTypes); hookctl serve sends WEB_HOOK only.
var messageTypes = []string{"EMAIL", "SMS", "WEB_HOOK", "EVENT_STREAM", "TASK"}

// checkTypes refuses a value that is no Mambu message type, as Mambu
// refuses a value outside the enum (one it does not know would otherwise
// select nothing, silently: a typo passes for "nothing to do").
func checkTypes(vals []string) error {
	for _, v := range vals {
		if !slices.Contains(messageTypes, strings.ToUpper(strings.TrimSpace(v))) {
			return fmt.Errorf("unknown type %q: use EMAIL, SMS, WEB_HOOK, EVENT_STREAM or TASK (hookctl serve sends WEB_HOOK only)", v)
		}
	}
	return nil
}

// mambuEventName is a catalog event type as Mambu names its events:
// client.created is CLIENT_CREATED.
func mambuEventName(t string) string {
	return strings.ToUpper(strings.NewReplacer(".", "_", "-", "_").Replace(t))
}

// mambuEvents are Mambu's names of the catalog's built-in Mambu event
// types: values of the event enum of Mambu's API (v2 Communicationmessage
// event: CLIENT_CREATED, LOAN_DISBURSEMENT, SAVINGS_CREATED, …), which a
// client generated from Mambu's OpenAPI document reads a message's event
// into. The templates' bodies name them otherwise (LOAN_DISBURSED,
// DEPOSIT_ACCOUNT_CREATED; a body is whatever its template writes).
var mambuEvents = map[string]string{
	"client.created":     "CLIENT_CREATED",
	"loan.disbursed":     "LOAN_DISBURSEMENT",
	"loan.repayment":     "LOAN_REPAYMENT",
	"deposit.created":    "SAVINGS_CREATED",
	"deposit.withdrawal": "SAVINGS_WITHDRAWAL",
}

// EventName is the event of a Mambu notification as Mambu names it, the
// name a message's event shows (as Mambu's API does: LOAN_DISBURSEMENT,
// not hookctl's loan.disbursed): Mambu's name of a built-in type
// (mambuEvents); for another (a --fixtures event) the one its body
// carries (a JSON body's "event", an XML body's <event>), else the catalog
// type in Mambu's form (payment.made is PAYMENT_MADE).
func EventName(ev *store.Event) string {
	if n, ok := mambuEvents[ev.Type]; ok {
		return n
	}
	if n := bodyEvent(ev.Payload); n != "" {
		return n
	}
	return mambuEventName(ev.Type)
}

// bodyEvent is the event a notification body names at its top level: a
// JSON object's "event" string, or the <event> element right under an
// XML document's root; "" when it names none.
func bodyEvent(b []byte) string {
	t := bytes.TrimSpace(b)
	if len(t) == 0 {
		return ""
	}
	if t[0] == '{' {
		var v struct {
			Event any `json:"event"`
		}
		if json.Unmarshal(t, &v) == nil {
			if s, ok := v.Event.(string); ok {
				return strings.TrimSpace(s)
			}
		}
		return ""
	}
	if t[0] != '<' {
		return ""
	}
	dec := xml.NewDecoder(bytes.NewReader(t))
	depth := 0
	for {
		tok, err := dec.Token()
		if err != nil {
			return ""
		}
		switch e := tok.(type) {
		case xml.StartElement:
			depth++
			if depth == 2 && e.Name.Local == "event" {
				var s string
				if dec.DecodeElement(&s, &e) != nil {
					return ""
				}
				return strings.TrimSpace(s)
			}
		case xml.EndElement:
			depth--
			if depth == 0 {
				return ""
			}
		}
	}
}
