package cmd

import (
	"context"
	"os"
	"os/signal"
	"sync"
)

// signalContext is cancelled by the first of its signals, like
// signal.NotifyContext, but subscribes to them only when something first
// asks it whether it is done (Done or Err; deriving a context asks). A run
// that never looks at its context (--help, version) so starts neither
// os/signal's goroutines nor the thread the runtime starts for them: about
// 40 page faults and a clone of every cold start. Until it is asked, a
// signal keeps its default action and ends the process, which is what a
// command that does not watch its context would want anyway.
type signalContext struct {
	context.Context // cancelled by cancel; Value and Deadline are its own
	cancel          context.CancelFunc
	sigs            []os.Signal
	once            sync.Once
	ch              chan os.Signal // set by watch, under once
}

// notifyContext returns a context cancelled by sigs and its stop function,
// which releases the signals (if they were taken) and cancels the context.
func notifyContext(parent context.Context, sigs ...os.Signal) (context.Context, func()) {
	ctx, cancel := context.WithCancel(parent)
	c := &signalContext{Context: ctx, cancel: cancel, sigs: sigs}
	return c, c.stop
}

func (c *signalContext) watch() {
	c.once.Do(func() {
		if c.Context.Err() != nil {
			return
		}
		c.ch = make(chan os.Signal, 1)
		signal.Notify(c.ch, c.sigs...)
		go func() {
			select {
			case <-c.ch:
				c.cancel()
				// The first signal asks the run to stop cleanly (finish
				// and record what is in flight, which can take up to
				// --timeout); a second one ends the process at once, as
				// the user expects of a second Ctrl-C. What was in
				// flight stays pending under a lease that expires, for
				// a worker or replay --pending (as after kill -9).
				// Commands with their own handling (listen) keep theirs.
				signal.Stop(c.ch)
			case <-c.Context.Done():
			}
		}()
	})
}

func (c *signalContext) Done() <-chan struct{} {
	c.watch()
	return c.Context.Done()
}

func (c *signalContext) Err() error {
	c.watch()
	return c.Context.Err()
}

func (c *signalContext) stop() {
	c.cancel()
	c.once.Do(func() {}) // a later Done or Err no longer subscribes
	if c.ch != nil {
		signal.Stop(c.ch)
	}
}
