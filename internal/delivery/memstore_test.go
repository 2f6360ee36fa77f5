package delivery

import (
	"context"
	"fmt"
	"sort"
	"sync"
	"time"

	"github.com/hookctl/hookctl/internal/store"
)

// memStore is a small in-memory store.Store for the engine's unit tests:
// the outbox methods with leases, nothing else (the real stores are tested
// by the conformance suite and the end-to-end scripts).
type memStore struct {
	store.Store // methods not implemented panic

	mu       sync.Mutex
	subs     map[string]*store.Subscription
	events   map[string]*store.Event
	dels     []*store.Delivery
	attempts map[string][]*store.Attempt
	seq      int64
	claims   int
}

func newMemStore() *memStore {
	return &memStore{subs: map[string]*store.Subscription{}, events: map[string]*store.Event{}, attempts: map[string][]*store.Attempt{}}
}

func (m *memStore) CreateSubscription(_ context.Context, s *store.Subscription) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if s.ID == "" {
		s.ID = fmt.Sprintf("sub-%d", len(m.subs)+1)
	}
	c := *s
	m.subs[s.ID] = &c
	return nil
}

func (m *memStore) GetSubscription(_ context.Context, id string) (*store.Subscription, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	s, ok := m.subs[id]
	if !ok {
		return nil, &store.NotFoundError{Kind: "subscription", ID: id}
	}
	c := *s
	return &c, nil
}

func (m *memStore) UpdateSubscription(_ context.Context, s *store.Subscription) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	c := *s
	m.subs[s.ID] = &c
	return nil
}

func (m *memStore) CreateEvent(_ context.Context, e *store.Event, ds []*store.Delivery) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.events[e.ID]; !ok {
		c := *e
		m.events[e.ID] = &c
	}
	for _, d := range ds {
		m.seq++
		d.Seq = m.seq
		d.ID = fmt.Sprintf("del-%d", m.seq)
		d.EventID = e.ID
		c := *d
		m.dels = append(m.dels, &c)
	}
	return nil
}

func (m *memStore) GetEvent(_ context.Context, id string) (*store.Event, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	e, ok := m.events[id]
	if !ok {
		return nil, &store.NotFoundError{Kind: "event", ID: id}
	}
	c := *e
	return &c, nil
}

func (m *memStore) GetDelivery(_ context.Context, id string) (*store.Delivery, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, d := range m.dels {
		if d.ID == id {
			c := *d
			return &c, nil
		}
	}
	return nil, &store.NotFoundError{Kind: "delivery", ID: id}
}

func (m *memStore) ClaimDue(_ context.Context, owner string, now time.Time, lease time.Duration, limit int, runID string) ([]*store.Delivery, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.claims++
	var due []*store.Delivery
	for _, d := range m.dels {
		if d.Status != store.DeliveryPending || d.NextAttemptAt.After(now) || (runID != "" && d.RunID != runID) {
			continue
		}
		if d.LeaseOwner != "" && d.LeaseExpiresAt.After(now) {
			continue
		}
		due = append(due, d)
	}
	sort.SliceStable(due, func(i, j int) bool { return due[i].NextAttemptAt.Before(due[j].NextAttemptAt) })
	var out []*store.Delivery
	for _, d := range due {
		if len(out) == limit {
			break
		}
		d.LeaseOwner, d.LeaseExpiresAt = owner, now.Add(lease)
		c := *d
		out = append(out, &c)
	}
	return out, nil
}

func (m *memStore) RecordAttempt(_ context.Context, owner string, a *store.Attempt, u store.DeliveryUpdate) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	c := *a
	m.attempts[a.DeliveryID] = append(m.attempts[a.DeliveryID], &c)
	for _, d := range m.dels {
		if d.ID != a.DeliveryID {
			continue
		}
		if d.LeaseOwner != owner {
			return store.ErrLeaseLost
		}
		d.AttemptCount = a.Number
		d.Status, d.NextAttemptAt, d.LastError, d.LastStatus = u.Status, u.NextAttemptAt, u.LastError, u.LastStatus
		d.LeaseOwner, d.LeaseExpiresAt = "", time.Time{}
		return nil
	}
	return &store.NotFoundError{Kind: "delivery", ID: a.DeliveryID}
}

func (m *memStore) ListAttempts(_ context.Context, id string) ([]*store.Attempt, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]*store.Attempt(nil), m.attempts[id]...), nil
}

func (m *memStore) statuses() map[string]int {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := map[string]int{}
	for _, d := range m.dels {
		out[d.Status]++
	}
	return out
}
