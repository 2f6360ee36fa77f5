package service

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/hookctl/hookctl/internal/delivery"
	"github.com/hookctl/hookctl/internal/store"
)

// Fault is what happens to the next Count attempts to a subscription
// (`POST /_hookctl/faults`), to test how an app copes with retries:
//   - Status: the request is sent, but the attempt is recorded as answered
//     Status (the app's real answer is kept in the attempt's headers), so
//     the delivery is retried and the app sees the event again;
//   - Delay: the request is sent after Delay;
//   - Drop: the request is sent and its answer thrown away, recorded as a
//     dropped connection (retried like any network error).
type Fault struct {
	SubscriptionID string        `json:"subscription"`
	Count          int           `json:"count"`
	Status         int           `json:"status,omitempty"`
	Delay          time.Duration `json:"-"`
	Drop           bool          `json:"drop,omitempty"`
	Remaining      int           `json:"remaining"`
}

// Faults holds pending faults per subscription. Its Intercept is the
// delivery engine's hook; with no fault armed it only takes a read lock.
type Faults struct {
	mu    sync.RWMutex
	armed map[string]*Fault
	// ended is closed by EndDelays (made on first use).
	ended   chan struct{}
	endOnce sync.Once
}

// endedCh is the channel EndDelays closes.
func (fs *Faults) endedCh() chan struct{} {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	if fs.ended == nil {
		fs.ended = make(chan struct{})
	}
	return fs.ended
}

// EndDelays ends the delays under way and those to come: each send a
// delay fault holds goes out at once. A server stopping calls it, so
// that it finishes what is in flight without waiting out a delay of up
// to 5 minutes.
func (fs *Faults) EndDelays() {
	ch := fs.endedCh()
	fs.endOnce.Do(func() { close(ch) })
}

// Arm sets the fault for f.SubscriptionID (replacing any before).
func (fs *Faults) Arm(f Fault) (Fault, error) {
	switch {
	case f.SubscriptionID == "":
		return f, fmt.Errorf("subscription is required")
	case f.Count < 1 || f.Count > 1000:
		return f, fmt.Errorf("count must be between 1 and 1000")
	case f.Status != 0 && (f.Status < 100 || f.Status > 599):
		return f, fmt.Errorf("status must be an HTTP status (100-599)")
	case f.Delay < 0 || f.Delay > 5*time.Minute:
		return f, fmt.Errorf("delay must be between 0s and 5m")
	case f.Status == 0 && f.Delay == 0 && !f.Drop:
		return f, fmt.Errorf("give status, delay_ms or drop")
	}
	f.Remaining = f.Count
	fs.mu.Lock()
	defer fs.mu.Unlock()
	if fs.armed == nil {
		fs.armed = map[string]*Fault{}
	}
	cp := f
	fs.armed[f.SubscriptionID] = &cp
	return f, nil
}

// List returns the faults still armed.
func (fs *Faults) List() []Fault {
	fs.mu.RLock()
	defer fs.mu.RUnlock()
	out := []Fault{}
	for _, f := range fs.armed {
		out = append(out, *f)
	}
	return out
}

// Clear disarms every fault.
func (fs *Faults) Clear() {
	fs.mu.Lock()
	fs.armed = nil
	fs.mu.Unlock()
}

// take consumes one use of the fault armed for sub, if any.
func (fs *Faults) take(sub string) (Fault, bool) {
	fs.mu.RLock()
	n := len(fs.armed)
	fs.mu.RUnlock()
	if n == 0 || sub == "" {
		return Fault{}, false
	}
	fs.mu.Lock()
	defer fs.mu.Unlock()
	f := fs.armed[sub]
	if f == nil {
		return Fault{}, false
	}
	f.Remaining--
	if f.Remaining <= 0 {
		delete(fs.armed, sub)
	}
	return *f, true
}

// Intercept is a delivery.Engine Intercept applying armed faults.
func (fs *Faults) Intercept(ctx context.Context, d *store.Delivery, send delivery.SendFunc) (*store.Attempt, http.Header, error) {
	f, ok := fs.take(d.SubscriptionID)
	if !ok {
		return send()
	}
	if f.Delay > 0 {
		t := time.NewTimer(f.Delay)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
		case <-fs.endedCh():
			t.Stop()
		}
	}
	a, h, err := send()
	if err != nil || a == nil {
		return a, h, err
	}
	switch {
	case f.Drop:
		a.ResponseStatus, a.ResponseHeaders, a.ResponseBody = 0, nil, nil
		a.Error = "connection dropped (fault injected by hookctl serve)"
		return a, nil, nil
	case f.Status != 0:
		real := a.ResponseStatus
		a.ResponseHeaders = http.Header(a.ResponseHeaders).Clone()
		if a.ResponseHeaders == nil {
			a.ResponseHeaders = map[string][]string{}
		}
		a.ResponseHeaders["X-Hookctl-Fault"] = []string{fmt.Sprintf("status %d injected; the app answered %d", f.Status, real)}
		a.ResponseStatus = f.Status
		return a, nil, nil
	}
	return a, h, err
}
