package store

import (
	"context"
	"time"
)

// Store is hookctl's persistence contract. Every method is safe for
// concurrent use by goroutines and by several processes sharing the store.
//
// Lookups by ID accept a unique prefix: an unknown one returns an error
// matching ErrNotFound, an ambiguous one an *AmbiguousError.
type Store interface {
	Close() error
	Info(ctx context.Context) (Info, error)
	// Ping checks, cheaply, that the store can be used now (hookctl
	// serve's health check): a PostgreSQL server that answers, a SQLite
	// file still in place that this process may read and write. Its error
	// names the problem (an *EnvironmentError; Transient when the store
	// may be back by itself, a PostgreSQL restart).
	Ping(ctx context.Context) error

	// Subscriptions.
	CreateSubscription(ctx context.Context, s *Subscription) error // sets ID (if empty), CreatedAt, UpdatedAt
	GetSubscription(ctx context.Context, idOrPrefix string) (*Subscription, error)
	ListSubscriptions(ctx context.Context, f SubscriptionFilter) ([]*Subscription, error) // oldest first
	UpdateSubscription(ctx context.Context, s *Subscription) error                        // by s.ID; sets UpdatedAt
	// DeleteSubscription deletes a subscription. Its deliveries stay as
	// history, unlinked (SubscriptionID ""), each keeping how it was sent
	// (the scheme, secret, method and headers become the delivery's own,
	// so a replay is signed as before); a pending one is failed with
	// LastError "subscription deleted" and loses its lease: nothing more
	// is sent to it, and a process sending it right now cannot record it
	// back to pending (its attempt is kept, ErrLeaseLost; it was sent, so
	// it counts in AttemptCount and its LastStatus is the delivery's
	// while nobody else made an attempt since: RecordAttempt).
	DeleteSubscription(ctx context.Context, id string) error

	// Events and the outbox. CreateEvent writes the event and its
	// deliveries in one transaction (sets IDs, Seq, timestamps). An event
	// whose ID already exists is not written again; its new deliveries are
	// (trigger --duplicate, listen receiving the same event twice).
	CreateEvent(ctx context.Context, e *Event, deliveries []*Delivery) error
	GetEvent(ctx context.Context, idOrPrefix string) (*Event, error)
	ListEvents(ctx context.Context, f EventFilter) ([]*EventSummary, error) // newest first
	// GetEventHeads reads the events of ids (whole ids, no prefixes)
	// without their payloads or headers, in one query: what a listing of
	// deliveries shows of each delivery's event (its type, its source).
	// Unknown ids are left out; the order is the store's.
	GetEventHeads(ctx context.Context, ids []string) ([]*EventHead, error)

	// Deliveries.
	GetDelivery(ctx context.Context, idOrPrefix string) (*Delivery, error)
	ListDeliveries(ctx context.Context, f DeliveryFilter) ([]*Delivery, error)
	CountDeliveries(ctx context.Context, f DeliveryFilter) (map[string]int64, error) // by status
	ListAttempts(ctx context.Context, deliveryID string) ([]*Attempt, error)         // by Number
	// ListAttemptRows lists attempts across deliveries, newest first
	// (AttemptFilter's order), each with its delivery's event and
	// subscription, and its DeliverySeq (its place: AttemptCursor).
	ListAttemptRows(ctx context.Context, f AttemptFilter) ([]*AttemptRow, error)

	// ClaimDue leases up to limit pending deliveries with NextAttemptAt <=
	// now whose lease is free or expired, to owner until now+lease, oldest
	// due first. runID, when set, claims only that run's deliveries. No
	// delivery is leased to two owners at once.
	ClaimDue(ctx context.Context, owner string, now time.Time, lease time.Duration, limit int, runID string) ([]*Delivery, error)

	// RecordAttempt stores an attempt and applies the update in one
	// transaction, releasing the lease; it returns ErrLeaseLost when owner
	// no longer holds the delivery's lease (the attempt is still kept; it
	// counts in AttemptCount, with its LastStatus, only when the delivery
	// was stopped under owner — failed, unleased — and its count is still
	// the attempt's Number less one: another worker's delivery or result
	// is never changed).
	RecordAttempt(ctx context.Context, owner string, a *Attempt, u DeliveryUpdate) error

	// Requeue makes deliveries pending again, due now, for replay. A
	// succeeded delivery is skipped unless r.Force; it returns the IDs
	// requeued.
	Requeue(ctx context.Context, ids []string, r Requeue) ([]string, error)

	// Export streams every record (subscriptions, objects, events,
	// deliveries, attempts, in that order); Import writes records as they
	// were, skipping those whose IDs exist.
	Export(ctx context.Context, fn func(Record) error) error
	Import(ctx context.Context, r Record) error

	// Objects: what a provider API of `hookctl serve` keeps besides
	// subscriptions and events (Svix applications, event types).
	ObjectStore
}
