// Package provider holds what the emulated provider APIs of `hookctl
// serve` share: the services their handlers call, the route table the
// server mounts (and documents in openapi.json), and small helpers for
// bodies and JSON. Each provider's wire format lives in its own package
// (bond, stripe, svix, mambu).
package provider

import (
	"bytes"
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/hookctl/hookctl/internal/catalog"
	"github.com/hookctl/hookctl/internal/httplimit"
	"github.com/hookctl/hookctl/internal/jsonmsg"
	"github.com/hookctl/hookctl/internal/service"
	"github.com/hookctl/hookctl/internal/store"
	"github.com/hookctl/hookctl/internal/subscription"
	"github.com/hookctl/hookctl/internal/textdist"
)

// Services are what handlers work through: no globals, no SQL, no signing.
type Services struct {
	Store    store.Store
	Catalog  *catalog.Catalog
	Subs     *subscription.Service // event names checked against the catalog
	Loose    *subscription.Service // event names checked for syntax only (Svix: any event type)
	Dispatch *service.Dispatcher
	// APIKey, when set, is the only credential accepted; else any
	// non-empty one is.
	APIKey string
	Now    func() time.Time
	// Idempotency replays POSTs sent again with the same idempotency key
	// (nil: no replay).
	Idempotency *Idempotency
}

// NowUTC is the services' clock.
func (s *Services) NowUTC() time.Time {
	if s.Now != nil {
		return s.Now().UTC()
	}
	return time.Now().UTC()
}

// KeyOK reports whether a presented credential is acceptable: non-empty,
// and equal to APIKey when one is set.
func (s *Services) KeyOK(presented string) bool {
	if presented == "" {
		return false
	}
	if s.APIKey == "" {
		return true
	}
	return subtle.ConstantTimeCompare([]byte(presented), []byte(s.APIKey)) == 1
}

// Route is one operation of an API.
type Route struct {
	Method  string // GET, POST, …
	Path    string // Go 1.22 ServeMux path, no trailing slash: /api/v0/webhooks/{id}
	Summary string
	Handler http.HandlerFunc
}

// API is one emulated provider (or the control API).
type API struct {
	Name string // bond, stripe, svix, mambu, hookctl
	// Prefixes are the path prefixes the API owns; unknown paths under them
	// are answered by NotFound in the API's error shape.
	Prefixes []string
	Routes   []Route
	NotFound http.HandlerFunc
	// BadRequest answers a request refused before routing (its URL holds
	// a NUL or bytes that are not UTF-8), in the API's error shape.
	BadRequest func(w http.ResponseWriter, r *http.Request, msg string)
	// Refused answers a request refused before routing for where it
	// comes from (a Host name that is not this machine's, a browser's
	// cross-site request), with status, in the API's error shape.
	Refused func(w http.ResponseWriter, r *http.Request, status int, msg string)
	// Reset, when set, forgets what the API keeps outside the store
	// (POST /_hookctl/reset).
	Reset func()
	// Subscription, when set, finds the subscription behind one of the
	// API's own ids for it (Stripe's we_…, Svix's ep_… or endpoint uid),
	// for the control API: nil, nil when id is none of them.
	Subscription func(ctx context.Context, id string) (*store.Subscription, error)
}

// RefusedCode is the error code an API's Refused writes for status: a
// request refused before routing for where it comes from (403, 421), its
// framing, target or unreadable body (400, httplimit), a body that did not
// arrive in time (408), because the server's body budget is spent
// (503, retried after Retry-After), or its Content-Encoding (415).
func RefusedCode(status int) string {
	switch status {
	case http.StatusBadRequest:
		return "bad_request"
	case http.StatusRequestTimeout:
		return "request_timeout"
	case http.StatusServiceUnavailable:
		return "service_unavailable"
	case http.StatusUnsupportedMediaType:
		return "unsupported_media_type"
	}
	return "forbidden"
}

// BearerToken returns the token of an "Authorization: Bearer X" header
// (or the whole header when it has no scheme); "" for "Bearer " with no
// token (a client whose key variable is empty sends that: it was taken
// for the key "Bearer").
func BearerToken(r *http.Request) string {
	h := strings.TrimSpace(r.Header.Get("Authorization"))
	if len(h) > 7 && strings.EqualFold(h[:7], "bearer ") {
		return strings.TrimSpace(h[7:])
	}
	if strings.EqualFold(h, "bearer") {
		return ""
	}
	return h
}

// ErrTooLarge is returned by ReadBody for a body over the server's limit.
var ErrTooLarge = errors.New("request body too large")

// ReadBody reads the request body; a body over the server's limit
// (httplimit's Buffer, or http.MaxBytesReader) gives ErrTooLarge. A body
// the server already read under its budget is returned as it is.
func ReadBody(r *http.Request) ([]byte, error) {
	if r.Body == nil {
		return nil, nil
	}
	if b, ok := httplimit.Buffered(r); ok {
		return b, nil
	}
	b, err := io.ReadAll(r.Body)
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) || errors.Is(err, ErrTooLarge) {
		return nil, ErrTooLarge
	}
	return b, err
}

// DecodeJSON reads the body into v. An empty body decodes as {} when
// allowEmpty. Errors are phrased for API users (no Go type names). Keys
// match v's fields case-sensitively (UnmarshalExact), as the providers'
// APIs read them.
func DecodeJSON(r *http.Request, v any, allowEmpty bool) error {
	return decodeJSON(r, v, allowEmpty, UnmarshalExact)
}

// DecodeJSONUnique is DecodeJSON refusing a field given twice in one
// object (UnmarshalExactUnique: a *DuplicateFieldError), as Svix does.
func DecodeJSONUnique(r *http.Request, v any, allowEmpty bool) error {
	return decodeJSON(r, v, allowEmpty, UnmarshalExactUnique)
}

func decodeJSON(r *http.Request, v any, allowEmpty bool, unmarshal func([]byte, any) error) error {
	b, err := ReadBody(r)
	if err != nil {
		return err
	}
	if len(strings.TrimSpace(string(b))) == 0 {
		if allowEmpty {
			return nil
		}
		return errors.New("the request body is empty: send a JSON object")
	}
	if err := CheckUTF8(b); err != nil {
		return err
	}
	if err := unmarshal(b, v); err != nil {
		var dup *DuplicateFieldError
		if errors.As(err, &dup) {
			return err
		}
		return JSONError(err)
	}
	return nil
}

// CheckUTF8 refuses a JSON body holding bytes that are not UTF-8 (a
// client sending Latin-1), as the providers do: encoding/json would take
// each for U+FFFD, and "Zoë" would be stored and sent as "Zo\uFFFD".
func CheckUTF8(b []byte) error {
	if utf8.Valid(b) {
		return nil
	}
	return errors.New("the request body is not valid JSON: it holds bytes that are not UTF-8 (JSON is sent as UTF-8)")
}

// DecodeJSONStrict is DecodeJSON refusing fields v does not have, for
// hookctl's own control API: a misspelt field ("subscripton") would
// otherwise be dropped and the request run as if it was not sent.
func DecodeJSONStrict(r *http.Request, v any) error {
	b, err := ReadBody(r)
	if err != nil {
		return err
	}
	if len(strings.TrimSpace(string(b))) == 0 {
		return errors.New("the request body is empty: send a JSON object")
	}
	if err := CheckUTF8(b); err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		if name, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
			return errors.New("unknown field " + name + knownFields(v, strings.Trim(name, `"`)))
		}
		return JSONError(err)
	}
	if dec.More() {
		return errors.New("the request body is not valid JSON")
	}
	return nil
}

// knownFields is the hint after an unknown field of v's JSON object: the
// field meant when one is a typo away ("subscripton"), else every field v
// has, so the caller does not need the OpenAPI document to fix the body.
func knownFields(v any, unknown string) string {
	t := reflect.TypeOf(v)
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == nil || t.Kind() != reflect.Struct {
		return ""
	}
	var names []string
	for f := range t.Fields() {
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if !f.IsExported() || name == "-" {
			continue
		}
		if name == "" {
			name = f.Name
		}
		names = append(names, name)
	}
	if len(names) == 0 {
		return ""
	}
	if best := textdist.Closest(unknown, names); best != "" {
		return "; did you mean " + strconv.Quote(best) + "?"
	}
	return "; the fields are: " + strings.Join(names, ", ")
}

// JSONError phrases a json.Unmarshal error for an API user.
func JSONError(err error) error {
	var te *json.UnmarshalTypeError
	var se *json.SyntaxError
	var pe *time.ParseError
	switch {
	case errors.As(err, &te):
		if te.Field != "" {
			return errors.New("field " + te.Field + " has the wrong type: want " + jsonmsg.Want(te.Type))
		}
		return errors.New("the request body must be a JSON object")
	case errors.As(err, &se):
		return errors.New("the request body is not valid JSON")
	case errors.As(err, &pe):
		// A time field (since, until, deliverAt) of a valid body: say
		// so, not that the JSON is bad. encoding/json does not name the
		// field of a value its Unmarshaler refused.
		return errors.New("a time must be an RFC 3339 string such as \"2026-12-06T07:40:00Z\": " + strconv.Quote(pe.Value) + " is not one")
	case strings.HasPrefix(err.Error(), "Time.UnmarshalJSON: "):
		return errors.New("a time must be an RFC 3339 string such as \"2026-12-06T07:40:00Z\", not a number or another JSON value")
	}
	return errors.New("the request body is not valid JSON")
}

// WriteJSON answers status with v as JSON.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		http.Error(w, `{"error":"internal error"}`, http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write(b)
	w.Write([]byte("\n"))
}

// IsNotFound reports a store lookup that found nothing (or nothing unique).
func IsNotFound(err error) bool {
	var amb *store.AmbiguousError
	return errors.Is(err, store.ErrNotFound) || errors.As(err, &amb)
}

// InputMessage returns the user-facing message of a validation error from
// the subscription service or the catalog, and whether err is one.
func InputMessage(err error) (string, bool) {
	var ie *subscription.InputError
	if errors.As(err, &ie) {
		return withHints(ie.Msg, ie.Hint), true
	}
	var ce *catalog.Error
	if errors.As(err, &ce) {
		return withHints(ce.Msg, ce.HintList), true
	}
	var oe interface{ ExitCode() int }
	if errors.As(err, &oe) && oe.ExitCode() == 2 {
		return err.Error(), true
	}
	return "", false
}

// withHints appends the hints an API caller can act on. Those that tell
// a CLI user which flag to pass (--events 'card.*', --header '…', use
// --provider bond) are left out: an API has no flags, and in Stripe's
// answer "use --provider bond" read as if the request could choose one.
// A hookctl command to run (hookctl events list --provider stripe) stays.
func withHints(msg string, hints []string) string {
	for _, h := range hints {
		if flag, cmd := strings.Index(h, "--"), strings.Index(h, "hookctl "); flag >= 0 && (cmd < 0 || flag < cmd) {
			continue
		}
		msg += "; " + h
	}
	return msg
}

// R is a Route.
func R(method, path, summary string, h http.HandlerFunc) Route {
	return Route{Method: method, Path: path, Summary: summary, Handler: h}
}

// RetryAfter is the Retry-After (seconds) of a 503 answered while the
// store cannot be reached: about a PostgreSQL restart.
const RetryAfter = "2"

// StoreDownMsg is the message of that 503: what keeps the store from
// being used (store.TransientReason: it cannot be reached, its disk is
// full …), and to retry.
func StoreDownMsg(err error) string {
	return "hookctl's store " + store.TransientReason(err) + "; retry in a few seconds"
}

// StoreGoneMsg ends the message of the 503 answered once the store's
// file was deleted or replaced under hookctl serve (store.IsGone), after
// the store's error (its path, gone or replaced): what the request would
// have stored would be lost, so nothing is, and serve stops (exit 3).
const StoreGoneMsg = "nothing can be stored, so hookctl serve stops: restart it"

// ServerError is the one place where the APIs map an error their
// handlers did not expect (a store failure) to an answer: 503 with
// Retry-After (set on w here) when the store cannot be reached now but
// may be again (store.IsTransient: a PostgreSQL restart or failover), so
// clients and SDKs retry (stripe-node and Svix's libraries retry 5xx),
// else 500 with msg; a store file deleted or replaced (store.IsGone) is a
// 503 too, with StoreGoneMsg. The caller writes status and message in
// its API's envelope.
func ServerError(w http.ResponseWriter, err error, msg string) (status int, message string) {
	if store.IsGone(err) {
		w.Header().Set("Retry-After", RetryAfter)
		return http.StatusServiceUnavailable, err.Error() + "; " + StoreGoneMsg
	}
	if store.IsTransient(err) {
		w.Header().Set("Retry-After", RetryAfter)
		return http.StatusServiceUnavailable, StoreDownMsg(err)
	}
	return http.StatusInternalServerError, msg
}
