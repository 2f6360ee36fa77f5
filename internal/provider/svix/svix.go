// Package svix is the Svix-compatible API of `hookctl serve`
// (/api/v1/app/{app_id}/…, API 1.x field names): applications, endpoints
// and their secrets, messages, attempts, resend and recover, with Svix's
// error envelope {"code","detail"}. Endpoints are hookctl subscriptions
// signed with the standard (Standard Webhooks) scheme; their ep_… id,
// application and uid live in the subscription's metadata. Messages are
// events of the standard provider whose payload is the bytes given.
package svix

import (
	"bytes"
	"cmp"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/hookctl/hookctl/internal/catalog"
	"github.com/hookctl/hookctl/internal/provider"
	"github.com/hookctl/hookctl/internal/service"
	"github.com/hookctl/hookctl/internal/store"
	"github.com/hookctl/hookctl/internal/subscription"
)

// Metadata keys on subscriptions, and header keys on events.
const (
	MetaID      = "svix_id"
	MetaApp     = "app_id"
	MetaUID     = "uid"
	metaFilter  = "svix_filter"
	metaVersion = "svix_version"
	metaChan    = "svix_channels"
	metaRate    = "svix_rate_limit"
	metaPrefix  = "svix_meta:"
	// The application's uid and name, kept with each of its endpoints and
	// messages so that the application outlives the server.
	metaAppUID  = "svix_app_uid"
	metaAppName = "svix_app_name"
	hdrApp      = "X-Hookctl-Svix-App"
	hdrAppUID   = "X-Hookctl-Svix-App-Uid"
	hdrAppName  = "X-Hookctl-Svix-App-Name"
	hdrEventID  = "X-Hookctl-Svix-Event-Id"
	hdrChan     = "X-Hookctl-Svix-Channels"
	// A message's tags (comma-joined: a tag holds no comma) and
	// deliverAt (RFC 3339), kept with it like its channels.
	hdrTags      = "X-Hookctl-Svix-Tags"
	hdrDeliverAt = "X-Hookctl-Svix-Deliver-At"
)

// ErrorBody is Svix's error envelope.
type ErrorBody struct {
	Code   string `json:"code"`
	Detail string `json:"detail"`
}

func fail(w http.ResponseWriter, status int, code, detail string) {
	if status == http.StatusUnprocessableEntity {
		failValidation(w, validationLoc(detail), detail)
		return
	}
	provider.WriteJSON(w, status, ErrorBody{Code: code, Detail: detail})
}

// ValidationBody is Svix's 422 envelope (HTTPValidationError): detail is
// a list of {loc, msg, type}, not a string; the libraries read it so
// (svix-python's HTTPValidationError iterates it, the Node library types
// it), and a string there broke them. code is kept for clients of
// earlier hookctl versions.
type ValidationBody struct {
	Code   string            `json:"code"`
	Detail []ValidationError `json:"detail"`
}

// ValidationError is one item of a ValidationBody.
type ValidationError struct {
	Loc  []string `json:"loc"`
	Msg  string   `json:"msg"`
	Type string   `json:"type"`
}

func failValidation(w http.ResponseWriter, loc []string, msg string) {
	provider.WriteJSON(w, http.StatusUnprocessableEntity, ValidationBody{Code: "validation",
		Detail: []ValidationError{{Loc: loc, Msg: msg, Type: "value_error"}}})
}

// validationLoc is where a 422's message points, as Svix's loc says it:
// ["query", "limit"], ["body", "url"], or ["body"] when no one field is
// named.
func validationLoc(msg string) []string {
	word, _, _ := strings.Cut(msg, " ")
	switch word {
	case "limit", "order", "iterator", "before", "after", "status", "status_code_class":
		return []string{"query", word}
	case "name", "uid", "url", "secret", "eventType", "eventId", "payload", "since", "until", "key":
		return []string{"body", word}
	}
	switch {
	case strings.HasPrefix(msg, "field "):
		f, _, _ := strings.Cut(strings.TrimPrefix(msg, "field "), " ")
		return []string{"body", f}
	case strings.HasPrefix(msg, "a channel "):
		return []string{"body", "channels"}
	case strings.Contains(msg, "URL"):
		return []string{"body", "url"}
	case strings.Contains(msg, "description"):
		return []string{"body", "description"}
	case strings.Contains(msg, "metadata"):
		return []string{"body", "metadata"}
	case strings.Contains(msg, "header"):
		return []string{"body", "headers"}
	case strings.Contains(msg, "event"):
		return []string{"body", "filterTypes"}
	}
	return []string{"body"}
}

func notFound(w http.ResponseWriter) { fail(w, http.StatusNotFound, "not_found", "Entity not found") }

// App is an application.
type App struct {
	ID        string  `json:"id"`
	UID       *string `json:"uid,omitempty"`
	Name      string  `json:"name"`
	RateLimit *int    `json:"rateLimit,omitempty"`
	// ThrottleRate is Svix's current name for RateLimit (the SDKs send
	// and read both): the same value, set by MarshalJSON.
	ThrottleRate *int              `json:"throttleRate,omitempty"`
	Metadata     map[string]string `json:"metadata"`
	CreatedAt    Time              `json:"createdAt"`
	UpdatedAt    Time              `json:"updatedAt"`
}

// MarshalJSON writes the application with throttleRate and rateLimit
// alike.
func (a App) MarshalJSON() ([]byte, error) {
	type plain App
	a.ThrottleRate = a.RateLimit
	return json.Marshal(plain(a))
}

// throttleRate is the rate an input gives: throttleRate, Svix's current
// name, else the deprecated rateLimit. field names the one given, for
// the validation error.
func throttleRate(rateLimit, throttle *int) (n *int, field string) {
	if throttle != nil {
		return throttle, "throttleRate"
	}
	return rateLimit, "rateLimit"
}

// api is the Svix API. Its applications and event types are store
// objects (objects.go): nothing lives in the server's memory.
type api struct {
	s *provider.Services
	// uidMu makes an endpoint uid's (or a message eventId's) "is it
	// free?" and the write that takes it one step (parallel creates with
	// one uid made two endpoints).
	uidMu sync.Mutex
	// msgMu guards lastMsg, the creation time of the last message made
	// (msgTime).
	msgMu   sync.Mutex
	lastMsg time.Time
}

// newMsg is a fresh message's id and creation time: now to the
// microsecond the stores keep (PostgreSQL rounds), so the answer's
// timestamp is the one GET, the lists and their before/after filters
// see, and at least a microsecond after the last message's, so no two
// share one and the id (newMsgID, which carries it) sorts as the lists
// do and places an iterator exactly.
func (a *api) newMsg() (string, time.Time) {
	a.msgMu.Lock()
	defer a.msgMu.Unlock()
	t := a.s.NowUTC().Truncate(time.Microsecond)
	if !t.After(a.lastMsg) {
		t = a.lastMsg.Add(time.Microsecond)
	}
	a.lastMsg = t
	return newMsgID(t), t
}

// New returns the Svix-compatible API.
func New(s *provider.Services) *provider.API {
	a := &api{s: s}
	p := "/api/v1/app/{app_id}"
	ep := p + "/endpoint/{endpoint_id}"
	var methods *provider.Methods
	out := &provider.API{
		Name:         "svix",
		Prefixes:     []string{"/api/v1/"},
		Subscription: a.endpointOfAnyApp,
		NotFound: func(w http.ResponseWriter, r *http.Request) {
			// A route hookctl does not serve (one of Svix's it does not
			// play, a typo): Svix's 404, saying so, not "Entity not
			// found", which reads as a wrong id.
			msg := "hookctl serve has no route " + r.Method + " " + r.URL.Path
			if allowed := methods.Allowed(r); len(allowed) > 0 {
				msg += " (that path takes " + strings.Join(allowed, ", ") + ")"
			}
			fail(w, http.StatusNotFound, "not_found", msg+"; every route it serves: GET /_hookctl/openapi.json")
		},
		BadRequest: func(w http.ResponseWriter, r *http.Request, msg string) {
			loc := "path"
			if utf8.ValidString(r.URL.Path) && !strings.ContainsRune(r.URL.Path, 0) {
				loc = "query"
			}
			failValidation(w, []string{loc}, msg)
		},
		Refused: func(w http.ResponseWriter, r *http.Request, status int, msg string) {
			fail(w, status, provider.RefusedCode(status), msg)
		},
		Routes: []provider.Route{
			provider.R("POST", "/api/v1/app", "Svix: create an application ({name, uid?}; ?get_if_exists=true)", a.auth(a.idem(a.createApp))),
			provider.R("GET", "/api/v1/app", "Svix: list applications (limit, iterator, order)", a.auth(a.listApps)),
			provider.R("GET", p, "Svix: get an application by id or uid", a.auth(a.getApp)),
			provider.R("PUT", p, "Svix: update an application ({name, uid?, metadata?})", a.auth(a.updateApp(false))),
			provider.R("PATCH", p, "Svix: patch an application ({name?, uid?, metadata?})", a.auth(a.updateApp(true))),
			provider.R("DELETE", p, "Svix: delete an application and its endpoints", a.auth(a.deleteApp)),
			provider.R("GET", "/api/v1/background-task", "Svix: list background tasks (recover, replay-missing, bulk-replay; status, task, limit, iterator, order)", a.auth(a.listTasks)),
			provider.R("GET", "/api/v1/background-task/{task_id}", "Svix: a background task {id, status, task, data: {messagesSent}, updatedAt}", a.auth(a.getTask)),
			provider.R("GET", "/api/v1/health", "Svix: health check (204; no credential needed, as in Svix)", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) }),
			provider.R("POST", "/api/v1/auth/app-portal-access/{app_id}", "Svix: an app portal link {url, token} (the url opens hookctl's inspector; {application?} creates the app)", a.auth(a.idem(a.appPortalAccess))),
			provider.R("POST", "/api/v1/auth/dashboard-access/{app_id}", "Svix: the legacy dashboard link {url, token}", a.auth(a.idem(a.appPortalAccess))),
			provider.R("POST", "/api/v1/event-type", "Svix: declare an event type ({name, description, schemas?, archived?}; 409 when it exists, unarchives an archived one)", a.auth(a.idem(a.createEventType))),
			provider.R("GET", "/api/v1/event-type", "Svix: list event types (limit, iterator, order, include_archived, with_content)", a.auth(a.listEventTypes)),
			provider.R("GET", "/api/v1/event-type/{name}", "Svix: get an event type", a.auth(a.getEventType)),
			provider.R("PUT", "/api/v1/event-type/{name}", "Svix: create or update an event type ({description, schemas?, archived?})", a.auth(a.updateEventType(false))),
			provider.R("PATCH", "/api/v1/event-type/{name}", "Svix: patch an event type", a.auth(a.updateEventType(true))),
			provider.R("DELETE", "/api/v1/event-type/{name}", "Svix: archive an event type (expunge=true forgets it)", a.auth(a.deleteEventType)),
			provider.R("POST", p+"/endpoint", "Svix: create an endpoint ({url, filterTypes?, uid?, secret?, disabled?, metadata?})", a.auth(a.idem(a.createEndpoint))),
			provider.R("GET", p+"/endpoint", "Svix: list endpoints (limit, iterator, order)", a.auth(a.listEndpoints)),
			provider.R("GET", ep, "Svix: get an endpoint by id or uid", a.auth(a.getEndpoint)),
			provider.R("PUT", ep, "Svix: update an endpoint", a.auth(a.updateEndpoint(false))),
			provider.R("PATCH", ep, "Svix: patch an endpoint", a.auth(a.updateEndpoint(true))),
			provider.R("DELETE", ep, "Svix: delete an endpoint", a.auth(a.deleteEndpoint)),
			provider.R("GET", ep+"/headers", "Svix: the endpoint's custom headers {headers, sensitive}", a.auth(a.getHeaders)),
			provider.R("PUT", ep+"/headers", "Svix: replace the endpoint's custom headers ({headers})", a.auth(a.setHeaders(false))),
			provider.R("PATCH", ep+"/headers", "Svix: change the endpoint's custom headers ({headers, deleteHeaders?})", a.auth(a.setHeaders(true))),
			provider.R("GET", ep+"/msg", "Svix: the messages sent to the endpoint, with its delivery's status (limit, iterator)", a.auth(a.listAttemptedMessages)),
			provider.R("GET", ep+"/secret", "Svix: the endpoint's signing secret {key}", a.auth(a.getSecret)),
			provider.R("GET", ep+"/stats", "Svix: the messages sent to the endpoint by their latest delivery's status {success, pending, sending, fail, canceled} (since, until)", a.auth(a.endpointStats)),
			provider.R("POST", ep+"/secret/rotate", "Svix: rotate the endpoint's secret ({key?})", a.auth(a.idem(a.rotateSecret))),
			provider.R("POST", ep+"/recover", "Svix: resend the endpoint's failed messages since {since, until?}", a.auth(a.idem(a.recover))),
			provider.R("POST", ep+"/bulk-replay", "Svix: send the endpoint again the messages since {since, until?} it got, successful or failed (eventTypes?, channel?, tag?, status?, statusCodeClass?)", a.auth(a.idem(a.bulkReplay))),
			provider.R("POST", ep+"/replay-missing", "Svix: send the endpoint the application's messages since {since, until?} it takes and never got", a.auth(a.idem(a.replayMissing))),
			provider.R("POST", ep+"/send-example", "Svix: send the endpoint an example message {eventType, exampleIndex?} (the event type's schema example, else hookctl's catalog)", a.auth(a.idem(a.sendExample))),
			provider.R("GET", ep+"/transformation", "Svix: the endpoint's transformation ({enabled: false}: serve runs none)", a.auth(a.transformation)),
			provider.R("PATCH", ep+"/transformation", "Svix: set the endpoint's transformation (403: serve runs none; turning it off is a 204)", a.auth(a.transformation)),
			provider.R("POST", p+"/msg", "Svix: send a message ({eventType, payload, eventId?, channels?}) to matching endpoints", a.auth(a.idem(a.createMsg))),
			provider.R("GET", p+"/msg", "Svix: list messages (limit, iterator, event_types, channel, before, after)", a.auth(a.listMsgs)),
			provider.R("GET", p+"/msg/{msg_id}", "Svix: get a message", a.auth(a.getMsg)),
			provider.R("POST", p+"/msg/expunge-all-contents", "Svix: expunge every message's payload of the application (a task application.purge_content, data.messagesPurged)", a.auth(a.idem(a.expungeAllMsgs))),
			provider.R("POST", p+"/msg/precheck/active", "Svix: whether an enabled endpoint of the application takes a message ({eventType, channels?}) → {active}", a.auth(a.idem(a.precheck))),
			provider.R("DELETE", p+"/msg/{msg_id}/content", "Svix: expunge a message's payload (it reads {\"expired\":true}; not resent, recovered or replayed since; its unsent deliveries fail)", a.auth(a.expungeMsg)),
			provider.R("GET", p+"/attempt/msg/{msg_id}", "Svix: attempts of a message (limit, iterator, status, status_code_class, endpoint_id, event_types, channel, before, after)", a.auth(a.attemptsByMsg)),
			provider.R("GET", p+"/attempt/endpoint/{endpoint_id}", "Svix: attempts to an endpoint (limit, iterator, status, status_code_class, event_types, channel, before, after, with_msg)", a.auth(a.attemptsByEndpoint)),
			provider.R("GET", p+"/msg/{msg_id}/attempt/{attempt_id}", "Svix: one attempt of a message, by the atmpt_ id an attempt list gave", a.auth(a.getAttempt)),
			provider.R("DELETE", p+"/msg/{msg_id}/attempt/{attempt_id}/content", "Svix: expunge an attempt's response body (it reads \"EXPUNGED\")", a.auth(a.expungeAttempt)),
			provider.R("GET", p+"/msg/{msg_id}/endpoint", "Svix: the endpoints a message went to, with its delivery's status (limit, iterator)", a.auth(a.listAttemptedDestinations)),
			provider.R("POST", p+"/msg/{msg_id}/endpoint/{endpoint_id}/resend", "Svix: resend a message to an endpoint", a.auth(a.idem(a.resend))),
		},
	}
	methods = provider.NewMethods(out.Routes)
	return out
}

func (a *api) auth(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		tok := provider.BearerToken(r)
		if tok == "" {
			fail(w, http.StatusUnauthorized, "authentication_failed", "Authorization header is missing: send 'Authorization: Bearer <token>'")
			return
		}
		if h := r.Header.Get("Authorization"); len(h) > 6 && strings.EqualFold(h[:6], "basic ") {
			// curl -u TOKEN: — Svix takes the token as a Bearer only;
			// taken whole, "Basic …" was any token serve accepts.
			fail(w, http.StatusUnauthorized, "authentication_failed", "Invalid token: Svix takes the token as 'Authorization: Bearer <token>', not HTTP Basic auth")
			return
		}
		if strings.HasPrefix(tok, "whsec_") {
			// An endpoint's signing secret sent as the token (the two
			// are mixed up): Svix refuses it, serve took any token.
			fail(w, http.StatusUnauthorized, "authentication_failed", "Invalid token: that is an endpoint's signing secret (whsec_…), "+
				"which verifies the messages sent to it; the API takes your auth token (Authorization: Bearer testsk_…)")
			return
		}
		if !a.s.KeyOK(tok) {
			fail(w, http.StatusUnauthorized, "authentication_failed", "Invalid token")
			return
		}
		if !boolQuery(w, r) {
			return
		}
		h(w, r)
	}
}

// boolQueries are the boolean query parameters of Svix's routes.
var boolQueries = [...]string{"with_content", "include_archived", "get_if_exists", "with_msg", "expunge"}

// boolQuery refuses a boolean query parameter that is not true or false,
// as Svix's query parsing does (422): read as "not false" (or "true"),
// with_content=False (Python's str(False), sent by requests) returned the
// payloads it asked to leave out, and with_content=flase too.
func boolQuery(w http.ResponseWriter, r *http.Request) bool {
	if r.URL.RawQuery == "" {
		return true
	}
	q := r.URL.Query()
	for _, k := range boolQueries {
		for _, v := range q[k] {
			if v != "true" && v != "false" {
				failValidation(w, []string{"query", k}, fmt.Sprintf("%s must be true or false, not %q", k, v))
				return false
			}
		}
	}
	return true
}

// idem replays a POST sent again with the same idempotency-key header,
// which the official libraries put on every POST (auto_<uuid>) and keep
// when they retry after a timeout or a 5xx. Svix keys it by the token and
// the request's URL as well (svix-server's IdempotencyKey hashes the auth
// token, the key and the URI): the same key sent to another path (a key
// derived from an order id, used to create the application, then its
// endpoint, or to send one message to two applications) is another
// request, not a conflict. Nothing of the body is in that key: the key
// sent again to the same URL with another body gets the first answer
// again (its message is not sent), as from Svix; serve answered 409.
//
// A request sent while the first with its key still runs waits for it, at
// most idemWait, as svix-server's does (its lock on the key lasts 20 s,
// polled every 200 ms), then gets a 500: serve waited as long as the first
// took, and a client retrying a hung create was held as long.
func (a *api) idem(h http.HandlerFunc) http.HandlerFunc {
	return a.s.Idempotency.WrapPolicy("svix", "Idempotency-Key", func(r *http.Request) string {
		return provider.BearerToken(r) + "\x00" + r.URL.Path + "?" + r.URL.RawQuery
	}, nil, provider.IdemPolicy{Wait: idemWait, WaitOver: func(w http.ResponseWriter, r *http.Request) {
		fail(w, http.StatusInternalServerError, "server_error", fmt.Sprintf(
			"the request first sent with this idempotency-key is still running after %s: retry it with the same key to get its answer once it is done", idemWait))
	}}, h)
}

// idemWait is how long svix-server waits for a request holding the
// idempotency key sent again (expiry_starting: 20 s). Tests shorten it
// with provider.Idempotency.MaxWait.
const idemWait = 20 * time.Second

// newID is prefix and a KSUID of now, as Svix's ids are (ksuid.go).
func newID(prefix string) string { return prefix + newKSUID(time.Now()) }

// bad answers err in Svix's envelope; it reports whether it did.
func (a *api) bad(w http.ResponseWriter, err error) bool {
	if err == nil {
		return false
	}
	switch {
	case errors.Is(err, provider.ErrTooLarge):
		fail(w, http.StatusRequestEntityTooLarge, "payload_too_large", "The request body is over 1 MiB")
	case provider.IsNotFound(err):
		notFound(w)
	default:
		if msg, ok := provider.InputMessage(err); ok {
			fail(w, http.StatusUnprocessableEntity, "validation", msg)
			return true
		}
		status, msg := provider.ServerError(w, err, "hookctl's store failed")
		fail(w, status, "server_error", msg)
	}
	return true
}

// decode reads a JSON body; errors are answered (422 as Svix does).
func (a *api) decode(w http.ResponseWriter, r *http.Request, v any, allowEmpty bool) bool {
	err := provider.DecodeJSONUnique(r, v, allowEmpty)
	if err == nil {
		return true
	}
	if dup := (*provider.DuplicateFieldError)(nil); errors.As(err, &dup) {
		// serde's derived decoders refuse a field given twice.
		failValidation(w, []string{"body", dup.Field}, err.Error())
		return false
	}
	if errors.Is(err, provider.ErrTooLarge) {
		a.bad(w, err)
		return false
	}
	fail(w, http.StatusUnprocessableEntity, "validation", err.Error())
	return false
}

// ---- applications ----

type appIn struct {
	Name         string            `json:"name"`
	UID          *string           `json:"uid"`
	Metadata     map[string]string `json:"metadata"`
	RateLimit    *int              `json:"rateLimit"`
	ThrottleRate *int              `json:"throttleRate"`
}

func (a *api) createApp(w http.ResponseWriter, r *http.Request) {
	var in appIn
	if !a.decode(w, r, &in, false) {
		return
	}
	a.createAppFrom(w, r, in, r.URL.Query().Get("get_if_exists") == "true")
}

// createAppFrom creates the application in describes (201); with
// getIfExists, the one with its uid is answered instead (200).
func (a *api) createAppFrom(w http.ResponseWriter, r *http.Request, in appIn, getIfExists bool) {
	if strings.TrimSpace(in.Name) == "" {
		fail(w, http.StatusUnprocessableEntity, "validation", "name is required")
		return
	}
	if hasLowControl(in.Name) {
		failValidation(w, []string{"body", "name"}, lowControl)
		return
	}
	if in.UID != nil && uidProblem(*in.UID, "app_") != "" {
		failValidation(w, []string{"body", "uid"}, uidProblem(*in.UID, "app_"))
		return
	}
	if !validRateLimit(w, &in.RateLimit, in.ThrottleRate) {
		return
	}
	existing := func() bool {
		if in.UID == nil {
			return false
		}
		// An application of an earlier hookctl is known by its endpoints
		// and messages: a.app brings it back first.
		app, err := a.app(r.Context(), *in.UID)
		if err != nil {
			if !provider.IsNotFound(err) {
				a.bad(w, err)
				return true
			}
			return false
		}
		if getIfExists {
			provider.WriteJSON(w, http.StatusOK, app)
			return true
		}
		fail(w, http.StatusConflict, "conflict", "An application with this uid already exists")
		return true
	}
	if existing() {
		return
	}
	now := svixTime(a.s.NowUTC())
	app := &App{ID: newID("app_"), UID: in.UID, Name: in.Name, Metadata: in.Metadata, RateLimit: in.RateLimit, CreatedAt: now, UpdatedAt: now}
	if app.Metadata == nil {
		app.Metadata = map[string]string{}
	}
	if err := a.insertApp(r.Context(), app); errors.Is(err, store.ErrKeyTaken) {
		// Created meanwhile (by this server or another on the store).
		if !existing() {
			fail(w, http.StatusConflict, "conflict", "An application with this uid already exists")
		}
		return
	} else if a.bad(w, err) {
		return
	}
	provider.WriteJSON(w, http.StatusCreated, app)
}

// validRateLimit applies Svix's rule for a throttleRate (or the
// deprecated rateLimit; throttleRate wins when both are given) and
// leaves the one that applies in *rateLimit; it answers 422 when the rate
// is out of range.
func validRateLimit(w http.ResponseWriter, rateLimit **int, throttle *int) bool {
	n, field := throttleRate(*rateLimit, throttle)
	if n != nil && (*n < 1 || *n > 65535) {
		failValidation(w, []string{"body", field}, field+" must be between 1 and 65535")
		return false
	}
	*rateLimit = n
	return true
}

// app resolves {app_id} (id or uid): the store's application (a
// tombstone is not found). One an earlier hookctl kept in memory is
// brought back from what the store keeps with its endpoints (metadata)
// and messages (event headers), id, uid and name, and stored.
func (a *api) app(ctx context.Context, idOrUID string) (*App, error) {
	notFound := &store.NotFoundError{Kind: "application", ID: idOrUID}
	o, err := a.s.Store.GetObject(ctx, kindApp, idOrUID)
	if err != nil && !provider.IsNotFound(err) {
		return nil, err
	}
	if err != nil {
		found, err := a.storedApp(ctx, idOrUID)
		if err != nil || found == nil {
			if err == nil {
				err = notFound
			}
			return nil, err
		}
		if o, err = a.keepApp(ctx, found); err != nil || o == nil {
			if err == nil {
				err = notFound
			}
			return nil, err
		}
	}
	if o.Deleted {
		return nil, notFound
	}
	app, err := objectApp(o)
	if err != nil {
		return nil, err
	}
	if app.ID != idOrUID && (app.UID == nil || *app.UID != idOrUID) {
		// Known by another uid now (an update changed it): the old uid
		// its messages keep no longer names it.
		return nil, notFound
	}
	return app, nil
}

// storedApp finds an application by id or uid among the endpoints, then
// the messages, in the store; nil if neither knows it.
func (a *api) storedApp(ctx context.Context, idOrUID string) (*App, error) {
	for _, key := range []string{MetaApp, metaAppUID} {
		subs, err := a.s.Store.ListSubscriptions(ctx, store.SubscriptionFilter{Meta: map[string]string{key: idOrUID}, Limit: 1})
		if err != nil {
			return nil, err
		}
		if len(subs) > 0 {
			m := subs[0].Metadata
			return restoredApp(m[MetaApp], m[metaAppUID], m[metaAppName], subs[0].CreatedAt), nil
		}
	}
	// The oldest message naming it (by id, then by uid): the indexed
	// header lookups of the store, not a read of every event.
	for _, key := range []string{hdrApp, hdrAppUID} {
		evs, err := a.s.Store.ListEvents(ctx, store.EventFilter{Source: store.SourceTriggered,
			Header: map[string]string{key: idOrUID}, Oldest: true, Limit: 1, NoCounts: true})
		if err != nil {
			return nil, err
		}
		if len(evs) > 0 {
			h := evs[0].Headers
			return restoredApp(first(h[hdrApp]), first(h[hdrAppUID]), first(h[hdrAppName]), evs[0].CreatedAt), nil
		}
	}
	return nil, nil
}

func restoredApp(id, uid, name string, created time.Time) *App {
	app := &App{ID: id, Name: name, Metadata: map[string]string{}, CreatedAt: svixTime(created), UpdatedAt: svixTime(created)}
	if uid != "" {
		app.UID = &uid
	}
	if app.Name == "" {
		app.Name = id
	}
	return app
}

func (a *api) appOr404(w http.ResponseWriter, r *http.Request) (*App, bool) {
	app, err := a.app(r.Context(), r.PathValue("app_id"))
	if a.bad(w, err) {
		return nil, false
	}
	return app, true
}

func (a *api) getApp(w http.ResponseWriter, r *http.Request) {
	if app, ok := a.appOr404(w, r); ok {
		provider.WriteJSON(w, http.StatusOK, app)
	}
}

func (a *api) listApps(w http.ResponseWriter, r *http.Request) {
	limit, ok := limitOf(w, r, 50, 250)
	if !ok {
		return
	}
	descending := false
	switch o := r.URL.Query().Get("order"); o {
	case "", "ascending":
	case "descending":
		descending = true
	default:
		fail(w, http.StatusUnprocessableEntity, "validation", "order must be ascending or descending")
		return
	}
	objs, err := a.s.Store.ListObjects(r.Context(), kindApp)
	if a.bad(w, err) {
		return
	}
	known := map[string]bool{}
	out := []*App{}
	gone := map[string]bool{} // deleted applications: places in the list
	for _, o := range objs {
		known[o.ID] = true
		app, err := objectApp(o)
		if o.Deleted && err != nil {
			continue // a tombstone without its application's data
		}
		if a.bad(w, err) {
			return
		}
		if o.Deleted {
			gone[app.ID] = true
		}
		out = append(out, app)
	}
	// Applications of an earlier hookctl (kept in memory) come back from
	// their endpoints, and are stored.
	subs, err := a.s.Store.ListSubscriptions(r.Context(), store.SubscriptionFilter{MetaSet: []string{MetaApp, MetaID}})
	if a.bad(w, err) {
		return
	}
	for _, sub := range subs {
		m := sub.Metadata
		if known[m[MetaApp]] {
			continue
		}
		known[m[MetaApp]] = true
		o, err := a.keepApp(r.Context(), restoredApp(m[MetaApp], m[metaAppUID], m[metaAppName], sub.CreatedAt))
		if a.bad(w, err) {
			return
		}
		if o != nil && !o.Deleted {
			app, err := objectApp(o)
			if a.bad(w, err) {
				return
			}
			out = append(out, app)
		}
	}
	slices.SortFunc(out, func(x, y *App) int {
		if c := x.CreatedAt.Compare(y.CreatedAt.Time); c != 0 {
			return c
		}
		return strings.Compare(x.ID, y.ID)
	})
	if descending {
		slices.Reverse(out)
	}
	// A page of limit after the iterator's application, or before it
	// ("-id"; from the start when it names none); it was every
	// application, done, whatever the limit. A deleted application keeps
	// its place in the list (its tombstone), so the page after one deleted
	// since goes on from there rather than from the start.
	it, prev := iteratorOf(r)
	if it != "" && !strings.HasPrefix(it, "app_") {
		badIterator(w, r.URL.Query().Get("iterator"), "an app_ id")
		return
	}
	if i := slices.IndexFunc(out, func(app *App) bool { return app.ID == it }); i >= 0 {
		if prev {
			out = out[:i]
		} else {
			out = out[i+1:]
		}
	} else if at, ok := idPlace(it, "app_"); ok {
		// An id that names no application: where it sorts among the
		// ids, as in Svix, which pages by comparing them (ksuid.go).
		i := slices.IndexFunc(out, func(app *App) bool { return app.CreatedAt.After(at) != descending })
		if i < 0 {
			i = len(out)
		}
		if prev {
			out = out[:i]
		} else {
			out = out[i:]
		}
	} else {
		prev = false
	}
	out = slices.DeleteFunc(out, func(app *App) bool { return gone[app.ID] })
	writeIDPage(w, out, prev, limit, func(app *App) string { return app.ID })
}

// writeIDPage answers a list page of out, the items after the iterator
// (before it when prev) in order: the first limit of them (the last limit
// when prev: the page just before it), with the iterators of its last and
// first items.
func writeIDPage[T any](w http.ResponseWriter, out []T, prev bool, limit int, id func(T) string) {
	done := len(out) <= limit
	if prev {
		out = out[max(0, len(out)-limit):]
	} else {
		out = out[:min(limit, len(out))]
	}
	var next, prevIt *string
	if len(out) > 0 {
		last := id(out[len(out)-1])
		next, prevIt = &last, prevIteratorOf(id(out[0]), len(out))
	}
	provider.WriteJSON(w, http.StatusOK, listPage{Data: out, Iterator: next, PrevIterator: prevIt, Done: done})
}

func (a *api) updateApp(patch bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		app, err := a.app(r.Context(), r.PathValue("app_id"))
		if err != nil && (patch || !provider.IsNotFound(err)) {
			a.bad(w, err)
			return
		}
		var in struct {
			Name         *string            `json:"name"`
			UID          *string            `json:"uid"`
			Metadata     *map[string]string `json:"metadata"`
			RateLimit    *int               `json:"rateLimit"`
			ThrottleRate *int               `json:"throttleRate"`
		}
		body, err := provider.ReadBody(r)
		if err != nil {
			a.bad(w, err)
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		if !a.decode(w, r, &in, patch) || !validRateLimit(w, &in.RateLimit, in.ThrottleRate) {
			return
		}
		// A null in a PATCH clears the field, as in Svix's
		// ApplicationPatch (decoded, it was a field not sent).
		var clearUID, clearRate bool
		if patch {
			isNull := nullsIn(body)
			clearUID = isNull("uid")
			clearRate = isNull("rateLimit") || isNull("throttleRate")
		}
		if app == nil {
			// PUT is Svix's "create or update": an application it does
			// not find is created from the body (201).
			c := appIn{UID: in.UID, RateLimit: in.RateLimit}
			if in.Name != nil {
				c.Name = *in.Name
			}
			if in.Metadata != nil {
				c.Metadata = *in.Metadata
			}
			a.createAppFrom(w, r, c, false)
			return
		}
		if in.Name != nil && strings.TrimSpace(*in.Name) == "" || !patch && in.Name == nil {
			fail(w, http.StatusUnprocessableEntity, "validation", "name is required")
			return
		}
		if in.Name != nil && hasLowControl(*in.Name) {
			failValidation(w, []string{"body", "name"}, lowControl)
			return
		}
		if in.UID != nil && uidProblem(*in.UID, "app_") != "" {
			failValidation(w, []string{"body", "uid"}, uidProblem(*in.UID, "app_"))
			return
		}
		if in.UID != nil && *in.UID != r.PathValue("app_id") {
			// A uid another application has (maybe of an earlier run).
			if other, err := a.app(r.Context(), *in.UID); err == nil && other.ID != app.ID {
				fail(w, http.StatusConflict, "conflict", "An application with this uid already exists")
				return
			} else if err != nil && !provider.IsNotFound(err) {
				a.bad(w, err)
				return
			}
		}
		// PUT replaces every field (one not given is cleared), PATCH
		// those given; in one store transaction, so parallel PATCHes of
		// different fields keep both.
		next, err := a.changeApp(r.Context(), app.ID, func(cur *App) error {
			if in.Name != nil {
				cur.Name = *in.Name
			}
			if in.UID != nil || !patch || clearUID {
				cur.UID = in.UID
			}
			if in.Metadata != nil || !patch {
				cur.Metadata = map[string]string{}
				if in.Metadata != nil {
					maps.Copy(cur.Metadata, *in.Metadata)
				}
			}
			if in.RateLimit != nil || !patch || clearRate {
				cur.RateLimit = in.RateLimit
			}
			cur.UpdatedAt = svixTime(a.s.NowUTC())
			return nil
		})
		if errors.Is(err, store.ErrKeyTaken) {
			fail(w, http.StatusConflict, "conflict", "An application with this uid already exists")
			return
		}
		if a.bad(w, err) {
			return
		}
		// The name and uid its endpoints keep (what an earlier hookctl
		// brought it back from).
		subs, err := a.endpointsOf(r.Context(), app, store.SubscriptionFilter{})
		if a.bad(w, err) {
			return
		}
		for _, sub := range subs {
			_, err := a.s.Loose.UpdateWith(r.Context(), sub.ID, subscription.UpdateInput{}, func(cur *store.Subscription) error {
				meta := maps.Clone(cur.Metadata)
				meta[metaAppName] = next.Name
				delete(meta, metaAppUID)
				if next.UID != nil {
					meta[metaAppUID] = *next.UID
				}
				cur.Metadata = meta
				return nil
			})
			if err != nil && !provider.IsNotFound(err) {
				a.bad(w, err)
				return
			}
		}
		provider.WriteJSON(w, http.StatusOK, next)
	}
}

// deleteApp deletes the application and its endpoints (their deliveries
// still pending are not sent); its messages stay in the store, as
// hookctl events, but are no longer the application's.
func (a *api) deleteApp(w http.ResponseWriter, r *http.Request) {
	app, ok := a.appOr404(w, r)
	if !ok {
		return
	}
	// A tombstone first: its uid is free at once, and neither this
	// server nor another finds it again, by its endpoints or messages.
	_, err := a.s.Store.ChangeObject(r.Context(), kindApp, app.ID, func(cur *store.Object) (*store.Object, error) {
		if cur == nil || cur.Deleted {
			return nil, &store.NotFoundError{Kind: "application", ID: app.ID}
		}
		return &store.Object{Data: cur.Data, CreatedAt: cur.CreatedAt, Deleted: true}, nil
	})
	if a.bad(w, err) {
		return
	}
	subs, err := a.endpointsOf(r.Context(), app, store.SubscriptionFilter{})
	if a.bad(w, err) {
		return
	}
	for _, sub := range subs {
		if _, err := a.s.Loose.Delete(r.Context(), sub.ID); err != nil && !provider.IsNotFound(err) {
			a.bad(w, err)
			return
		}
	}
	w.WriteHeader(http.StatusNoContent)
}

// ---- endpoints ----

// Endpoint is Svix's EndpointOut (no secret).
type Endpoint struct {
	ID          string   `json:"id"`
	URL         string   `json:"url"`
	Description string   `json:"description"`
	Version     int      `json:"version"`
	Disabled    bool     `json:"disabled"`
	FilterTypes []string `json:"filterTypes,omitempty"`
	Channels    []string `json:"channels,omitempty"`
	UID         *string  `json:"uid,omitempty"`
	RateLimit   *int     `json:"rateLimit,omitempty"`
	// ThrottleRate: Svix's current name for RateLimit, the same value.
	ThrottleRate *int              `json:"throttleRate,omitempty"`
	Metadata     map[string]string `json:"metadata"`
	CreatedAt    Time              `json:"createdAt"`
	UpdatedAt    Time              `json:"updatedAt"`
}

func render(s *store.Subscription) Endpoint {
	e := Endpoint{ID: s.Metadata[MetaID], URL: s.CallbackURL, Description: s.Description, Version: 1,
		Disabled: s.Status != store.StatusEnabled, Metadata: map[string]string{},
		CreatedAt: svixTime(s.CreatedAt), UpdatedAt: svixTime(s.UpdatedAt)}
	if v, err := strconv.Atoi(s.Metadata[metaVersion]); err == nil {
		e.Version = v
	}
	if s.Metadata[metaFilter] != "" {
		e.FilterTypes = s.Events
	}
	if c := s.Metadata[metaChan]; c != "" {
		e.Channels = strings.Split(c, ",")
	}
	if u := s.Metadata[MetaUID]; u != "" {
		e.UID = &u
	}
	if n, err := strconv.Atoi(s.Metadata[metaRate]); err == nil {
		e.RateLimit, e.ThrottleRate = &n, &n
	}
	for k, v := range s.Metadata {
		if strings.HasPrefix(k, metaPrefix) {
			e.Metadata[strings.TrimPrefix(k, metaPrefix)] = v
		}
	}
	return e
}

type endpointIn struct {
	URL         *string            `json:"url"`
	Description *string            `json:"description"`
	UID         *string            `json:"uid"`
	Version     *int               `json:"version"`
	Disabled    *bool              `json:"disabled"`
	FilterTypes *[]string          `json:"filterTypes"`
	Channels    *[]string          `json:"channels"`
	Metadata    *map[string]string `json:"metadata"`
	Secret      *string            `json:"secret"`
	Headers     *map[string]string `json:"headers"`
	RateLimit   *int               `json:"rateLimit"`
	// ThrottleRate is Svix's current name for RateLimit; validRateLimit
	// moves it there.
	ThrottleRate *int `json:"throttleRate"`
}

func (in endpointIn) apply(meta map[string]string) {
	if in.UID != nil {
		if *in.UID == "" {
			delete(meta, MetaUID)
		} else {
			meta[MetaUID] = *in.UID
		}
	}
	if in.Version != nil {
		meta[metaVersion] = strconv.Itoa(*in.Version)
	}
	if in.RateLimit != nil {
		if *in.RateLimit > 0 {
			meta[metaRate] = strconv.Itoa(*in.RateLimit)
		} else {
			delete(meta, metaRate)
		}
	}
	if in.FilterTypes != nil {
		if len(*in.FilterTypes) > 0 {
			meta[metaFilter] = "1"
		} else {
			delete(meta, metaFilter)
		}
	}
	if in.Channels != nil {
		if len(*in.Channels) > 0 {
			meta[metaChan] = strings.Join(*in.Channels, ",")
		} else {
			delete(meta, metaChan)
		}
	}
	if in.Metadata != nil {
		for k := range meta {
			if strings.HasPrefix(k, metaPrefix) {
				delete(meta, k)
			}
		}
		for k, v := range *in.Metadata {
			meta[metaPrefix+k] = v
		}
	}
}

// nullsIn reports which top-level fields of a JSON object body are null:
// in a PATCH a null clears the field, which decoding into pointers cannot
// tell from a field not sent.
func nullsIn(body []byte) func(field string) bool {
	var raw map[string]json.RawMessage
	json.Unmarshal(body, &raw)
	return func(k string) bool { v, ok := raw[k]; return ok && string(v) == "null" }
}

// lowControl: Svix refuses control characters 0x00-0x08 in names and
// descriptions (validate_no_control_characters).
const lowControl = "Control characters 0x00-0x08 not allowed."

func hasLowControl(s string) bool {
	return strings.ContainsFunc(s, func(r rune) bool { return r <= 8 })
}

// validEndpoint applies Svix's EndpointIn rules to fields as sent (before
// a PUT's defaults or a PATCH's nulls): a version, if given, is at least
// 1; a description has no control character 0x00-0x08; filterTypes, if
// given, names at least one event type; channels, if given, 1 to 10 valid
// channel names. It answers the 422 when one is broken.
func validEndpoint(w http.ResponseWriter, in endpointIn) bool {
	if in.Version != nil && *in.Version < 1 {
		failValidation(w, []string{"body", "version"}, "Endpoint versions must be at least one")
		return false
	}
	if in.Description != nil && hasLowControl(*in.Description) {
		failValidation(w, []string{"body", "description"}, lowControl)
		return false
	}
	if in.FilterTypes != nil && len(*in.FilterTypes) == 0 {
		failValidation(w, []string{"body", "filterTypes"}, "filterTypes can't be empty, it must have at least one item.")
		return false
	}
	if in.Metadata != nil {
		// Here, in the caller's own key: the store's check named the
		// key as hookctl keeps it ("svix_meta:k").
		keys := slices.Sorted(maps.Keys(*in.Metadata))
		for _, k := range keys {
			if !store.StorableText(k) || !store.StorableText((*in.Metadata)[k]) {
				shown := strings.ToValidUTF8(strings.ReplaceAll(k, "\x00", ""), "?")
				failValidation(w, []string{"body", "metadata", shown},
					fmt.Sprintf("metadata %q: keys and values cannot contain a NUL character (\\u0000) or bytes that are not UTF-8", shown))
				return false
			}
		}
	}
	if in.Channels == nil {
		return true
	}
	if n := len(*in.Channels); n < 1 || n > 10 {
		failValidation(w, []string{"body", "channels"}, "Channels must have at least 1 and at most 10 items, or be set to null.")
		return false
	}
	for _, c := range *in.Channels {
		if !validName(c, 128, ":") {
			failValidation(w, []string{"body", "channels"}, "a channel must be 1 to 128 characters: letters, digits, '-', '_', '.' or ':'")
			return false
		}
	}
	return true
}

func (in endpointIn) events() []string {
	if in.FilterTypes == nil || len(*in.FilterTypes) == 0 {
		return []string{"*"}
	}
	return *in.FilterTypes
}

// checkFilterTypes answers Svix's 422 when the endpoint's filterTypes
// name event types that are not declared (/api/v1/event-type; an
// archived one is not), as Svix's validate_event_types does on create,
// update and patch; it reports whether they are all declared.
func (a *api) checkFilterTypes(w http.ResponseWriter, r *http.Request, in endpointIn) bool {
	if in.FilterTypes == nil || len(*in.FilterTypes) == 0 {
		return true
	}
	ets, err := a.eventTypes(r.Context())
	if a.bad(w, err) {
		return false
	}
	declared := map[string]bool{}
	for _, et := range ets {
		declared[et.Name] = !et.Archived
	}
	var missing []string
	for _, t := range *in.FilterTypes {
		if !declared[t] && !slices.Contains(missing, t) {
			missing = append(missing, t)
		}
	}
	if len(missing) > 0 {
		failValidation(w, []string{"body", "filterTypes"}, "The following event types don't exist: "+strings.Join(missing, ", ")+
			" (declare them first: POST /api/v1/event-type)")
		return false
	}
	return true
}

// endpointsOf lists the application's endpoints (subscriptions with an
// ep_… id), oldest first; f adds metadata to match, a cursor or a limit.
func (a *api) endpointsOf(ctx context.Context, app *App, f store.SubscriptionFilter) ([]*store.Subscription, error) {
	meta := map[string]string{MetaApp: app.ID}
	for k, v := range f.Meta {
		meta[k] = v
	}
	f.Meta, f.MetaSet = meta, []string{MetaID}
	return a.s.Store.ListSubscriptions(ctx, f)
}

// endpoint resolves {endpoint_id} (id or uid) within the application: the
// oldest endpoint with that id, else the oldest with that uid.
func (a *api) endpoint(ctx context.Context, app *App, idOrUID string) (*store.Subscription, error) {
	if idOrUID == "" {
		return nil, &store.NotFoundError{Kind: "endpoint", ID: idOrUID}
	}
	for _, key := range []string{MetaID, MetaUID} {
		subs, err := a.endpointsOf(ctx, app, store.SubscriptionFilter{Meta: map[string]string{key: idOrUID}, Limit: 1})
		if err != nil {
			return nil, err
		}
		if len(subs) > 0 {
			return subs[0], nil
		}
	}
	return nil, &store.NotFoundError{Kind: "endpoint", ID: idOrUID}
}

// endpointOfAnyApp finds an endpoint by id, else by uid, in any
// application (the control API names a subscription without one): nil
// when none has it; a uid that several applications' endpoints have is
// ambiguous.
func (a *api) endpointOfAnyApp(ctx context.Context, idOrUID string) (*store.Subscription, error) {
	if idOrUID == "" {
		return nil, nil
	}
	for _, key := range []string{MetaID, MetaUID} {
		subs, err := a.s.Store.ListSubscriptions(ctx, store.SubscriptionFilter{Meta: map[string]string{key: idOrUID}, MetaSet: []string{MetaID}, Limit: 2})
		if err != nil {
			return nil, err
		}
		switch {
		case len(subs) > 1 && key == MetaUID:
			return nil, &subscription.InputError{Msg: fmt.Sprintf("endpoint uid %q is ambiguous: endpoints of several applications have it (%s, %s)",
				idOrUID, subs[0].Metadata[MetaID], subs[1].Metadata[MetaID]), Hint: []string{"name the endpoint by its id (ep_…)"}}
		case len(subs) > 0:
			return subs[0], nil
		}
	}
	return nil, nil
}

func (a *api) appEndpoint(w http.ResponseWriter, r *http.Request) (*App, *store.Subscription, bool) {
	app, ok := a.appOr404(w, r)
	if !ok {
		return nil, nil, false
	}
	sub, err := a.endpoint(r.Context(), app, r.PathValue("endpoint_id"))
	if a.bad(w, err) {
		return nil, nil, false
	}
	return app, sub, true
}

func headerList(h *map[string]string) []string {
	if h == nil {
		return nil
	}
	var out []string
	for k, v := range *h {
		out = append(out, k+": "+v)
	}
	return out
}

func (a *api) createEndpoint(w http.ResponseWriter, r *http.Request) {
	app, ok := a.appOr404(w, r)
	if !ok {
		return
	}
	var in endpointIn
	if !a.decodeText(w, r, &in, false) {
		return
	}
	if in.Headers != nil {
		store.DecodeHeaderMap(*in.Headers) // "\u0001base64:…" values are bytes (headerbytes.go)
	}
	if in.URL == nil || strings.TrimSpace(*in.URL) == "" {
		fail(w, http.StatusUnprocessableEntity, "validation", "url is required")
		return
	}
	if in.UID != nil && uidProblem(*in.UID, "ep_") != "" {
		failValidation(w, []string{"body", "uid"}, uidProblem(*in.UID, "ep_"))
		return
	}
	if !validRateLimit(w, &in.RateLimit, in.ThrottleRate) || !validEndpoint(w, in) || !a.checkFilterTypes(w, r, in) {
		return
	}
	if in.UID != nil {
		a.uidMu.Lock()
		defer a.uidMu.Unlock()
		if _, err := a.endpoint(r.Context(), app, *in.UID); err == nil {
			fail(w, http.StatusConflict, "conflict", "An endpoint with this uid already exists")
			return
		}
	}
	meta := map[string]string{MetaID: newID("ep_"), MetaApp: app.ID, metaAppName: app.Name, "created_by": "serve:svix"}
	if app.UID != nil {
		meta[metaAppUID] = *app.UID
	}
	in.apply(meta)
	// Provider standard: messages are standard events, and so are the only
	// catalog events `hookctl trigger` sends to it (with no provider the
	// endpoint got every Bond, Mambu or Stripe trigger as if the
	// application had sent it).
	// Signed as Svix signs by default: the Standard Webhooks signature
	// under svix-id, svix-timestamp and svix-signature (a receiver that
	// reads svix-id itself, as Svix's guides do, finds it).
	ci := subscription.CreateInput{URL: *in.URL, Events: in.events(), Provider: "standard", Scheme: "svix", Metadata: meta, Headers: headerList(in.Headers)}
	if in.Description != nil {
		ci.Description = *in.Description
	}
	if in.Secret != nil {
		if !validSecret(*in.Secret) {
			fail(w, http.StatusUnprocessableEntity, "validation", secretRule)
			return
		}
		ci.Secret = *in.Secret
	}
	ci.Disabled = in.Disabled != nil && *in.Disabled
	sub, err := a.s.Loose.Create(r.Context(), ci)
	if a.bad(w, err) {
		return
	}
	provider.WriteJSON(w, http.StatusCreated, render(sub))
}

// listPage is Svix's cursor page: iterator is the id of the last item,
// prevIterator (on the lists Svix gives one) "-" and the id of the first.
type listPage struct {
	Data         any     `json:"data"`
	Iterator     *string `json:"iterator"`
	PrevIterator *string `json:"prevIterator"`
	Done         bool    `json:"done"`
}

// iteratorOf reads the iterator query parameter as Svix does
// (ReversibleIterator): "-ID" asks for the page before ID (prev), "ID"
// the page after it; "-" alone is no iterator of any list (the lists
// refuse it), not a first page read backwards.
func iteratorOf(r *http.Request) (id string, prev bool) {
	it := r.URL.Query().Get("iterator")
	if rest, ok := strings.CutPrefix(it, "-"); ok && rest != "" {
		return rest, true
	}
	return it, false
}

// badIterator answers Svix's 422 at query.iterator for an iterator the
// list cannot read: not of the shape its pages give (want, e.g. "an ep_
// id"). An iterator is opaque and only ever one a page gave, so a
// malformed one is the caller's mistake, said so, rather than a page
// from the start or an empty one. The iterators of messages and
// attempts carry their place ("id~place"), which holds when the item is
// pruned or deleted since; one that is an id alone (as pages gave them
// before) and names nothing known still reads from the start, or from
// the place a deleted endpoint kept.
func badIterator(w http.ResponseWriter, it, want string) {
	failValidation(w, []string{"query", "iterator"}, fmt.Sprintf("iterator %q is not one this list gives (%s): pass a page's iterator or prevIterator", it, want))
}

// prevIteratorOf is a page's prevIterator: "-" and its first item's id
// (nil for an empty page), as Svix's list_response gives it.
func prevIteratorOf(firstID string, n int) *string {
	if n == 0 {
		return nil
	}
	p := "-" + firstID
	return &p
}

func limitOf(w http.ResponseWriter, r *http.Request, def, max int) (int, bool) {
	v := r.URL.Query().Get("limit")
	if v == "" {
		return def, true
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > max {
		fail(w, http.StatusUnprocessableEntity, "validation", fmt.Sprintf("limit must be between 1 and %d", max))
		return 0, false
	}
	return n, true
}

func (a *api) listEndpoints(w http.ResponseWriter, r *http.Request) {
	app, ok := a.appOr404(w, r)
	if !ok {
		return
	}
	limit, ok := limitOf(w, r, 50, 250)
	if !ok {
		return
	}
	// The page after the iterator's endpoint (after the place it stood
	// when it was deleted since; from the start when it is not one of the
	// application's), one more read to know if it is done.
	// order=descending (as the libraries' ListOptions.order sends it)
	// lists newest first; the default stays oldest first.
	f := store.SubscriptionFilter{Limit: limit + 1}
	switch o := r.URL.Query().Get("order"); o {
	case "", "ascending":
	case "descending":
		f.Newest = true
	default:
		fail(w, http.StatusUnprocessableEntity, "validation", "order must be ascending or descending")
		return
	}
	// "-id" (a prevIterator) reads the other way from id, and the page
	// is turned back to the list's order.
	it, prev := iteratorOf(r)
	if it != "" && !strings.HasPrefix(it, "ep_") {
		badIterator(w, r.URL.Query().Get("iterator"), "an ep_ id")
		return
	}
	if it != "" {
		c, err := a.endpointsOf(r.Context(), app, store.SubscriptionFilter{Meta: map[string]string{MetaID: it}, Limit: 1})
		if a.bad(w, err) {
			return
		}
		if len(c) == 0 {
			if place := a.endpointPlace(r.Context(), app.ID, it); place != nil {
				c = []*store.Subscription{place}
			}
		}
		if len(c) == 0 {
			// Another application's endpoint: its own place, as Svix
			// compares ids whoever's they are.
			c, err = a.s.Store.ListSubscriptions(r.Context(), store.SubscriptionFilter{Meta: map[string]string{MetaID: it}, Limit: 1})
			if a.bad(w, err) {
				return
			}
		}
		if at, ok := idPlace(it, "ep_"); len(c) == 0 && ok {
			// An id that names no endpoint: where it sorts among the ids,
			// as in Svix, which pages by comparing them (ksuid.go).
			c = []*store.Subscription{{CreatedAt: at}}
		}
		if len(c) == 0 {
			prev = false
		} else {
			if prev {
				f.Newest = !f.Newest
			}
			if f.Newest {
				f.OlderThan = c[0]
			} else {
				f.NewerThan = c[0]
			}
		}
	}
	subs, err := a.endpointsOf(r.Context(), app, f)
	if a.bad(w, err) {
		return
	}
	done := len(subs) <= limit
	subs = subs[:min(limit, len(subs))]
	if prev {
		slices.Reverse(subs)
	}
	var next *string
	data := []Endpoint{}
	for _, s := range subs {
		data = append(data, render(s))
	}
	if len(subs) > 0 {
		n := subs[len(subs)-1].Metadata[MetaID]
		next = &n
	}
	var first string
	if len(data) > 0 {
		first = data[0].ID
	}
	provider.WriteJSON(w, http.StatusOK, listPage{Data: data, Iterator: next, PrevIterator: prevIteratorOf(first, len(data)), Done: done})
}

func (a *api) getEndpoint(w http.ResponseWriter, r *http.Request) {
	if _, sub, ok := a.appEndpoint(w, r); ok {
		provider.WriteJSON(w, http.StatusOK, render(sub))
	}
}

func (a *api) updateEndpoint(patch bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		app, ok := a.appOr404(w, r)
		if !ok {
			return
		}
		sub, err := a.endpoint(r.Context(), app, r.PathValue("endpoint_id"))
		if !patch && provider.IsNotFound(err) {
			// PUT is Svix's "update or create": an endpoint it does not
			// find is created from the body (201).
			a.createEndpoint(w, r)
			return
		}
		if a.bad(w, err) {
			return
		}
		var in endpointIn
		body, err := provider.ReadBody(r)
		if err != nil {
			a.bad(w, err)
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		if !a.decode(w, r, &in, patch) || !validRateLimit(w, &in.RateLimit, in.ThrottleRate) || !validEndpoint(w, in) {
			return
		}
		if in.UID != nil && uidProblem(*in.UID, "ep_") != "" {
			// As sent: "uid": "" is no uid (1 to 256 characters), as at
			// create; a PATCH's null or a PUT without one removes it.
			failValidation(w, []string{"body", "uid"}, uidProblem(*in.UID, "ep_"))
			return
		}
		if patch {
			// A null in a PATCH clears the field, as in Svix (decoded, a
			// null was a field not sent: nothing changed).
			isNull := nullsIn(body)
			none, empty := []string{}, ""
			if isNull("filterTypes") {
				in.FilterTypes = &none
			}
			if isNull("channels") {
				in.Channels = &none
			}
			if isNull("uid") {
				in.UID = &empty
			}
			if isNull("rateLimit") || isNull("throttleRate") {
				zero := 0 // removes it
				in.RateLimit = &zero
			}
		}
		if !patch && (in.URL == nil || strings.TrimSpace(*in.URL) == "") {
			fail(w, http.StatusUnprocessableEntity, "validation", "url is required")
			return
		}
		if !patch {
			// A PUT replaces the endpoint (Svix's EndpointUpdate): a field
			// not given is cleared or back to its default, as if the
			// endpoint were created with this body. The secret and the
			// custom headers are not part of it and stay.
			empty, one, enabled, none, meta := "", 1, false, []string{}, map[string]string{}
			in.Description = cmp.Or(in.Description, &empty)
			in.UID = cmp.Or(in.UID, &empty) // "" removes the uid
			in.Version = cmp.Or(in.Version, &one)
			in.Disabled = cmp.Or(in.Disabled, &enabled)
			in.FilterTypes = cmp.Or(in.FilterTypes, &none)
			in.Channels = cmp.Or(in.Channels, &none)
			in.Metadata = cmp.Or(in.Metadata, &meta)
			zero := 0 // removes it
			in.RateLimit = cmp.Or(in.RateLimit, &zero)
		}
		if !a.checkFilterTypes(w, r, in) {
			return
		}
		if in.UID != nil && *in.UID != "" { // "" removes the uid
			if uidProblem(*in.UID, "ep_") != "" {
				failValidation(w, []string{"body", "uid"}, uidProblem(*in.UID, "ep_"))
				return
			}
			a.uidMu.Lock()
			defer a.uidMu.Unlock()
			if other, err := a.endpoint(r.Context(), app, *in.UID); err == nil && other.ID != sub.ID {
				fail(w, http.StatusConflict, "conflict", "An endpoint with this uid already exists")
				return
			}
		}
		var up subscription.UpdateInput
		up.URL = in.URL
		up.Description = in.Description
		if in.FilterTypes != nil {
			up.Events = in.events()
		}
		// One atomic change of the current row, so parallel PATCHes of
		// different fields never revert each other.
		sub, err = a.s.Loose.UpdateWith(r.Context(), sub.ID, up, func(cur *store.Subscription) error {
			meta := map[string]string{}
			for k, v := range cur.Metadata {
				meta[k] = v
			}
			in.apply(meta)
			if in.Disabled != nil {
				cur.Status = store.StatusEnabled
				if *in.Disabled {
					cur.Status = store.StatusDisabled
				}
			}
			cur.Metadata = meta
			return nil
		})
		if a.bad(w, err) {
			return
		}
		provider.WriteJSON(w, http.StatusOK, render(sub))
	}
}

func (a *api) deleteEndpoint(w http.ResponseWriter, r *http.Request) {
	app, sub, ok := a.appEndpoint(w, r)
	if !ok {
		return
	}
	if _, err := a.s.Loose.Delete(r.Context(), sub.ID); a.bad(w, err) {
		return
	}
	a.keepEndpointPlace(r.Context(), app.ID, sub)
	w.WriteHeader(http.StatusNoContent)
}

// sensitiveHeaders are left out of GET …/headers and named in its
// sensitive list, as Svix does.
var sensitiveHeaders = []string{"Authorization", "Proxy-Authorization"}

func (a *api) getHeaders(w http.ResponseWriter, r *http.Request) {
	_, sub, ok := a.appEndpoint(w, r)
	if !ok {
		return
	}
	out := struct {
		Headers   map[string]string `json:"headers"`
		Sensitive []string          `json:"sensitive"`
	}{map[string]string{}, []string{}}
	for k, v := range sub.Headers {
		if slices.Contains(sensitiveHeaders, http.CanonicalHeaderKey(k)) {
			out.Sensitive = append(out.Sensitive, k)
		} else {
			out.Headers[k] = v
		}
	}
	slices.Sort(out.Sensitive)
	// A value that is not UTF-8 as the rest of hookctl's JSON writes it
	// (headerbytes.go), not U+FFFD.
	out.Headers = store.EncodeHeaderMap(out.Headers)
	provider.WriteJSON(w, http.StatusOK, out)
}

// setHeaders replaces the endpoint's headers (PUT) or changes the ones
// given, those in deleteHeaders or with a null value removed (PATCH);
// 204 as Svix answers.
func (a *api) setHeaders(patch bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		_, sub, ok := a.appEndpoint(w, r)
		if !ok {
			return
		}
		var in struct {
			Headers       *map[string]*string `json:"headers"`
			DeleteHeaders []string            `json:"deleteHeaders"`
		}
		if !a.decodeText(w, r, &in, false) {
			return
		}
		if in.Headers == nil {
			fail(w, http.StatusUnprocessableEntity, "validation", "headers is required (an object of header names and values)")
			return
		}
		var items, remove []string
		if patch {
			for _, k := range in.DeleteHeaders {
				remove = append(remove, http.CanonicalHeaderKey(strings.TrimSpace(k)))
			}
		}
		for k, v := range *in.Headers {
			switch {
			case v != nil:
				// "\u0001base64:…" is the value's bytes (headerbytes.go).
				items = append(items, k+": "+store.DecodeHeaderMap(map[string]string{k: *v})[k])
			case !patch:
				fail(w, http.StatusUnprocessableEntity, "validation", "headers: the value of "+strconv.Quote(k)+" is null (a PATCH removes a header so; a PUT sends the ones to keep)")
				return
			default:
				remove = append(remove, http.CanonicalHeaderKey(strings.TrimSpace(k)))
			}
		}
		set, err := subscription.ParseHeaders(items)
		if a.bad(w, err) {
			return
		}
		_, err = a.s.Loose.UpdateWith(r.Context(), sub.ID, subscription.UpdateInput{}, func(cur *store.Subscription) error {
			h := map[string]string{}
			if patch {
				maps.Copy(h, cur.Headers)
			}
			for _, k := range remove {
				delete(h, k)
			}
			maps.Copy(h, set)
			cur.Headers = h
			return nil
		})
		if a.bad(w, err) {
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}
}

func (a *api) getSecret(w http.ResponseWriter, r *http.Request) {
	if _, sub, ok := a.appEndpoint(w, r); ok {
		provider.WriteJSON(w, http.StatusOK, map[string]string{"key": sub.Secret})
	}
}

// endpointStats is Svix's EndpointStats: the messages sent to the
// endpoint by the status of their latest delivery there, each message
// once (a resend while the message was in flight, or to an endpoint it
// had not gone to, made a second delivery of it), counted when its first
// delivery there was made in [since, until) when those are given. A
// delivery being sent right now is still pending here (sending: 0). The
// endpoint's deliveries are read a page at a time, oldest first.
func (a *api) endpointStats(w http.ResponseWriter, r *http.Request) {
	_, sub, ok := a.appEndpoint(w, r)
	if !ok {
		return
	}
	var since, until time.Time
	for name, at := range map[string]*time.Time{"since": &since, "until": &until} {
		if v := r.URL.Query().Get(name); v != "" {
			t, err := time.Parse(time.RFC3339Nano, v)
			if err != nil {
				// A query parameter here (recover/'s since is the body's).
				failValidation(w, []string{"query", name}, name+" must be an RFC 3339 time")
				return
			}
			*at = t
		}
	}
	type msgState struct {
		first  time.Time
		status string // the latest delivery's
	}
	msgs := map[string]*msgState{}
	const page = 500
	f := store.DeliveryFilter{SubscriptionID: sub.ID, Limit: page}
	for {
		ds, err := a.s.Store.ListDeliveries(r.Context(), f)
		if a.bad(w, err) {
			return
		}
		for _, d := range ds {
			if m := msgs[d.EventID]; m != nil {
				m.status = d.Status // oldest first: a later delivery
			} else {
				msgs[d.EventID] = &msgState{first: d.CreatedAt, status: d.Status}
			}
		}
		if len(ds) < page {
			break
		}
		f.AfterSeq = ds[len(ds)-1].Seq
	}
	n := map[string]int64{}
	for _, m := range msgs {
		if (!since.IsZero() && m.first.Before(since)) || (!until.IsZero() && !m.first.Before(until)) {
			continue
		}
		n[m.status]++
	}
	provider.WriteJSON(w, http.StatusOK, map[string]int64{
		"success": n[store.DeliverySucceeded], "pending": n[store.DeliveryPending], "sending": 0, "fail": n[store.DeliveryFailed], "canceled": 0})
}

func (a *api) rotateSecret(w http.ResponseWriter, r *http.Request) {
	_, sub, ok := a.appEndpoint(w, r)
	if !ok {
		return
	}
	var in struct {
		Key *string `json:"key"`
	}
	if !a.decode(w, r, &in, true) {
		return
	}
	key := ""
	if in.Key != nil {
		if key = *in.Key; !validSecret(key) {
			// The field is key here (secret on an endpoint).
			fail(w, http.StatusUnprocessableEntity, "validation", "key"+strings.TrimPrefix(secretRule, "secret"))
			return
		}
	}
	// Svix keeps signing with the old secret for 24 hours.
	if _, err := a.s.Loose.RotateSecret(r.Context(), sub.ID, subscription.DefaultGrace, key); a.bad(w, err) {
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// validEventType answers 422 unless name is a message's event type by
// Svix's rules for names (a NUL in one was a 500 on PostgreSQL).
func validEventType(w http.ResponseWriter, name string) bool {
	if strings.TrimSpace(name) == "" {
		fail(w, http.StatusUnprocessableEntity, "validation", "eventType is required")
		return false
	}
	if !validName(name, 256, "") {
		fail(w, http.StatusUnprocessableEntity, "validation", "eventType must be 1 to 256 characters: letters, digits, '-', '_' or '.'")
		return false
	}
	return true
}

func (a *api) recover(w http.ResponseWriter, r *http.Request) {
	_, sub, ok := a.appEndpoint(w, r)
	if !ok {
		return
	}
	since, until, ok := a.window(w, r)
	if !ok {
		return
	}
	ds, err := a.s.Store.ListDeliveries(r.Context(), store.DeliveryFilter{SubscriptionID: sub.ID, Status: store.DeliveryFailed, Since: since})
	if a.bad(w, err) {
		return
	}
	var ids, evIDs []string
	for _, d := range ds {
		if until != nil && d.CreatedAt.After(*until) {
			continue
		}
		// A message has failed for the endpoint when its latest delivery
		// there did (what the endpoint's message list shows): one resent
		// while in flight has a later delivery, and when that one
		// succeeded the message is not recovered again.
		latest, err := a.s.Store.ListDeliveries(r.Context(), store.DeliveryFilter{SubscriptionID: sub.ID, EventID: d.EventID, Newest: true, Limit: 1})
		if a.bad(w, err) {
			return
		}
		if len(latest) == 1 && latest[0].ID == d.ID {
			ids = append(ids, d.ID)
			evIDs = append(evIDs, d.EventID)
		}
	}
	// A message whose payload was expunged is not recovered (Svix's
	// worker drops it: there is nothing to send).
	events := map[string]*store.Event{}
	if err := store.LoadEvents(r.Context(), a.s.Store, evIDs, events); a.bad(w, err) {
		return
	}
	kept := ids[:0]
	for i, id := range ids {
		e := events[evIDs[i]]
		if e == nil {
			var err error
			if e, err = a.s.Store.GetEvent(r.Context(), evIDs[i]); err != nil && !provider.IsNotFound(err) {
				a.bad(w, err)
				return
			}
		}
		if e == nil || !expunged(e) {
			kept = append(kept, id)
		}
	}
	ids = kept
	if len(ids) > 0 {
		if _, err := a.s.Dispatch.Replay(r.Context(), ids, store.Requeue{}); a.bad(w, err) {
			return
		}
	}
	a.finishTask(w, r, "endpoint.recover", len(ids))
}

const uidRule = "uid must be 1 to 256 characters: letters, digits, '-', '_' or '.'"

// validUID applies Svix's rule for an application's or endpoint's uid
// (it is used in URL paths in place of the id).
func validUID(s string) bool { return validName(s, 256, "") }

// uidProblem is what is wrong with an application's (idPrefix "app_") or
// endpoint's ("ep_") uid, "" when nothing: Svix's rule, and no uid
// beginning as the ids do (svix-server's BaseUid: "Uids are not allowed
// to have the same prefix as the ID"), which serve took: an endpoint
// with uid "ep_x" answered to {endpoint_id} ep_x as if it were an id.
func uidProblem(s, idPrefix string) string {
	if !validUID(s) {
		return uidRule
	}
	if strings.HasPrefix(s, idPrefix) {
		return "Uids are not allowed to have the same prefix as the ID. Prefix with _?"
	}
	return ""
}

// validName: 1 to max characters, letters, digits, '-', '_', '.' and the
// extra ones given.
func validName(s string, max int, extra string) bool {
	if len(s) < 1 || len(s) > max {
		return false
	}
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.' || strings.ContainsRune(extra, c)) {
			return false
		}
	}
	return true
}

func isControl(r rune) bool { return r < 0x20 || r == 0x7f }

const secretRule = "secret must be whsec_ followed by the base64 of 24 to 75 random bytes"

// validSecret applies Svix's rule for a given secret.
func validSecret(s string) bool {
	b, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(s, "whsec_"))
	return err == nil && len(b) >= 24 && len(b) <= 75
}

// ---- messages ----

// Message is Svix's MessageOut.
type Message struct {
	ID        string          `json:"id"`
	EventID   *string         `json:"eventId,omitempty"`
	EventType string          `json:"eventType"`
	Payload   json.RawMessage `json:"payload"`
	Channels  []string        `json:"channels,omitempty"`
	DeliverAt *Time           `json:"deliverAt,omitempty"`
	Tags      []string        `json:"tags,omitempty"`
	Timestamp Time            `json:"timestamp"`
}

func renderMsg(e *store.Event, withContent bool) Message {
	m := Message{ID: e.ID, EventType: e.Type, Payload: json.RawMessage("{}"), Timestamp: svixTime(e.CreatedAt)}
	switch {
	case !withContent:
	case expunged(e):
		m.Payload = json.RawMessage(expiredPayload)
	case json.Valid(e.Payload):
		m.Payload = e.Payload
	}
	if v := first(e.Headers[hdrEventID]); v != "" {
		m.EventID = &v
	}
	if c := first(e.Headers[hdrChan]); c != "" {
		m.Channels = strings.Split(c, ",")
	}
	if c := first(e.Headers[hdrTags]); c != "" {
		m.Tags = strings.Split(c, ",")
	}
	if t, err := time.Parse(time.RFC3339Nano, first(e.Headers[hdrDeliverAt])); err == nil {
		m.DeliverAt = svixTimePtr(&t)
	}
	return m
}

func first(v []string) string {
	if len(v) == 0 {
		return ""
	}
	return v[0]
}

func (a *api) createMsg(w http.ResponseWriter, r *http.Request) {
	// The message is checked before its application is resolved: the
	// body's "application" is created only for a message that is sent
	// (a refused one, 422, created it all the same).
	body, err := provider.ReadBody(r)
	if a.bad(w, err) {
		return
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	var in struct {
		EventType string          `json:"eventType"`
		EventID   *string         `json:"eventId"`
		Payload   json.RawMessage `json:"payload"`
		Channels  []string        `json:"channels"`
		Tags      []string        `json:"tags"`
		DeliverAt *time.Time      `json:"deliverAt"`
	}
	if !a.decode(w, r, &in, false) {
		return
	}
	if !validEventType(w, in.EventType) {
		return
	}
	if !validMsgChannels(w, in.Channels) {
		return
	}
	if !validTags(w, in.Tags) {
		return
	}
	// deliverAt: Svix's rule, "at least one minute and no more than 24
	// hours in the future" (with a few seconds' slack for the time the
	// request took: now + 1 minute, computed by the client, passes).
	if in.DeliverAt != nil {
		now := a.s.NowUTC()
		if in.DeliverAt.Before(now.Add(time.Minute-deliverAtSlack)) || in.DeliverAt.After(now.Add(24*time.Hour)) {
			failValidation(w, []string{"body", "deliverAt"}, "deliverAt must be at least one minute and no more than 24 hours in the future")
			return
		}
	}
	// eventId: null or absent, or Svix's 1 to 256 characters (an empty
	// one is refused, not taken for none).
	if in.EventID != nil && (*in.EventID == "" || utf8.RuneCountInString(*in.EventID) > 256 || strings.ContainsFunc(*in.EventID, isControl)) {
		fail(w, http.StatusUnprocessableEntity, "validation", "eventId must be 1 to 256 characters, none of them a control character")
		return
	}
	if len(in.Payload) == 0 || in.Payload[0] != '{' {
		fail(w, http.StatusUnprocessableEntity, "validation", "payload must be a JSON object")
		return
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	app, ok := a.msgApp(w, r)
	if !ok {
		return
	}
	if in.EventID != nil {
		// An eventId is unique within the application: a second message
		// with it is Svix's 409 conflict, not sent (a retry that must get
		// the first answer back sends the same idempotency-key, as the
		// libraries do). The look-up and the publish are one step
		// (parallel sends made two messages).
		a.uidMu.Lock()
		defer a.uidMu.Unlock()
		// Only for a day, as Svix documents it ("verified to be unique
		// only up to a day, after that no verification will be made"):
		// the newest message with it, by its creation time.
		if prev, err := a.msgByEventID(r.Context(), app, *in.EventID); err == nil {
			if a.s.NowUTC().Sub(prev.CreatedAt) < eventIDWindow {
				fail(w, http.StatusConflict, "conflict", "A message with this eventId already exists")
				return
			}
		} else if !provider.IsNotFound(err) {
			a.bad(w, err)
			return
		}
	}
	id, created := a.newMsg()
	ev := &store.Event{ID: id, Type: in.EventType, Provider: "standard", Payload: in.Payload,
		ContentType: "application/json", Source: store.SourceTriggered,
		Headers:   map[string][]string{hdrApp: {app.ID}, hdrAppName: {app.Name}},
		CreatedAt: created}
	if app.UID != nil {
		ev.Headers[hdrAppUID] = []string{*app.UID}
	}
	if in.EventID != nil {
		ev.Headers[hdrEventID] = []string{*in.EventID}
	}
	if len(in.Channels) > 0 {
		ev.Headers[hdrChan] = []string{strings.Join(in.Channels, ",")}
	}
	if len(in.Tags) > 0 {
		ev.Headers[hdrTags] = []string{strings.Join(in.Tags, ",")}
	}
	var target service.Target
	if in.DeliverAt != nil {
		// The deliveries are due then (the worker claims them when they
		// are), as Svix sends the message then.
		at := in.DeliverAt.UTC()
		ev.Headers[hdrDeliverAt] = []string{at.Format(time.RFC3339Nano)}
		target.NotBefore = at
	}
	subs, err := a.endpointsOf(r.Context(), app, store.SubscriptionFilter{})
	if a.bad(w, err) {
		return
	}
	var targets []*store.Subscription
	for _, s := range subs {
		if matches(s, ev.Type, in.Channels) {
			targets = append(targets, s)
		}
	}
	if _, err := a.s.Dispatch.PublishTo(r.Context(), ev, targets, target); a.bad(w, err) {
		return
	}
	provider.WriteJSON(w, http.StatusAccepted, renderMsg(ev, r.URL.Query().Get("with_content") != "false"))
}

// deliverAtSlack is how much less than a minute ahead a deliverAt may be.
const deliverAtSlack = 5 * time.Second

// validTags applies Svix's rule for a message's tags: null, or up to 5
// distinct ones of 1 to 128 characters, each letters, digits, '-', '_',
// '.', '/', '\' or '#'.
func validTags(w http.ResponseWriter, tags []string) bool {
	if len(tags) > 5 {
		failValidation(w, []string{"body", "tags"}, "Tags must have at most 5 items, or be set to null.")
		return false
	}
	for i, t := range tags {
		if !validName(t, 128, `/\#`) {
			failValidation(w, []string{"body", "tags", strconv.Itoa(i)}, "a tag must be 1 to 128 characters: letters, digits, '-', '_', '.', '/', '\\' or '#'")
			return false
		}
		if slices.Contains(tags[:i], t) {
			failValidation(w, []string{"body", "tags"}, "Tags must be unique.")
			return false
		}
	}
	return true
}

// msgApp resolves a message's application: the path's, or, as in Svix,
// the body's "application" created when the path's uid names none (an
// app may send its first message so, without creating the application
// first; that was 404).
func (a *api) msgApp(w http.ResponseWriter, r *http.Request) (*App, bool) {
	id := r.PathValue("app_id")
	app, err := a.app(r.Context(), id)
	if err == nil || !provider.IsNotFound(err) {
		return app, !a.bad(w, err)
	}
	body, err := provider.ReadBody(r)
	if err != nil {
		return nil, !a.bad(w, err)
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	var in struct {
		Application *appIn `json:"application"`
	}
	if provider.UnmarshalExact(body, &in) != nil || in.Application == nil {
		notFound(w)
		return nil, false
	}
	switch {
	case in.Application.UID == nil:
		failValidation(w, []string{"body", "application", "uid"}, "Application UID not set in body")
		return nil, false
	case *in.Application.UID != id:
		failValidation(w, []string{"body", "application", "uid"}, "Application UID in the path and body must match")
		return nil, false
	}
	created := &answer{header: http.Header{}, status: http.StatusOK}
	if a.createAppFrom(created, r, *in.Application, true); created.failed(w) {
		return nil, false
	}
	app, err = a.app(r.Context(), id)
	return app, !a.bad(w, err)
}

// matches: the endpoint is enabled, its filterTypes (if any) name the
// type, and its channels (if any) share one with the message.
func matches(s *store.Subscription, eventType string, channels []string) bool {
	if s.Status != store.StatusEnabled {
		return false
	}
	ok := false
	for _, p := range s.Events {
		if catalog.Match(p, eventType) {
			ok = true
			break
		}
	}
	if !ok {
		return false
	}
	if c := s.Metadata[metaChan]; c != "" {
		for _, ch := range strings.Split(c, ",") {
			if slices.Contains(channels, ch) {
				return true
			}
		}
		return false
	}
	return true
}

// msgPage returns up to n of app's messages that lf keeps, newest first,
// older than the message iterator ("": from the newest), and whether
// more follow. The iterator is a place (see msgPlace); one that is only
// an id (pages gave those before) is read from that message, and from
// the newest when the store does not know it. The store selects by the
// application's indexed header, the types and the time bounds, and pages
// by its cursor; lf's exact rules (channels, an exclusive after) apply
// here, reading on while they leave the page short.
//
// With prev (a "-id" iterator), the page is the n messages just newer
// than the iterator's, still newest first, and more says whether newer
// ones follow.
func (a *api) msgPage(ctx context.Context, app *App, lf listFilter, iterator string, prev bool, n int) ([]*store.EventSummary, bool, error) {
	id, at := msgPlace(iterator)
	itTime, _ := msgIDTime(id)
	if at != nil {
		itTime = at.CreatedAt
	}
	lf.setWindow(a.s.NowUTC(), itTime, prev)
	f := store.EventFilter{Source: store.SourceTriggered, Header: map[string]string{hdrApp: app.ID}, Types: lf.types,
		Since: lf.since(), Until: lf.until()}
	if t, ok := msgIDTime(id); ok && at == nil {
		// A message id of newMsgID's carries its creation time, which
		// no other message of the application shares: the page is the
		// messages created before it (after it, for a prevIterator),
		// whether that message is still there or not, as Svix compares
		// ids.
		at = &store.EventCursor{CreatedAt: t}
		if prev {
			at.Seq = math.MaxInt64
		}
	}
	switch {
	case iterator == "" && lf.readsUp():
		// after alone: the messages just after it, as Svix reads them
		// (oldest first, turned back), paged on by the prevIterator.
		f.Oldest, prev = true, true
	case at != nil && prev:
		f.AfterAt, f.Oldest = at, true
	case at != nil:
		f.BeforeAt = at
	case prev && id != "":
		f.After, f.Oldest = id, true
	default:
		f.Before = id
	}
	evs, more, err := provider.EventPagePlaces(ctx, a.s.Store, f, n, lf.msgOK)
	if provider.IsNotFound(err) && id != "" && at == nil {
		f.Before, f.After, f.Oldest, prev = "", "", false, false
		evs, more, err = provider.EventPagePlaces(ctx, a.s.Store, f, n, lf.msgOK)
	}
	if prev {
		slices.Reverse(evs)
	}
	return evs, more, err
}

// A message list's iterator is the message's id and its place in the
// list, "ID~MICROS.SEQ" (its creation time in microseconds and the
// store's creation order): Svix's ids sort by time, so an iterator keeps
// its place when its message is pruned or deleted between pages; an id
// alone would start the list over.
func msgIteratorOf(e *store.EventSummary) string {
	if _, ok := msgIDTime(e.ID); ok {
		// Its id says its place (newMsgID): the iterator is the id, as
		// Svix's are.
		return e.ID
	}
	return e.ID + "~" + strconv.FormatInt(e.CreatedAt.UnixMicro(), 10) + "." + strconv.FormatInt(e.Seq, 10)
}

// minPlaceMicros is the earliest time an iterator's place may name (year
// 1): the stores cannot compare with much earlier ones (PostgreSQL's
// timestamps begin in 4713 BC), and no message or attempt is older.
var minPlaceMicros = time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC).UnixMicro()

// msgPlace splits a message iterator into the id and the place (nil when
// it is an id alone, or its place is not one msgIteratorOf writes).
func msgPlace(it string) (string, *store.EventCursor) {
	i := strings.LastIndexByte(it, '~')
	if i < 0 {
		return it, nil
	}
	us, seq, ok := strings.Cut(it[i+1:], ".")
	t, err1 := strconv.ParseInt(us, 10, 64)
	n, err2 := strconv.ParseInt(seq, 10, 64)
	if !ok || err1 != nil || err2 != nil || n < 1 || t < minPlaceMicros {
		return it, nil
	}
	return it[:i], &store.EventCursor{CreatedAt: time.UnixMicro(t).UTC(), Seq: n}
}

// msgIterator says whether it can be a message iterator of app's lists:
// empty, of a message id's shape, or the id of one of app's messages
// (a message stored with another id).
func (a *api) msgIterator(ctx context.Context, app *App, it string) (bool, error) {
	if strings.Contains(it, "~") {
		// A place msgIteratorOf wrote, of a message's id.
		var at *store.EventCursor
		if it, at = msgPlace(it); at == nil || it == "" {
			return false, nil
		}
	}
	if it == "" || strings.HasPrefix(it, "msg_") {
		return true, nil
	}
	e, err := a.s.Store.GetEvent(ctx, it)
	if provider.IsNotFound(err) {
		return false, nil
	}
	return err == nil && e.ID == it && first(e.Headers[hdrApp]) == app.ID, err
}

// eventIDWindow is how long a message's eventId is unique for.
const eventIDWindow = 24 * time.Hour

// msgByEventID is the application's newest message sent with this
// eventId.
func (a *api) msgByEventID(ctx context.Context, app *App, eventID string) (*store.Event, error) {
	evs, err := a.s.Store.ListEvents(ctx, store.EventFilter{Source: store.SourceTriggered,
		Header: map[string]string{hdrApp: app.ID, hdrEventID: eventID}, Limit: 1, NoCounts: true})
	if err != nil {
		return nil, err
	}
	if len(evs) == 0 {
		return nil, store.ErrNotFound
	}
	return &evs[0].Event, nil
}

// msg resolves {msg_id} (id or eventId) within the application.
func (a *api) msg(ctx context.Context, app *App, id string) (*store.Event, error) {
	e, err := a.s.Store.GetEvent(ctx, id)
	if err == nil && e.ID == id && first(e.Headers[hdrApp]) == app.ID {
		return e, nil
	}
	if err != nil && !provider.IsNotFound(err) {
		return nil, err
	}
	return a.msgByEventID(ctx, app, id)
}

func (a *api) listMsgs(w http.ResponseWriter, r *http.Request) {
	app, ok := a.appOr404(w, r)
	if !ok {
		return
	}
	limit, ok := limitOf(w, r, 50, 250)
	if !ok {
		return
	}
	lf, ok := parseListFilter(w, r)
	if !ok {
		return
	}
	it, prev := iteratorOf(r)
	if ok, err := a.msgIterator(r.Context(), app, it); a.bad(w, err) {
		return
	} else if !ok {
		badIterator(w, r.URL.Query().Get("iterator"), "a msg_ id")
		return
	}
	evs, more, err := a.msgPage(r.Context(), app, lf, it, prev, limit)
	if a.bad(w, err) {
		return
	}
	data := []Message{}
	for _, e := range evs {
		data = append(data, renderMsg(&e.Event, r.URL.Query().Get("with_content") != "false"))
	}
	var next, prevIt *string
	if len(evs) > 0 {
		n := msgIteratorOf(evs[len(evs)-1])
		next, prevIt = &n, prevIteratorOf(msgIteratorOf(evs[0]), len(evs))
	}
	done := !more
	provider.WriteJSON(w, http.StatusOK, listPage{Data: data, Iterator: next, PrevIterator: prevIt, Done: done})
}

func (a *api) getMsg(w http.ResponseWriter, r *http.Request) {
	app, ok := a.appOr404(w, r)
	if !ok {
		return
	}
	e, err := a.msg(r.Context(), app, r.PathValue("msg_id"))
	if a.bad(w, err) {
		return
	}
	provider.WriteJSON(w, http.StatusOK, renderMsg(e, r.URL.Query().Get("with_content") != "false"))
}

// ---- attempts ----

// Attempt is Svix's MessageAttemptOut.
type Attempt struct {
	ID                 string `json:"id"`
	URL                string `json:"url"`
	Response           string `json:"response"`
	ResponseStatusCode int    `json:"responseStatusCode"`
	ResponseDurationMs int64  `json:"responseDurationMs"`
	Status             int    `json:"status"`
	StatusText         string `json:"statusText"`
	TriggerType        int    `json:"triggerType"`
	Timestamp          Time   `json:"timestamp"`
	MsgID              string `json:"msgId"`
	EndpointID         string `json:"endpointId"`
	// Msg is the attempt's message, with with_msg=true (Svix's
	// MessageAttemptOut.msg).
	Msg *Message `json:"msg,omitempty"`
}

func renderAttempt(at *store.AttemptRow, endpointID string) Attempt {
	out := Attempt{ID: attemptIDOf(at.DeliveryID, at.DeliverySeq, at.Number, at.StartedAt), URL: at.RequestURL,
		Response: string(at.ResponseBody), ResponseStatusCode: at.ResponseStatus, ResponseDurationMs: at.Duration.Milliseconds(),
		Timestamp: svixTime(at.StartedAt), MsgID: at.EventID, EndpointID: endpointID}
	if at.Error == "" && at.ResponseStatus >= 200 && at.ResponseStatus < 300 {
		out.Status, out.StatusText = 0, "success"
	} else {
		out.Status, out.StatusText = 2, "fail"
		if out.Response == "" {
			out.Response = at.Error
		}
	}
	// triggerType: 0 scheduled (the first send, an automatic retry), 1
	// manual (a resend, a recover, any replay).
	if at.Manual {
		out.TriggerType = 1
	}
	return out
}

// An attempt list's iterator is the attempt's id, as Svix's is: the id
// says the attempt's place in the list (attemptIDOf), so the iterator
// keeps it when its attempt is pruned between pages.
func attemptIteratorOf(row *store.AttemptRow) string {
	return attemptIDOf(row.DeliveryID, row.DeliverySeq, row.Number, row.StartedAt)
}

// attemptPlace splits an attempt iterator into the id and its place (nil
// for an old id alone, as pages gave them before); ok is false for a
// place attemptIteratorOf never wrote.
func attemptPlace(it string) (id string, at *store.AttemptCursor, ok bool) {
	if c, ok := attemptIDPlace(it); ok {
		return it, &c, true
	}
	i := strings.LastIndexByte(it, '~')
	if i < 0 {
		return it, nil, true
	}
	id = it[:i]
	k, isID := attemptKey(id)
	us, seq, cut := strings.Cut(it[i+1:], ".")
	t, err1 := strconv.ParseInt(us, 10, 64)
	n, err2 := strconv.ParseInt(seq, 10, 64)
	if !isID || !cut || err1 != nil || err2 != nil || n < 1 || t < minPlaceMicros {
		return id, nil, false
	}
	return id, &store.AttemptCursor{StartedAt: time.UnixMicro(t).UTC(), DeliverySeq: n, Number: k.Number}, true
}

// attemptKey reads an id serve gave attempts before they were KSUIDs
// (attemptIDOf) back: atmpt_, the delivery's UUID without dashes, _ and
// the number (false when it is not one); such ids, and "ID~MICROS.SEQ"
// iterators of them, are still read.
func attemptKey(id string) (store.AttemptKey, bool) {
	rest, ok := strings.CutPrefix(id, "atmpt_")
	h, num, ok2 := strings.Cut(rest, "_")
	n, err := strconv.Atoi(num)
	if !ok || !ok2 || err != nil || n < 1 || len(h) != 32 || strings.Trim(h, "0123456789abcdef") != "" {
		return store.AttemptKey{}, false
	}
	return store.AttemptKey{DeliveryID: h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:], Number: n}, true
}

// writeAttempts answers a page of the attempts f selects that lf keeps,
// newest first, after the attempt the iterator names (from the newest
// when there is none, or the store does not know it). The store selects
// by endpoint or message and pages; lf's rules apply here, reading on
// while they leave the page short.
func (a *api) writeAttempts(w http.ResponseWriter, r *http.Request, f store.AttemptFilter, endpointOf func(row *store.AttemptRow) (string, error), lf listFilter) {
	limit, ok := limitOf(w, r, 50, 250)
	if !ok {
		return
	}
	// "-id" (a prevIterator) reads the newer attempts just before id,
	// nearest first, and the page is turned back to newest first.
	it, prev := iteratorOf(r)
	it, at, placeOK := attemptPlace(it)
	if _, ok := attemptKey(it); it != "" && (!ok && at == nil || !placeOK) {
		badIterator(w, r.URL.Query().Get("iterator"), "an atmpt_ id and its place")
		return
	}
	var itTime time.Time
	if at != nil {
		itTime = at.StartedAt
	}
	lf.setWindow(a.s.NowUTC(), itTime, prev)
	if it == "" && lf.readsUp() {
		// after alone: the attempts just after it (see readsUp).
		f.AfterAt, prev = &store.AttemptCursor{StartedAt: lf.after}, true
	}
	if k, ok := attemptKey(it); ok || at != nil {
		switch {
		case at != nil && prev:
			f.AfterAt = at
		case at != nil:
			f.BeforeAt = at
		case prev:
			f.After = &k
		default:
			f.Before = &k
		}
	} else if f.AfterAt == nil {
		prev = false
	}
	ctx := r.Context()
	events := map[string]*store.Event{}
	data := []Attempt{}
	var its []string // data's iterators (attemptIteratorOf)
	more, batch, first := false, 0, true
	if lf.filtersAttempts() {
		batch = 64 // grows while the filters turn rows away
	}
	// past: the rows have left Svix's default window (they come in time
	// order), so no later one is in it.
	past := func(row *store.AttemptRow) bool {
		if prev {
			return !lf.winBefore.IsZero() && !row.StartedAt.Before(lf.winBefore)
		}
		return row.StartedAt.Before(lf.winAfter)
	}
	for !more {
		f.Limit = max(limit+1-len(data), batch)
		batch = min(batch*4, 4096)
		rows, err := a.s.Store.ListAttemptRows(ctx, f)
		if first && (f.Before != nil || f.After != nil) && provider.IsNotFound(err) {
			f.Before, f.After, prev = nil, nil, false
			rows, err = a.s.Store.ListAttemptRows(ctx, f)
		}
		first = false
		if a.bad(w, err) {
			return
		}
		if lf.loadsEvent() {
			// The rows' events in one read, not one per event.
			ids := make([]string, len(rows))
			for i, row := range rows {
				ids[i] = row.EventID
			}
			if a.bad(w, store.LoadEvents(ctx, a.s.Store, ids, events)) {
				return
			}
		}
		out := false
		for _, row := range rows {
			if out = past(row); out {
				break
			}
			ev, seen := events[row.EventID]
			if !seen && lf.loadsEvent() {
				if ev, err = a.s.Store.GetEvent(ctx, row.EventID); err != nil && !provider.IsNotFound(err) {
					a.bad(w, err)
					return
				}
				events[row.EventID] = ev
			}
			ep, err := endpointOf(row)
			if a.bad(w, err) {
				return
			}
			if at := renderAttempt(row, ep); lf.attemptOK(at, ev) {
				if len(data) == limit {
					more = true
					break
				}
				if lf.withMsg && ev != nil {
					m := renderMsg(ev, lf.withContent)
					at.Msg = &m
				}
				data = append(data, at)
				its = append(its, attemptIteratorOf(row))
			}
		}
		if out || len(rows) < f.Limit {
			break
		}
		// On from the last row's place (it may be pruned meanwhile).
		last := rows[len(rows)-1]
		at := &store.AttemptCursor{StartedAt: last.StartedAt, DeliverySeq: last.DeliverySeq, Number: last.Number}
		if prev {
			f.After, f.AfterAt = nil, at
		} else {
			f.Before, f.BeforeAt = nil, at
		}
	}
	if prev {
		slices.Reverse(data)
		slices.Reverse(its)
	}
	var next, prevIt *string
	if len(data) > 0 {
		next, prevIt = &its[len(its)-1], prevIteratorOf(its[0], len(its))
	}
	provider.WriteJSON(w, http.StatusOK, listPage{Data: data, Iterator: next, PrevIterator: prevIt, Done: !more})
}

func (a *api) attemptsByMsg(w http.ResponseWriter, r *http.Request) {
	app, ok := a.appOr404(w, r)
	if !ok {
		return
	}
	e, err := a.msg(r.Context(), app, r.PathValue("msg_id"))
	if a.bad(w, err) {
		return
	}
	subs, err := a.endpointsOf(r.Context(), app, store.SubscriptionFilter{})
	if a.bad(w, err) {
		return
	}
	// An attempt's endpoint: one of the application's, or one deleted
	// since (its deliveries keep the subscription's id, and its record
	// the ep_ id), as Svix's attempts keep their endpointId.
	gone := map[string]string{}    // deleted subscription id → its ep_ id
	goneSub := map[string]string{} // delivery id → its deleted subscription's id
	epOf := func(row *store.AttemptRow) (string, error) {
		if row.SubscriptionID != "" {
			for _, s := range subs {
				if s.ID == row.SubscriptionID {
					return s.Metadata[MetaID], nil
				}
			}
			return "", nil
		}
		subID, ok := goneSub[row.DeliveryID]
		if !ok {
			d, err := a.s.Store.GetDelivery(r.Context(), row.DeliveryID)
			if err != nil && !provider.IsNotFound(err) {
				return "", err
			}
			if d != nil && d.ID == row.DeliveryID {
				subID = d.DeletedSubscriptionID
			}
			goneSub[row.DeliveryID] = subID
		}
		if ep, ok := gone[subID]; ok || subID == "" {
			return ep, nil
		}
		ep, err := a.goneEndpointID(r.Context(), app.ID, subID)
		if err == nil {
			gone[subID] = ep
		}
		return ep, err
	}
	lf, ok := parseListFilter(w, r)
	if !ok {
		return
	}
	if id := r.URL.Query().Get("endpoint_id"); id != "" {
		// An id or uid of the application's endpoints.
		lf.endpoint = id
		if sub, err := a.endpoint(r.Context(), app, id); err == nil {
			lf.endpoint = sub.Metadata[MetaID]
		}
	}
	a.writeAttempts(w, r, store.AttemptFilter{EventID: e.ID}, epOf, lf)
}

func (a *api) attemptsByEndpoint(w http.ResponseWriter, r *http.Request) {
	_, sub, ok := a.appEndpoint(w, r)
	if !ok {
		return
	}
	ep := sub.Metadata[MetaID]
	lf, ok := parseListFilter(w, r)
	if !ok {
		return
	}
	a.writeAttempts(w, r, store.AttemptFilter{SubscriptionID: sub.ID}, func(*store.AttemptRow) (string, error) { return ep, nil }, lf)
}

// getAttempt answers one attempt of a message (GET
// …/msg/{msg_id}/attempt/{attempt_id}, the libraries' MessageAttempt.get):
// the attempt an attempt list named by its atmpt_ id, 404 when it is not
// one of that message's (of that application's).
func (a *api) getAttempt(w http.ResponseWriter, r *http.Request) {
	app, ok := a.appOr404(w, r)
	if !ok {
		return
	}
	ctx := r.Context()
	e, err := a.msg(ctx, app, r.PathValue("msg_id"))
	if a.bad(w, err) {
		return
	}
	k, ok, err := a.attemptOf(ctx, e, r.PathValue("attempt_id"))
	if a.bad(w, err) {
		return
	}
	if !ok {
		notFound(w)
		return
	}
	d, err := a.s.Store.GetDelivery(ctx, k.DeliveryID)
	if err == nil && (d.ID != k.DeliveryID || d.EventID != e.ID) {
		err = &store.NotFoundError{Kind: "attempt", ID: r.PathValue("attempt_id")}
	}
	if a.bad(w, err) {
		return
	}
	atts, err := a.s.Store.ListAttempts(ctx, d.ID)
	if a.bad(w, err) {
		return
	}
	i := slices.IndexFunc(atts, func(at *store.Attempt) bool { return at.Number == k.Number })
	if i < 0 {
		notFound(w)
		return
	}
	// Its endpoint's ep_ id, also once the endpoint was deleted (as in
	// the lists).
	ep := ""
	if d.SubscriptionID == "" {
		if ep, err = a.goneEndpointID(ctx, app.ID, d.DeletedSubscriptionID); a.bad(w, err) {
			return
		}
	} else {
		sub, err := a.s.Store.GetSubscription(ctx, d.SubscriptionID)
		if err != nil && !provider.IsNotFound(err) {
			a.bad(w, err)
			return
		}
		if sub != nil && sub.ID == d.SubscriptionID && sub.Metadata[MetaApp] == app.ID {
			ep = sub.Metadata[MetaID]
		}
	}
	at := *atts[i]
	at.DeliverySeq = d.Seq
	provider.WriteJSON(w, http.StatusOK, renderAttempt(&store.AttemptRow{Attempt: at, EventID: d.EventID, SubscriptionID: d.SubscriptionID}, ep))
}

// attemptOf resolves an attempt id of message e (attemptIDOf's, or an
// old one) to its delivery and number; false when it names none of e's
// attempts (an old id's delivery is the caller's to check).
func (a *api) attemptOf(ctx context.Context, e *store.Event, id string) (store.AttemptKey, bool, error) {
	if k, ok := attemptKey(id); ok {
		return k, true, nil
	}
	c, ok := attemptIDPlace(id)
	if !ok {
		return store.AttemptKey{}, false, nil
	}
	// The attempt at that place: the first after the place just before.
	c.Number--
	rows, err := a.s.Store.ListAttemptRows(ctx, store.AttemptFilter{EventID: e.ID, AfterAt: &c, Limit: 1})
	if err != nil || len(rows) == 0 || attemptIteratorOf(rows[0]) != id {
		return store.AttemptKey{}, false, err
	}
	return store.AttemptKey{DeliveryID: rows[0].DeliveryID, Number: rows[0].Number}, true, nil
}

func (a *api) resend(w http.ResponseWriter, r *http.Request) {
	app, sub, ok := a.appEndpoint(w, r)
	if !ok {
		return
	}
	e, err := a.msg(r.Context(), app, r.PathValue("msg_id"))
	if a.bad(w, err) {
		return
	}
	if expunged(e) {
		missingPayload(w)
		return
	}
	ds, err := a.s.Store.ListDeliveries(r.Context(), store.DeliveryFilter{EventID: e.ID, SubscriptionID: sub.ID})
	if a.bad(w, err) {
		return
	}
	var requeued []string
	if len(ds) > 0 {
		// To the endpoint's URL now: a resend goes where the endpoint
		// is, even when the delivery succeeded before it moved.
		requeued, err = a.s.Dispatch.Replay(r.Context(), []string{ds[len(ds)-1].ID}, store.Requeue{Force: true, URL: sub.CallbackURL})
	}
	if err == nil && len(requeued) == 0 {
		// The endpoint did not exist (or did not match) when the message
		// was sent, or its delivery is in flight right now (answered,
		// its record not yet written; a requeue leaves it to its
		// sender): a fresh delivery of the stored bytes, so the resend
		// Svix answered 202 for is sent.
		_, err = a.s.Dispatch.PublishTo(r.Context(), e, []*store.Subscription{sub}, service.Target{Manual: true})
	}
	if a.bad(w, err) {
		return
	}
	provider.WriteJSON(w, http.StatusAccepted, struct{}{})
}

// listFilter is what the message and attempt lists filter by, from the
// query as the official libraries send it (arrays comma-joined:
// event_types=a,b).
type listFilter struct {
	types         []string
	channel       string
	tag           string
	before, after time.Time
	status        int // -1: any; 0 success, 1 pending, 2 fail, 3 sending, 4 canceled
	codeClass     int // -1: any; 0 no response, 100, 200, 300, 400, 500
	endpoint      string
	// withMsg: an attempt list answers each attempt's message (msg) too,
	// with its payload unless withContent is false (with_msg=true,
	// with_content=false).
	withMsg, withContent bool
	// winAfter and winBefore are Svix's default window (setWindow): the
	// list keeps items created at or after winAfter and before
	// winBefore (zero: no bound).
	winAfter, winBefore time.Time
}

// listWindow is how far Svix's time-limited lists (messages, attempts,
// an endpoint's messages) read by default: "by default this endpoint is
// limited to retrieving 90 days' worth of data relative to now or, if an
// iterator is provided, 90 days before/after the time indicated by the
// iterator ID. If you require data beyond those time ranges, you will
// need to explicitly set the before or after parameter" (the API's
// documentation of these lists, in every official library).
const listWindow = 90 * 24 * time.Hour

// setWindow applies listWindow when neither before nor after is given:
// the 90 days up to now (at zero: no iterator, or one whose time is not
// known), else before the iterator's time at, or after it for a
// prevIterator (prev). before or after given, they alone bound the list.
func (lf *listFilter) setWindow(now, at time.Time, prev bool) {
	if !lf.before.IsZero() || !lf.after.IsZero() {
		return
	}
	switch {
	case at.IsZero():
		lf.winAfter = now.Add(-listWindow)
	case prev:
		lf.winBefore = at.Add(listWindow)
	default:
		lf.winAfter = at.Add(-listWindow)
	}
}

// since is the earliest creation time the list keeps (zero: any), to
// select by in the store (inclusive; after's exclusivity is timeOK's).
func (lf listFilter) since() time.Time {
	if lf.winAfter.After(lf.after) {
		return lf.winAfter
	}
	return lf.after
}

// until is the creation time the list keeps items before (zero: any).
func (lf listFilter) until() time.Time {
	if lf.before.IsZero() || (!lf.winBefore.IsZero() && lf.winBefore.Before(lf.before)) {
		return lf.winBefore
	}
	return lf.before
}

func parseListFilter(w http.ResponseWriter, r *http.Request) (listFilter, bool) {
	q := r.URL.Query()
	lf := listFilter{channel: q.Get("channel"), tag: q.Get("tag"), status: -1, codeClass: -1,
		withMsg: q.Get("with_msg") == "true", withContent: q.Get("with_content") != "false"}
	if lf.tag != "" && !validName(lf.tag, 128, `/\#`) {
		failValidation(w, []string{"query", "tag"}, "tag must be 1 to 128 characters: letters, digits, '-', '_', '.', '/', '\\' or '#'")
		return lf, false
	}
	for _, v := range q["event_types"] {
		for t := range strings.SplitSeq(v, ",") {
			if t = strings.TrimSpace(t); t != "" {
				lf.types = append(lf.types, t)
			}
		}
	}
	for name, at := range map[string]*time.Time{"before": &lf.before, "after": &lf.after} {
		if v := q.Get(name); v != "" {
			t, err := time.Parse(time.RFC3339Nano, v)
			if err != nil {
				fail(w, http.StatusUnprocessableEntity, "validation", name+" must be an RFC 3339 time")
				return lf, false
			}
			*at = t
		}
	}
	for name, spec := range map[string]struct {
		to    *int
		valid []int
	}{"status": {&lf.status, []int{0, 1, 2, 3, 4}}, "status_code_class": {&lf.codeClass, []int{0, 100, 200, 300, 400, 500}}} {
		if v := q.Get(name); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || !slices.Contains(spec.valid, n) {
				fail(w, http.StatusUnprocessableEntity, "validation", fmt.Sprintf("%s must be one of %v", name, spec.valid))
				return lf, false
			}
			*spec.to = n
		}
	}
	return lf, true
}

// readsUp says whether a list with no iterator reads up from after
// rather than down from the newest: after without before, as Svix's
// time-limited lists do (filter_and_paginate_time_limited). The page is
// the limit items just after that time, newest first, its prevIterator
// leads on to newer ones, and done says none is newer.
func (lf listFilter) readsUp() bool { return !lf.after.IsZero() && lf.before.IsZero() }

func (lf listFilter) timeOK(t time.Time) bool {
	return (lf.before.IsZero() || t.Before(lf.before)) && (lf.after.IsZero() || t.After(lf.after)) &&
		!t.Before(lf.winAfter) && (lf.winBefore.IsZero() || t.Before(lf.winBefore))
}

// eventOK: the message's type is one of types, channel one of its
// channels and tag one of its tags.
func (lf listFilter) eventOK(e *store.Event) bool {
	if e == nil {
		return len(lf.types) == 0 && lf.channel == "" && lf.tag == ""
	}
	if len(lf.types) > 0 && !slices.Contains(lf.types, e.Type) {
		return false
	}
	if lf.tag != "" && !slices.Contains(strings.Split(first(e.Headers[hdrTags]), ","), lf.tag) {
		return false
	}
	return lf.channel == "" || slices.Contains(strings.Split(first(e.Headers[hdrChan]), ","), lf.channel)
}

func (lf listFilter) msgOK(e *store.Event) bool { return lf.eventOK(e) && lf.timeOK(e.CreatedAt) }

func (lf listFilter) needsEvent() bool { return len(lf.types) > 0 || lf.channel != "" || lf.tag != "" }

// loadsEvent: an attempt list reads its attempts' messages, to filter
// them (needsEvent) or to answer them (withMsg).
func (lf listFilter) loadsEvent() bool { return lf.needsEvent() || lf.withMsg }

// filtersAttempts: some attempts may be left out (a page may need more
// rows than it shows).
func (lf listFilter) filtersAttempts() bool {
	// (Svix's default window does not: the rows come in time order, and
	// the first past it ends the list.)
	return lf.needsEvent() || lf.status >= 0 || lf.codeClass >= 0 || lf.endpoint != "" || !lf.before.IsZero() || !lf.after.IsZero()
}

func (lf listFilter) attemptOK(at Attempt, e *store.Event) bool {
	if lf.status >= 0 && at.Status != lf.status {
		return false
	}
	if lf.codeClass >= 0 && at.ResponseStatusCode/100*100 != lf.codeClass {
		return false
	}
	if lf.endpoint != "" && at.EndpointID != lf.endpoint {
		return false
	}
	return lf.timeOK(at.Timestamp.Time) && (!lf.needsEvent() || lf.eventOK(e))
}

// validMsgChannels refuses a message's channels unless null, or 1 to 5
// valid names (Svix's MessageIn rule; an endpoint may have 10): message
// create and precheck read them alike.
func validMsgChannels(w http.ResponseWriter, channels []string) bool {
	if n := len(channels); channels != nil && (n < 1 || n > 5) {
		failValidation(w, []string{"body", "channels"}, "Channels must have at least 1 and at most 5 items, or be set to null.")
		return false
	}
	for _, c := range channels {
		if !validName(c, 128, ":") {
			fail(w, http.StatusUnprocessableEntity, "validation", "a channel must be 1 to 128 characters: letters, digits, '-', '_', '.' or ':'")
			return false
		}
	}
	return true
}
