// Package dump is the file `hookctl store export` writes and `hookctl
// store import` reads: JSON lines, a header line first, then one record a
// line (subscriptions, objects, events, deliveries, attempts).
//
// Version 2 (this one) names fields as hookctl's `-o json` output does
// (snake_case: webhook_id, callback_url, date_created, event_id, …) and
// leaves out every empty value: "", 0, false, a zero time, an empty list or
// map (absent reads as empty). Bodies (an event's payload, an object's
// data, a response body) are kept byte for byte, each under one of three
// names: payload (the JSON itself, when the bytes are compact JSON the
// file can hold as they are), payload_text (a JSON string, when they are
// other UTF-8 text) or payload_base64 (anything else: binary, invalid
// UTF-8); data_… and body_… likewise. The header names and values of
// subscriptions, events, deliveries and attempts that are not UTF-8 (a
// received request's obs-text, a --header's) are written as the stores
// keep them: "\u0001base64:" and their bytes in base64
// (store.HeaderBytesPrefix), and so is any other text of a record that is
// not UTF-8 (an event's id, type or Content-Type as listen received them,
// which SQLite keeps byte for byte); everything else as it is.
//
// Version 1 is what hookctl wrote before: no header, Go's field names
// (ID, CallbackURL, …), zero times as 0001-01-01T00:00:00Z, bodies as
// base64. Reader reads both, and a file of several exports put together.
package dump

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/hookctl/hookctl/internal/store"
)

// Version is the format Writer writes; Reader reads it and version 1.
const Version = 2

// Header is the first line of a dump: {"hookctl_dump":{…}}.
type Header struct {
	Version    int       `json:"version"`
	ExportedAt time.Time `json:"exported_at"`
	// Store is the backend exported: sqlite or postgres ("" unknown).
	Store string `json:"store,omitempty"`
}

type headerLine struct {
	Dump *Header `json:"hookctl_dump"`
}

// Backend names the backend of s for a Header ("" when it does not say).
func Backend(s any) string {
	if b, ok := s.(interface{ Backend() string }); ok {
		return b.Backend()
	}
	return ""
}

// Writer writes a dump.
type Writer struct {
	enc *json.Encoder
}

// NewWriter writes h's line (Version set) to w and returns a Writer of
// records after it.
func NewWriter(w io.Writer, h Header) (*Writer, error) {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	h.Version = Version
	h.ExportedAt = h.ExportedAt.UTC()
	if err := enc.Encode(headerLine{&h}); err != nil {
		return nil, err
	}
	return &Writer{enc: enc}, nil
}

// Write writes one record as a line.
func (w *Writer) Write(r store.Record) error { return w.enc.Encode(toLine(r)) }

// Marshal is r's line as Writer writes it, without the newline.
func Marshal(r store.Record) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(toLine(r)); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}

// FormatError is a dump whose header names a format this hookctl does
// not read (a newer hookctl wrote it), or is not a valid header.
type FormatError struct {
	Version int
	// Bad says what is wrong with a header line that names no version
	// (a hand-edited "version":"2"); Version is then 0.
	Bad string
}

func (e *FormatError) Error() string {
	if e.Bad != "" {
		return "the file's header line is not valid: " + e.Bad
	}
	if e.Version > Version {
		return fmt.Sprintf("the file is a dump of format version %d; this hookctl reads versions 1 to %d", e.Version, Version)
	}
	return fmt.Sprintf("the file's header names format version %d; hookctl wrote versions 1 to %d", e.Version, Version)
}

// RecordError is a line that is JSON but not a record of its format (a
// value of the wrong type, an unknown field in a version 2 record).
type RecordError struct {
	Err error
	// Type is set when a value had the wrong type.
	Type *json.UnmarshalTypeError
}

func (e *RecordError) Error() string { return e.Err.Error() }
func (e *RecordError) Unwrap() error { return e.Err }

// Reader reads the records of a dump, of either version, or of several
// dumps put together (each header sets the format of the lines after it;
// lines before any header are version 1).
type Reader struct {
	dec     *json.Decoder
	version int
	// Headers counts the header lines read.
	Headers int
}

// NewReader reads the dump in r.
func NewReader(r io.Reader) *Reader {
	return &Reader{dec: json.NewDecoder(r), version: 1}
}

// Version is the format of the lines being read: 1 until a version 2
// header.
func (r *Reader) Version() int { return r.version }

// Next returns the next record. At the end it returns io.EOF; a file
// that ends in the middle of a value, io.ErrUnexpectedEOF; a line that is
// not JSON, the decoder's *json.SyntaxError; one that is JSON but not a
// record, a *RecordError; a header of an unknown version, a
// *FormatError.
func (r *Reader) Next() (store.Record, error) {
	for {
		var raw json.RawMessage
		if err := r.dec.Decode(&raw); err != nil {
			return store.Record{}, err
		}
		if h, ok, err := header(raw); err != nil {
			return store.Record{}, err
		} else if ok {
			r.Headers++
			r.version = h.Version
			continue
		}
		return r.record(raw)
	}
}

// header reports whether raw is a header line, and checks its version.
func header(raw json.RawMessage) (Header, bool, error) {
	if !bytes.Contains(raw, []byte(`"hookctl_dump"`)) {
		return Header{}, false, nil
	}
	var h headerLine
	err := json.Unmarshal(raw, &h)
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) && (te.Field == "hookctl_dump" || strings.HasPrefix(te.Field, "hookctl_dump.")) {
		// A header whose version (or whole value) has the wrong type:
		// it was "record 1: want exactly one of subscription, …, got 0".
		return Header{}, false, &FormatError{Bad: fmt.Sprintf("%s is a JSON %s, want %s", te.Field, te.Value, headerWant(te.Field))}
	}
	if err != nil {
		var top map[string]json.RawMessage
		if json.Unmarshal(raw, &top) == nil && top["hookctl_dump"] != nil && !bytes.Equal(top["hookctl_dump"], []byte("null")) {
			// (an exported_at that is not a time)
			return Header{}, false, &FormatError{Bad: err.Error()}
		}
	}
	if err != nil || h.Dump == nil {
		return Header{}, false, nil // not a header: the record's own errors say why
	}
	if h.Dump.Version < 1 || h.Dump.Version > Version {
		return Header{}, false, &FormatError{Version: h.Dump.Version}
	}
	return *h.Dump, true, nil
}

// headerWant is what a header line's field should be.
func headerWant(field string) string {
	switch field {
	case "hookctl_dump":
		return `an object ({"version":2,…})`
	case "hookctl_dump.version":
		return "a number (2)"
	}
	return "the type hookctl store export writes"
}

func (r *Reader) record(raw json.RawMessage) (store.Record, error) {
	if r.version == 1 {
		var rec store.Record
		if err := json.Unmarshal(raw, &rec); err != nil {
			return rec, recordErr(err)
		}
		return rec, nil
	}
	var l line
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&l); err != nil {
		return store.Record{}, recordErr(err)
	}
	return l.record()
}

func recordErr(err error) error {
	re := &RecordError{Err: err}
	errors.As(err, &re.Type)
	return re
}

// line is a version 2 record line: exactly one field set.
type line struct {
	Subscription *subscription `json:"subscription,omitempty"`
	Object       *object       `json:"object,omitempty"`
	Event        *event        `json:"event,omitempty"`
	Delivery     *delivery     `json:"delivery,omitempty"`
	Attempt      *attempt      `json:"attempt,omitempty"`
}

// The names are those of `subscriptions get -o json`.
type subscription struct {
	WebhookID               string            `json:"webhook_id,omitempty"`
	CallbackURL             string            `json:"callback_url,omitempty"`
	Description             string            `json:"description,omitempty"`
	Events                  []string          `json:"events,omitempty"`
	Status                  string            `json:"status,omitempty"`
	Secret                  string            `json:"secret,omitempty"`
	PreviousSecret          string            `json:"previous_secret,omitempty"`
	PreviousSecretExpiresAt *time.Time        `json:"previous_secret_expires_at,omitempty"`
	Provider                string            `json:"provider,omitempty"`
	Scheme                  string            `json:"scheme,omitempty"`
	Method                  string            `json:"method,omitempty"`
	Headers                 map[string]string `json:"headers,omitempty"`
	Metadata                map[string]string `json:"metadata,omitempty"`
	DateCreated             *time.Time        `json:"date_created,omitempty"`
	UpdatedAt               *time.Time        `json:"updated_at,omitempty"`
}

type object struct {
	Kind       string          `json:"kind,omitempty"`
	ID         string          `json:"id,omitempty"`
	Key        string          `json:"key,omitempty"`
	Data       json.RawMessage `json:"data,omitempty"`
	DataText   *string         `json:"data_text,omitempty"`
	DataBase64 []byte          `json:"data_base64,omitempty"`
	Deleted    bool            `json:"deleted,omitempty"`
	CreatedAt  *time.Time      `json:"created_at,omitempty"`
	UpdatedAt  *time.Time      `json:"updated_at,omitempty"`
}

// The names are those of `events show -o json`.
type event struct {
	ID            string              `json:"id,omitempty"`
	Type          string              `json:"type,omitempty"`
	Provider      string              `json:"provider,omitempty"`
	Source        string              `json:"source,omitempty"`
	CreatedAt     *time.Time          `json:"created_at,omitempty"`
	Verdict       string              `json:"verdict,omitempty"`
	ContentType   string              `json:"content_type,omitempty"`
	Headers       map[string][]string `json:"headers,omitempty"`
	Payload       json.RawMessage     `json:"payload,omitempty"`
	PayloadText   *string             `json:"payload_text,omitempty"`
	PayloadBase64 []byte              `json:"payload_base64,omitempty"`
}

// The names are those of `deliveries show -o json`.
type delivery struct {
	ID             string `json:"id,omitempty"`
	Seq            int64  `json:"seq,omitempty"`
	EventID        string `json:"event_id,omitempty"`
	SubscriptionID string `json:"subscription_id,omitempty"`
	// The id of the deleted subscription the delivery belonged to (added
	// to format 2, unreleased; a dump written before has none).
	DeletedSubscriptionID string            `json:"deleted_subscription_id,omitempty"`
	URL                   string            `json:"url,omitempty"`
	Method                string            `json:"method,omitempty"`
	Scheme                string            `json:"scheme,omitempty"`
	Secret                string            `json:"secret,omitempty"`
	Headers               map[string]string `json:"headers,omitempty"`
	Status                string            `json:"status,omitempty"`
	AttemptCount          int               `json:"attempt_count,omitempty"`
	MaxAttempts           int               `json:"max_attempts,omitempty"`
	Schedule              string            `json:"schedule,omitempty"`
	NextAttemptAt         *time.Time        `json:"next_attempt_at,omitempty"`
	LastStatus            int               `json:"last_status,omitempty"`
	LastError             string            `json:"last_error,omitempty"`
	RunID                 string            `json:"run_id,omitempty"`
	Kind                  string            `json:"kind,omitempty"`
	OriginID              string            `json:"origin_id,omitempty"`
	LeaseOwner            string            `json:"lease_owner,omitempty"`
	LeaseExpiresAt        *time.Time        `json:"lease_expires_at,omitempty"`
	CreatedAt             *time.Time        `json:"created_at,omitempty"`
	UpdatedAt             *time.Time        `json:"updated_at,omitempty"`
}

// The names are those of the attempts of `deliveries show -o json`;
// duration_ms keeps the nanoseconds (1.500001).
type attempt struct {
	DeliveryID string     `json:"delivery_id,omitempty"`
	Number     int        `json:"number,omitempty"`
	StartedAt  *time.Time `json:"started_at,omitempty"`
	DurationMS float64    `json:"duration_ms,omitempty"`
	Request    *request   `json:"request,omitempty"`
	Response   *response  `json:"response,omitempty"`
	Error      string     `json:"error,omitempty"`
	Manual     bool       `json:"manual,omitempty"`
	// Insecure: sent accepting any TLS certificate (--insecure).
	Insecure bool `json:"insecure,omitempty"`
}

type request struct {
	Method  string              `json:"method,omitempty"`
	URL     string              `json:"url,omitempty"`
	Headers map[string][]string `json:"headers,omitempty"`
}

type response struct {
	Status     int                 `json:"status,omitempty"`
	Headers    map[string][]string `json:"headers,omitempty"`
	Body       json.RawMessage     `json:"body,omitempty"`
	BodyText   *string             `json:"body_text,omitempty"`
	BodyBase64 []byte              `json:"body_base64,omitempty"`
}

func toLine(r store.Record) line {
	var l line
	switch {
	case r.Subscription != nil:
		s := r.Subscription
		l.Subscription = &subscription{
			WebhookID: txt(s.ID), CallbackURL: txt(s.CallbackURL), Description: txt(s.Description), Events: txts(s.Events), Status: txt(s.Status),
			Secret: txt(s.Secret), PreviousSecret: txt(s.PreviousSecret), PreviousSecretExpiresAt: timePtr(s.PreviousSecretExpiresAt),
			Provider: txt(s.Provider), Scheme: txt(s.Scheme), Method: txt(s.Method), Headers: store.EncodeHeaderMap(s.Headers), Metadata: s.Metadata,
			DateCreated: timePtr(s.CreatedAt), UpdatedAt: timePtr(s.UpdatedAt),
		}
	case r.Object != nil:
		o := r.Object
		l.Object = &object{Kind: txt(o.Kind), ID: txt(o.ID), Key: txt(o.Key), Deleted: o.Deleted,
			CreatedAt: timePtr(o.CreatedAt), UpdatedAt: timePtr(o.UpdatedAt)}
		l.Object.Data, l.Object.DataText, l.Object.DataBase64 = putBody(o.Data)
	case r.Event != nil:
		e := r.Event
		l.Event = &event{ID: txt(e.ID), Type: txt(e.Type), Provider: txt(e.Provider), Source: txt(e.Source), CreatedAt: timePtr(e.CreatedAt),
			Verdict: txt(e.Verdict), ContentType: txt(e.ContentType), Headers: store.EncodeHeaderBytes(e.Headers)}
		l.Event.Payload, l.Event.PayloadText, l.Event.PayloadBase64 = putBody(e.Payload)
	case r.Delivery != nil:
		d := r.Delivery
		l.Delivery = &delivery{ID: txt(d.ID), Seq: d.Seq, EventID: txt(d.EventID), SubscriptionID: txt(d.SubscriptionID), DeletedSubscriptionID: txt(d.DeletedSubscriptionID), URL: txt(d.URL),
			Method: txt(d.Method), Scheme: txt(d.Scheme), Secret: txt(d.Secret), Headers: store.EncodeHeaderMap(d.Headers), Status: txt(d.Status),
			AttemptCount: d.AttemptCount, MaxAttempts: d.MaxAttempts, Schedule: txt(d.Schedule),
			NextAttemptAt: timePtr(d.NextAttemptAt), LastStatus: d.LastStatus, LastError: txt(d.LastError), RunID: txt(d.RunID),
			Kind: txt(d.Kind), OriginID: txt(d.OriginID), LeaseOwner: txt(d.LeaseOwner), LeaseExpiresAt: timePtr(d.LeaseExpiresAt),
			CreatedAt: timePtr(d.CreatedAt), UpdatedAt: timePtr(d.UpdatedAt)}
	case r.Attempt != nil:
		a := r.Attempt
		l.Attempt = &attempt{DeliveryID: txt(a.DeliveryID), Number: a.Number, StartedAt: timePtr(a.StartedAt),
			DurationMS: float64(a.Duration) / float64(time.Millisecond), Error: txt(a.Error), Manual: a.Manual, Insecure: a.Insecure}
		if a.RequestMethod != "" || a.RequestURL != "" || len(a.RequestHeaders) > 0 {
			l.Attempt.Request = &request{Method: txt(a.RequestMethod), URL: txt(a.RequestURL), Headers: store.EncodeHeaderBytes(a.RequestHeaders)}
		}
		if a.ResponseStatus != 0 || len(a.ResponseHeaders) > 0 || len(a.ResponseBody) > 0 {
			resp := &response{Status: a.ResponseStatus, Headers: store.EncodeHeaderBytes(a.ResponseHeaders)}
			resp.Body, resp.BodyText, resp.BodyBase64 = putBody(a.ResponseBody)
			l.Attempt.Response = resp
		}
	}
	return l
}

func (l *line) record() (store.Record, error) {
	var r store.Record
	var err error
	// A hand-edited line may hold several records; the switch below
	// would take one and drop the others unsaid.
	n := 0
	for _, set := range []bool{l.Subscription != nil, l.Object != nil, l.Event != nil, l.Delivery != nil, l.Attempt != nil} {
		if set {
			n++
		}
	}
	if n > 1 {
		return r, &RecordError{Err: fmt.Errorf("want exactly one of subscription, object, event, delivery, attempt, got %d", n)}
	}
	switch {
	case l.Subscription != nil:
		s := l.Subscription
		r.Subscription = &store.Subscription{
			ID: untxt(s.WebhookID), CallbackURL: untxt(s.CallbackURL), Description: untxt(s.Description), Events: untxts(s.Events), Status: untxt(s.Status),
			Secret: untxt(s.Secret), PreviousSecret: untxt(s.PreviousSecret), PreviousSecretExpiresAt: timeOf(s.PreviousSecretExpiresAt),
			Provider: untxt(s.Provider), Scheme: untxt(s.Scheme), Method: untxt(s.Method), Headers: store.DecodeHeaderMap(s.Headers), Metadata: s.Metadata,
			CreatedAt: timeOf(s.DateCreated), UpdatedAt: timeOf(s.UpdatedAt),
		}
	case l.Object != nil:
		o := l.Object
		r.Object = &store.Object{Kind: untxt(o.Kind), ID: untxt(o.ID), Key: untxt(o.Key), Deleted: o.Deleted,
			CreatedAt: timeOf(o.CreatedAt), UpdatedAt: timeOf(o.UpdatedAt)}
		r.Object.Data, err = getBody("data", o.Data, o.DataText, o.DataBase64)
	case l.Event != nil:
		e := l.Event
		r.Event = &store.Event{ID: untxt(e.ID), Type: untxt(e.Type), Provider: untxt(e.Provider), Source: untxt(e.Source), CreatedAt: timeOf(e.CreatedAt),
			Verdict: untxt(e.Verdict), ContentType: untxt(e.ContentType), Headers: store.DecodeHeaderBytes(e.Headers)}
		r.Event.Payload, err = getBody("payload", e.Payload, e.PayloadText, e.PayloadBase64)
	case l.Delivery != nil:
		d := l.Delivery
		r.Delivery = &store.Delivery{ID: untxt(d.ID), Seq: d.Seq, EventID: untxt(d.EventID), SubscriptionID: untxt(d.SubscriptionID), DeletedSubscriptionID: untxt(d.DeletedSubscriptionID), URL: untxt(d.URL),
			Method: untxt(d.Method), Scheme: untxt(d.Scheme), Secret: untxt(d.Secret), Headers: store.DecodeHeaderMap(d.Headers), Status: untxt(d.Status),
			AttemptCount: d.AttemptCount, MaxAttempts: d.MaxAttempts, Schedule: untxt(d.Schedule),
			NextAttemptAt: timeOf(d.NextAttemptAt), LastStatus: d.LastStatus, LastError: untxt(d.LastError), RunID: untxt(d.RunID),
			Kind: untxt(d.Kind), OriginID: untxt(d.OriginID), LeaseOwner: untxt(d.LeaseOwner), LeaseExpiresAt: timeOf(d.LeaseExpiresAt),
			CreatedAt: timeOf(d.CreatedAt), UpdatedAt: timeOf(d.UpdatedAt)}
	case l.Attempt != nil:
		a := l.Attempt
		if a.DurationMS < 0 || a.DurationMS > float64(math.MaxInt64/int64(time.Millisecond)) {
			return r, &RecordError{Err: fmt.Errorf("attempt %d of delivery %s: duration_ms %v is out of range", a.Number, a.DeliveryID, a.DurationMS)}
		}
		r.Attempt = &store.Attempt{DeliveryID: untxt(a.DeliveryID), Number: a.Number, StartedAt: timeOf(a.StartedAt),
			Duration: time.Duration(math.Round(a.DurationMS * float64(time.Millisecond))), Error: untxt(a.Error), Manual: a.Manual, Insecure: a.Insecure}
		if q := a.Request; q != nil {
			r.Attempt.RequestMethod, r.Attempt.RequestURL, r.Attempt.RequestHeaders = untxt(q.Method), untxt(q.URL), store.DecodeHeaderBytes(q.Headers)
		}
		if p := a.Response; p != nil {
			r.Attempt.ResponseStatus, r.Attempt.ResponseHeaders = p.Status, store.DecodeHeaderBytes(p.Headers)
			r.Attempt.ResponseBody, err = getBody("response body", p.Body, p.BodyText, p.BodyBase64)
		}
	}
	if err != nil {
		return r, &RecordError{Err: err}
	}
	return r, nil
}

// txt is s as a line holds it (store.EncodeText): s itself when it is
// UTF-8 (the usual case), else, as a header value, "\u0001base64:" and its
// bytes in base64. JSON cannot hold such bytes: encoding/json writes each
// as U+FFFD, so two event ids that differ in one byte (listen keeps a
// webhook-id header as received, SQLite keeps its bytes) became one.
func txt(s string) string { return store.EncodeText(s) }

func txts(ss []string) []string {
	var out []string
	for i, s := range ss {
		if t := txt(s); t != s {
			if out == nil {
				out = append([]string(nil), ss...)
			}
			out[i] = t
		}
	}
	if out == nil {
		return ss
	}
	return out
}

// untxt reads what txt wrote (store.DecodeText).
func untxt(s string) string { return store.DecodeText(s) }

func untxts(ss []string) []string {
	for i, s := range ss {
		ss[i] = untxt(s)
	}
	return ss
}

// fieldNames are version 2's names of the Go fields of store's records
// (by kind) whose names differ from the Go name in lower case.
var fieldNames = sync.OnceValue(func() map[string]map[string]string {
	return map[string]map[string]string{
		"subscription": {"ID": "webhook_id", "CallbackURL": "callback_url", "PreviousSecret": "previous_secret",
			"PreviousSecretExpiresAt": "previous_secret_expires_at", "CreatedAt": "date_created", "UpdatedAt": "updated_at"},
		"object": {"CreatedAt": "created_at", "UpdatedAt": "updated_at"},
		"event":  {"ContentType": "content_type", "CreatedAt": "created_at"},
		"delivery": {"EventID": "event_id", "SubscriptionID": "subscription_id", "DeletedSubscriptionID": "deleted_subscription_id", "AttemptCount": "attempt_count",
			"MaxAttempts": "max_attempts", "NextAttemptAt": "next_attempt_at", "LastError": "last_error", "LastStatus": "last_status",
			"RunID": "run_id", "LeaseOwner": "lease_owner", "LeaseExpiresAt": "lease_expires_at", "CreatedAt": "created_at",
			"UpdatedAt": "updated_at", "OriginID": "origin_id"},
		"attempt": {"DeliveryID": "delivery_id", "StartedAt": "started_at"},
	}
})

// FieldName is the name a file of format version names the Go field of a
// record of kind (subscription, object, event, delivery, attempt) by, for
// store.CheckImportNamed: the Go name itself in version 1.
func FieldName(version int, kind, field string) string {
	if version < 2 {
		return field
	}
	if n, ok := fieldNames()[kind][field]; ok {
		return n
	}
	return strings.ToLower(field)
}

// timePtr is t in UTC, nil when zero (left out of the line).
func timePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	u := t.UTC()
	return &u
}

func timeOf(p *time.Time) time.Time {
	if p == nil {
		return time.Time{}
	}
	return *p
}

// putBody gives b the most readable of its three forms that reads back
// byte for byte: the JSON itself when b is valid UTF-8 JSON with no
// whitespace outside its strings (what the encoder would remove), else a
// string when b is valid UTF-8, else base64. Empty is none of them.
func putBody(b []byte) (raw json.RawMessage, text *string, b64 []byte) {
	switch {
	case len(b) == 0:
		return nil, nil, nil
	case compactJSON(b):
		return json.RawMessage(b), nil, nil
	case utf8.Valid(b):
		s := string(b)
		return nil, &s, nil
	}
	return nil, nil, b
}

func compactJSON(b []byte) bool {
	if !utf8.Valid(b) || !json.Valid(b) || bytes.Equal(b, []byte("null")) {
		return false
	}
	var c bytes.Buffer
	return json.Compact(&c, b) == nil && bytes.Equal(c.Bytes(), b)
}

// getBody is the bytes of what putBody wrote: one form at most.
func getBody(name string, raw json.RawMessage, text *string, b64 []byte) ([]byte, error) {
	n := 0
	var b []byte
	if len(raw) > 0 {
		n, b = n+1, []byte(raw)
	}
	if text != nil {
		n, b = n+1, []byte(*text)
	}
	if b64 != nil {
		n, b = n+1, b64
	}
	if n > 1 {
		return nil, fmt.Errorf("the %s is given twice: keep one of %s, %s_text and %s_base64", name, fieldName(name), fieldName(name), fieldName(name))
	}
	return b, nil
}

func fieldName(name string) string {
	if name == "response body" {
		return "body"
	}
	return name
}
