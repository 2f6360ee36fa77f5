package delivery

import (
	"sync"
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
