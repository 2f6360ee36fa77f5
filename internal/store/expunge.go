package store

import (
	"context"
	"time"
)

// HeaderExpunged marks, in an event's Headers, an event whose payload
// was expunged (ContentExpunger.ExpungeEvent): its one value is when,
// RFC 3339 in UTC. Its Payload is then empty. The name holds a colon,
// which no HTTP header name can: a received request's headers (listen
// keeps them as the event's) can never mark it.
const HeaderExpunged = "hookctl:expunged"

// ExpungedError is the LastError of the pending deliveries an expunge
// stopped, and the error of an attempt a process would have sent of an
// expunged event (nothing is sent: the engine records it unsent).
const ExpungedError = "not sent: the event's payload was expunged"

// ExpungedBody is what an expunged attempt's ResponseBody reads
// (ContentExpunger.ExpungeAttemptBody), the word Svix answers in its
// place.
const ExpungedBody = "EXPUNGED"

// Expunged reports whether the event's payload was expunged, and when.
func (e *Event) Expunged() (time.Time, bool) {
	v := e.Headers[HeaderExpunged]
	if len(v) == 0 {
		return time.Time{}, false
	}
	at, _ := time.Parse(time.RFC3339Nano, v[0])
	return at, true
}

// ObjectKindExpunge is the kind of the one object (id ExpungeMarkID) whose
// updated_at ContentExpunger.ExpungeEvent moves forward in its
// transaction: the store's expunge mark (ExpungeMarker).
const (
	ObjectKindExpunge = "hookctl.expunge"
	ExpungeMarkID     = "mark"
)

// ExpungeMarker is implemented by both backends: a value that changes
// whenever an event's payload is expunged (0 before the first), read in
// one indexed point query. A long-running engine reads it every so often
// and reads again, before sending, the events it cached before it
// changed (delivery's expungeCheck): a worker beside the `hookctl serve`
// that expunged sent the payload it held.
type ExpungeMarker interface {
	ExpungeMark(ctx context.Context) (int64, error)
}

// ContentExpunger is implemented by both backends: forgetting what an
// event said, or what an endpoint answered (Svix's expunge-content,
// for a message sent with sensitive content by mistake). No migration:
// the marker lives in the event's headers (HeaderExpunged).
type ContentExpunger interface {
	// ExpungeEvent empties the event's payload (the exact id, not a
	// prefix), marks it expunged (HeaderExpunged, at) and, in the same
	// transaction, fails its pending deliveries with ExpungedError and
	// takes their leases (as DeleteSubscription does: a process sending
	// one right now cannot record it back to pending). Expunging an
	// expunged event again changes nothing and is no error. An unknown
	// id is a *NotFoundError.
	ExpungeEvent(ctx context.Context, id string, at time.Time) error
	// ExpungeAttemptBody replaces the response body of the delivery's
	// attempt number with ExpungedBody (the exact delivery id). An
	// unknown delivery or number is a *NotFoundError.
	ExpungeAttemptBody(ctx context.Context, deliveryID string, number int) error
}
