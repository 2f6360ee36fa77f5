package web

import (
	"context"
	"sync"
	"time"

	"github.com/hookctl/hookctl/internal/store"
)

// liveHub tells a Handler's open live streams when the store changed, so
// an idle tab reads nothing: one poller (started with the first stream,
// stopped with the last) reads the store's change mark
// (store.ChangeMarker: one cheap read) every Poll, and when it moved it
// moves gen and wakes the streams waiting on it. A stream notes gen
// before its reads and reads again once gen is another: anything
// committed after its reads began moves the mark after them, and so gen.
// The poller's first mark is read before the stream that started it
// notes gen (join waits for it), so what commits after a stream's first
// reads moves gen. A mark that cannot be read (the store is down, a file
// gone: the streams find out and say so by their own reads) moves gen at
// every poll until one is read again, which moves it too; a store
// without marks moves it at every poll: its streams read at every poll,
// as all did before.
type liveHub struct {
	poll time.Duration
	// mark reads the store's change mark; nil: none (gen moves every poll).
	mark func(ctx context.Context) (string, error)

	mu      sync.Mutex
	gen     uint64
	changed chan struct{} // closed (and replaced) when gen moves
	closed  chan struct{} // closed: what wait returns once gen moved
	streams int
	poller  *hubPoller // the running one; nil when none runs
}

// hubPoller is one run of the poller: stop ends it; ready is closed once
// it read its first mark.
type hubPoller struct {
	stop, ready chan struct{}
}

func newLiveHub(st store.Store, poll time.Duration) *liveHub {
	hub := &liveHub{poll: poll, changed: make(chan struct{}), closed: make(chan struct{})}
	close(hub.closed)
	if m, ok := st.(store.ChangeMarker); ok {
		hub.mark = func(ctx context.Context) (string, error) {
			// A store file deleted or replaced: its connection may still
			// read the old file's unchanged mark.
			if err := store.CheckInPlace(st); err != nil {
				return "", err
			}
			return m.ChangeMark(ctx)
		}
	}
	return hub
}

// join counts a stream in (starting the poller with the first one) and
// returns the gen as of now, once the poller read its first mark (or ctx
// ended); leave counts it out.
func (hub *liveHub) join(ctx context.Context) uint64 {
	hub.mu.Lock()
	hub.streams++
	p := hub.poller
	if p == nil {
		p = &hubPoller{stop: make(chan struct{}), ready: make(chan struct{})}
		hub.poller = p
		go hub.run(p)
	}
	hub.mu.Unlock()
	select {
	case <-p.ready:
	case <-ctx.Done():
	}
	return hub.current()
}

func (hub *liveHub) leave() {
	hub.mu.Lock()
	defer hub.mu.Unlock()
	hub.streams--
	if hub.streams == 0 && hub.poller != nil {
		close(hub.poller.stop)
		hub.poller = nil
	}
}

// current is gen now.
func (hub *liveHub) current() uint64 {
	hub.mu.Lock()
	defer hub.mu.Unlock()
	return hub.gen
}

// wait returns a channel closed once gen is not seen.
func (hub *liveHub) wait(seen uint64) <-chan struct{} {
	hub.mu.Lock()
	defer hub.mu.Unlock()
	if hub.gen != seen {
		return hub.closed
	}
	return hub.changed
}

func (hub *liveHub) bump() {
	hub.mu.Lock()
	hub.gen++
	close(hub.changed)
	hub.changed = make(chan struct{})
	hub.mu.Unlock()
}

// run is the poller, until p.stop is closed.
func (hub *liveHub) run(p *hubPoller) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		<-p.stop
		cancel()
	}()
	read := func() (string, error) {
		rctx, rcancel := context.WithTimeout(ctx, max(5*time.Second, 10*hub.poll))
		defer rcancel()
		return hub.mark(rctx)
	}
	last, have := "", false
	if hub.mark != nil {
		m, err := read()
		last, have = m, err == nil
	}
	close(p.ready)
	t := time.NewTicker(hub.poll)
	defer t.Stop()
	for {
		select {
		case <-p.stop:
			return
		case <-t.C:
		}
		if hub.mark == nil {
			hub.bump()
			continue
		}
		m, err := read()
		if ctx.Err() != nil {
			return
		}
		if err != nil || !have || m != last {
			hub.bump()
		}
		last, have = m, err == nil
	}
}
