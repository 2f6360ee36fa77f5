// Package store is hookctl's persistence: subscriptions, events, deliveries
// and attempts. It knows nothing of HTTP. Implementations: sqlite (default,
// embedded) and postgres (shared); both pass the conformance suite in
// storetest.
package store

import (
	"strings"
	"time"
)

// Subscription statuses.
const (
	StatusEnabled  = "enabled"
	StatusDisabled = "disabled"
)

// Delivery statuses.
const (
	DeliveryPending   = "pending"
	DeliverySucceeded = "succeeded"
	DeliveryFailed    = "failed"
)

// Delivery kinds.
const (
	KindForward = "forward" // listen's forward of a received event to the app
	KindEdited  = "edited"  // an edited resend of another delivery (OriginID)
	KindProbe   = "probe"   // a request sent by hookctl check
)

// Event sources.
const (
	SourceTriggered = "triggered"
	SourceReceived  = "received"
	SourceCheck     = "check"
)

// Subscription is a callback URL subscribed to event patterns.
type Subscription struct {
	ID          string // UUID v4, like Bond's webhook_id
	CallbackURL string
	Events      []string // exact names or patterns: card.*, *
	Description string
	Status      string // enabled | disabled
	Secret      string
	// PreviousSecret keeps signing alongside Secret until
	// PreviousSecretExpiresAt (secret rotation grace period).
	PreviousSecret          string
	PreviousSecretExpiresAt time.Time
	Provider                string // "" = any
	Scheme                  string // "auto" (sign as each event's provider) or a scheme name
	Method                  string // "" = POST; PUT/PATCH for Mambu-style
	Headers                 map[string]string
	// Metadata holds free-form labels (e.g. "created_by": "listen").
	Metadata  map[string]string
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Event is one webhook event with its exact payload bytes.
type Event struct {
	ID          string // provider-style id (evt_…, UUID, 24-hex)
	Type        string
	Provider    string
	Payload     []byte // exact bytes, never re-serialised
	ContentType string
	Source      string // triggered | received
	// Headers are the request headers a received event arrived with.
	Headers map[string][]string
	// Verdict is the verdict listen gave a received event: "valid",
	// "invalid: <reason>" (its signature failed), "refused: <reason>"
	// (refused before its signature was checked: a forwarding loop), or ""
	// when it was not verified. Read it with ParseVerdict.
	Verdict   string `json:",omitempty"`
	CreatedAt time.Time
}

// EventHead is an event without its payload or headers (GetEventHeads):
// a listing of 100,000 deliveries read its events whole, payloads
// included, only for their types and sources.
type EventHead struct {
	ID        string
	Type      string
	Provider  string
	Source    string
	CreatedAt time.Time
}

// Delivery is one event to one URL, with its retry state.
type Delivery struct {
	ID             string // UUID v4
	Seq            int64  // store-assigned, increasing: creation order and cursor
	EventID        string
	SubscriptionID string // "" for ad-hoc --url deliveries and listen forwards
	// DeletedSubscriptionID is the subscription this delivery belonged to
	// once it was deleted (SubscriptionID is then ""): its history stays
	// findable by that id (DeliveryFilter.SubscriptionID).
	DeletedSubscriptionID string `json:",omitempty"`
	URL                   string
	Method                string            // "" = POST
	Scheme                string            // scheme for ad-hoc deliveries ("" = from subscription)
	Secret                string            // secret for ad-hoc deliveries
	Headers               map[string]string // extra headers (--header) for this delivery
	Status                string            // pending | succeeded | failed
	AttemptCount          int
	MaxAttempts           int
	// Schedule is the retry schedule as Go durations joined by commas
	// ("0s,1s,2s,4s,8s"); attempt n waits Schedule[n-1] after attempt n-1.
	Schedule      string
	NextAttemptAt time.Time
	LastError     string
	LastStatus    int // HTTP status of the last attempt, 0 if none
	// RunID groups the deliveries one trigger/replay run waits for.
	RunID string
	// Lease: a worker owns a claimed delivery until LeaseExpiresAt.
	LeaseOwner     string
	LeaseExpiresAt time.Time
	CreatedAt      time.Time
	UpdatedAt      time.Time
	// OriginID is the delivery this one derives from: the hookctl-sent
	// delivery a listen forward belongs to, or the original of an edited
	// resend ("" for none).
	OriginID string `json:",omitempty"`
	// Kind is "" for an ordinary delivery, else one of the Kind* constants.
	Kind string `json:",omitempty"`
}

// Attempt is one HTTP request of a delivery and what came back.
type Attempt struct {
	DeliveryID string
	// DeliverySeq is the delivery's Seq when the caller knows it (a
	// store may then address the delivery without an ID lookup).
	DeliverySeq     int64 `json:"-"`
	Number          int   // 1-based, increasing per delivery
	StartedAt       time.Time
	Duration        time.Duration
	RequestURL      string
	RequestMethod   string
	RequestHeaders  map[string][]string
	ResponseStatus  int // 0 when no response
	ResponseHeaders map[string][]string
	ResponseBody    []byte // first 64 KiB
	Error           string
	// Manual: the attempt was asked for (a replay, a resend from serve's
	// APIs or the inspector), not made by the delivery's schedule (its
	// first send, an automatic retry). Svix's triggerType 1.
	Manual bool `json:",omitempty"`
	// Insecure: the attempt was sent accepting any TLS certificate
	// (trigger, worker, replay or serve --insecure), so a resend of it
	// (deliveries show --curl) needs curl -k. False for attempts
	// recorded before hookctl kept it.
	Insecure bool `json:",omitempty"`
}

// DeliveryFilter selects deliveries. Zero fields do not filter.
type DeliveryFilter struct {
	Status       string
	EventPattern string // exact type or pattern (card.*)
	// SubscriptionID selects a subscription's deliveries, also once it
	// was deleted: a store moves an id no subscription has to
	// DeletedSubscriptionID (each has its own index).
	SubscriptionID string
	// DeletedSubscriptionID selects the deliveries of a deleted
	// subscription (their DeletedSubscriptionID).
	DeletedSubscriptionID string
	EventID               string
	// EventIDs selects the deliveries of any of these events (a page of
	// events' deliveries in one read); empty does not filter.
	EventIDs []string
	RunID    string
	// Provider selects the deliveries of events of this provider (mambu):
	// a provider API's search reads its own deliveries, a page at a time,
	// not every delivery of the store.
	Provider string
	// OriginID selects the deliveries derived from that one: its edited
	// copies, and listen's forwards of it.
	OriginID string
	// Source: sent, received or check (what a delivery is: see
	// DeliverySource), or an event source (triggered).
	Source string
	// ExcludeLinked leaves out listen's forwards of deliveries hookctl
	// sent itself (Kind forward with an OriginID): replaying the origin
	// replays them, so bulk replay sends each event once.
	ExcludeLinked bool
	// ExcludeProbes leaves out hookctl check's probes (Kind probe): test
	// requests, some invalid on purpose, that bulk replay must not resend
	// freshly signed.
	ExcludeProbes bool
	Since         time.Time // created at or after
	Until         time.Time // created before
	AfterSeq      int64     // cursor: Seq > AfterSeq, ordered by Seq ascending
	Limit         int       // 0 = no limit
	// Newest orders by Seq descending (lists); cursors need ascending.
	Newest bool
	// BeforeSeq > 0 selects Seq < BeforeSeq: AfterSeq's mirror, the
	// cursor of a Newest list (creation times tie or disagree with Seq
	// when events are written concurrently; Seq cannot).
	BeforeSeq int64
}

// AttemptFilter selects attempts across deliveries (ListAttemptRows).
// Zero fields do not filter.
type AttemptFilter struct {
	// SubscriptionID and DeletedSubscriptionID: as DeliveryFilter's.
	SubscriptionID        string
	DeletedSubscriptionID string
	EventID               string
	// Before is an exclusive cursor: only attempts after this one in list
	// order (newest first: StartedAt, then the delivery's creation order
	// and the attempt's number). An unknown one is a *NotFoundError.
	Before *AttemptKey
	// After is the other way: only attempts before this one in list
	// order (newer), listed oldest first, the nearest first (a Svix
	// prevIterator's page). An unknown one is a *NotFoundError.
	After *AttemptKey
	// BeforeAt and AfterAt are Before and After given as the place an
	// attempt stood in list order rather than by the attempt, which may
	// be gone since (pruned): used when Before (After) is nil.
	BeforeAt, AfterAt *AttemptCursor
	Limit             int // 0 = no limit
}

// AttemptCursor is an attempt's place in ListAttemptRows' order: its
// start, its delivery's Seq and its number (an AttemptRow's StartedAt,
// DeliverySeq and Number: ListAttemptRows sets DeliverySeq).
type AttemptCursor struct {
	StartedAt   time.Time
	DeliverySeq int64
	Number      int
}

// AttemptKey names one attempt: its delivery and number.
type AttemptKey struct {
	DeliveryID string
	Number     int
}

// AttemptRow is an attempt with the ids of its delivery's event and
// subscription ("" for none).
type AttemptRow struct {
	Attempt
	EventID        string
	SubscriptionID string
}

// EventFilter selects events.
type EventFilter struct {
	TypePattern string
	Source      string
	Since       time.Time
	Until       time.Time // created before
	Limit       int
	// Types: the event's Type is one of these exact names.
	Types []string
	// Providers: the event's Provider is one of these.
	Providers []string
	// Verdict: only events whose verdict (Event.Verdict, read as
	// ParseVerdict reads it) is of this kind: VerdictValid,
	// VerdictInvalid, VerdictRefused, VerdictRejected (invalid or
	// refused) or VerdictNone (not verified: sent, or received without a
	// check); "" any. Another value is an error.
	Verdict string
	// Header: for every key (a ValidHeaderKey), the first value of the
	// event's stored header equals the one given. hookctl serve keeps its
	// APIs' ids there (a Svix message's application and eventId); the
	// stores index those keys, so such a lookup or list page reads only
	// its own rows.
	Header map[string]string
	// Before and After are exclusive cursors by exact event ID: only
	// events older (newer) than that one in list order (CreatedAt, then
	// creation order). An unknown ID is a *NotFoundError.
	Before, After string
	// BeforeAt and AfterAt are Before and After given as the place an
	// event stood in list order (an EventSummary's CreatedAt and Seq)
	// rather than by the event, which may be gone since (pruned): used
	// when Before (After) is "".
	BeforeAt, AfterAt *EventCursor
	// Oldest lists oldest first (default: newest first).
	Oldest bool
	// NoCounts leaves the summaries' delivery counts at zero (cheaper).
	NoCounts bool
	// NoPayload leaves the summaries' Payload and Headers empty: a
	// listing that shows neither (events log) reads no bodies, so a page
	// of it is small whatever the events carry (1,000 bodies of listen's
	// 1 MiB limit: 1 GB).
	NoPayload bool
}

// EventSummary is an event with the states of its deliveries.
type EventSummary struct {
	Event
	Pending   int
	Succeeded int
	Failed    int
	// Seq is the event's store-assigned creation order: with CreatedAt,
	// its place in list order (an EventCursor).
	Seq int64
}

// SubscriptionFilter selects subscriptions. Zero fields do not filter.
type SubscriptionFilter struct {
	Status string // enabled | disabled
	Event  string // an event type the subscription matches
	// Providers: the subscription's Provider is one of these.
	Providers []string
	// Meta: for every key, the subscription's metadata value equals the
	// one given; "" matches a key that is absent or empty. Stores evaluate
	// it in SQL (the provider APIs of serve keep their ids in metadata).
	// Keys must satisfy ValidMetaKey.
	Meta map[string]string
	// MetaSet: keys whose metadata value must be present and non-empty.
	MetaSet []string
	// NewerThan and OlderThan are exclusive cursors: only subscriptions
	// after (before) this one in creation order, (CreatedAt, ID), as the
	// store returned it.
	NewerThan, OlderThan *Subscription
	// Newest lists newest first (default: oldest first).
	Newest bool
	Limit  int // 0 = no limit
}

// ValidMetaKey reports whether k can be a SubscriptionFilter metadata key:
// 1–64 of A–Z a–z 0–9 _ - . : (what hookctl's own keys use; a store
// rejects other keys rather than quote them into SQL).
func ValidMetaKey(k string) bool {
	if k == "" || len(k) > 64 {
		return false
	}
	for i := 0; i < len(k); i++ {
		c := k[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_' || c == '-' || c == '.' || c == ':') {
			return false
		}
	}
	return true
}

// DeliveryUpdate is the outcome recorded with an attempt.
type DeliveryUpdate struct {
	Status        string    // pending (retry scheduled), succeeded or failed
	NextAttemptAt time.Time // when Status is pending
	LastError     string
	LastStatus    int
	// RunID is the run the attempt was made for ("" for none). A store
	// whose bulk requeue leases a failed delivery in place, leaving its
	// row as it was until the attempt is recorded (PostgreSQL's
	// store.MatchRequeuer), moves the delivery into the run here; a
	// store that sets the run when it requeues may ignore it.
	RunID string
}

// Requeue describes how replay puts deliveries back in the outbox.
type Requeue struct {
	// URL, when set, sends the replay to another URL.
	URL string
	// ExtraAttempts is the attempt budget added (MaxAttempts = AttemptCount + ExtraAttempts).
	ExtraAttempts int
	Schedule      string
	RunID         string
	// Force allows requeuing succeeded deliveries.
	Force bool
	Now   time.Time
	// Unheld requeues only deliveries no other live process holds: a
	// pending delivery whose lease runs past Now is skipped (left to its
	// holder), unless its owner is one of DeadOwners (holders the caller
	// found dead, whose deliveries are taken over). The check is part of
	// the requeue's own statement, so a worker that claims a delivery
	// between the caller's read and the requeue keeps it.
	Unheld     bool
	DeadOwners []string
	// Reclaim (store.MatchRequeuer, with an owner) also takes the
	// deliveries the owner leased in place after the filter's cursor:
	// set on a retry after a failed call, whose statement may have
	// committed before its answer was lost (a connection cut). Within
	// one walk nothing after the cursor was handed out yet, so they
	// were never sent; without it they were skipped, held by the
	// owner's lease and left failed.
	Reclaim bool
}

// Info describes a store for `hookctl store info`.
type Info struct {
	Backend       string // sqlite | postgres
	Location      string // path, or URL with the password masked
	SchemaVersion int
	Subscriptions int64
	Events        int64
	Deliveries    int64
	Attempts      int64
	Objects       int64 // tombstones too
}

// Record is one line of `hookctl store export` (JSON lines). Exactly one
// field is set. An export gives subscriptions, objects, events,
// deliveries, attempts, in that order.
type Record struct {
	Subscription *Subscription `json:"subscription,omitempty"`
	Object       *Object       `json:"object,omitempty"`
	Event        *Event        `json:"event,omitempty"`
	Delivery     *Delivery     `json:"delivery,omitempty"`
	Attempt      *Attempt      `json:"attempt,omitempty"`
}

// The kinds of a received event's verdict (Event.Verdict), as ParseVerdict
// returns them; "" is an event listen did not verify.
const (
	VerdictValid   = "valid"
	VerdictInvalid = "invalid" // its signature failed
	VerdictRefused = "refused" // refused before its signature was checked
)

// Verdict kinds an EventFilter selects besides those of ParseVerdict.
const (
	VerdictRejected = "rejected" // invalid or refused: listen did not forward it
	VerdictNone     = "none"     // not verified ("" from ParseVerdict)
)

// VerdictFilters are the values of EventFilter.Verdict (but "").
func VerdictFilters() []string {
	return []string{VerdictValid, VerdictRejected, VerdictInvalid, VerdictRefused, VerdictNone}
}

// ParseVerdict splits a stored verdict into its kind (VerdictValid,
// VerdictInvalid, VerdictRefused, or "" when it was not verified) and its
// reason. A forwarding loop recorded before refusals had their own kind
// ("invalid: forwarding loop …") reads as refused: its signature was
// never checked.
func ParseVerdict(v string) (kind, reason string) {
	switch {
	case v == VerdictValid:
		return VerdictValid, ""
	case strings.HasPrefix(v, VerdictRefused):
		return VerdictRefused, strings.TrimSpace(strings.TrimPrefix(strings.TrimPrefix(v, VerdictRefused), ":"))
	case strings.HasPrefix(v, VerdictInvalid):
		reason = strings.TrimSpace(strings.TrimPrefix(strings.TrimPrefix(v, VerdictInvalid), ":"))
		if strings.HasPrefix(reason, "forwarding loop") {
			return VerdictRefused, reason
		}
		return VerdictInvalid, reason
	}
	return "", ""
}

// CanonicalVerdict is v as written today: an old forwarding loop's
// "invalid: forwarding loop …" reads "refused: forwarding loop …"; any
// other verdict is returned as it is.
func CanonicalVerdict(v string) string {
	if kind, reason := ParseVerdict(v); kind == VerdictRefused && !strings.HasPrefix(v, VerdictRefused) {
		return VerdictRefused + ": " + reason
	}
	return v
}
