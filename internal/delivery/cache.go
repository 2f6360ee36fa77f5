package delivery

import (
	"context"
	"sync"

	"github.com/hookctl/hookctl/internal/store"
)

// lru is a small bounded cache (FIFO eviction is enough: deliveries of
// one event are claimed close together).
type lru[V any] struct {
	mu   sync.Mutex
	m    map[string]V
	keys []string
	next int
}

func newLRU[V any](n int) *lru[V] {
	return &lru[V]{m: make(map[string]V, n), keys: make([]string, max(n, 16))}
}

func (c *lru[V]) get(k string) (V, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	v, ok := c.m[k]
	return v, ok
}

func (c *lru[V]) put(k string, v V) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.m[k]; ok {
		c.m[k] = v
		return
	}
	if old := c.keys[c.next]; old != "" {
		delete(c.m, old)
	}
	c.keys[c.next] = k
	c.next = (c.next + 1) % len(c.keys)
	c.m[k] = v
}

func (c *lru[V]) del(k string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.m, k) // its slot in keys is reused in turn
}

// primeClaimed reads the events of claimed deliveries that are not cached
// in one query when the store can (store.EventsGetter), instead of one
// read per delivery. A failure is left to the per-delivery read.
func (e *Engine) primeClaimed(ctx context.Context, ds []*store.Delivery) {
	eg, ok := e.Store.(store.EventsGetter)
	if !ok || len(ds) < 2 {
		return
	}
	var ids []string
	seen := map[string]bool{}
	for _, d := range ds {
		if seen[d.EventID] {
			continue
		}
		seen[d.EventID] = true
		if _, ok := e.events.get(d.EventID); !ok {
			ids = append(ids, d.EventID)
		}
	}
	if len(ids) < 2 {
		return
	}
	evs, err := eg.GetEvents(ctx, ids)
	if err != nil {
		return
	}
	for _, ev := range evs {
		e.putEvent(ev)
	}
}
