package cmd

import (
	"context"
	"os"
	"os/signal"
	"sync"
	"time"

	"github.com/hookctl/hookctl/internal/cli"
)

// signalContext is cancelled by the first of its signals, like
// signal.NotifyContext, but subscribes to them only when something first
// asks it whether it is done (Done or Err; deriving a context asks). A run
// that never looks at its context (--help, version) so starts neither
// os/signal's goroutines nor the thread the runtime starts for them: about
// 40 page faults and a clone of every cold start. Until it is asked, a
// signal keeps its default action and ends the process, which is what a
// command that does not watch its context would want anyway.
//
// Once subscribed it keeps the signals until stop: the first asks the run
// to stop cleanly (finish and record what is in flight, which can take up
// to --timeout); a second one, doubledSignal or more later, ends the
// process at once, as the user expects of a second Ctrl-C, with the code
// a shell gives a process that signal's default action ended (128 plus
// its number: SIGINT 130, SIGTERM 143, SIGHUP 129; cli.SignalExitCode),
// after the hooks commands registered (cli.OnInterruptAgain: listen says
// what stays in its journal). What was in flight stays pending under a
// lease that expires, for a worker or replay --pending (as after kill -9).
//
// It does not give the signals back after the first: that made the second
// one take the disposition hookctl started with, and a hookctl started
// with SIGINT ignored (`hookctl serve &` in a script: a shell without job
// control starts background jobs so) ignored every Ctrl-C after the first.
type signalContext struct {
	context.Context // cancelled by cancel; Value and Deadline are its own
	cancel          context.CancelFunc
	sigs            []os.Signal
	once            sync.Once
	ch              chan os.Signal // set by watch, under once
	stopped         chan struct{}  // closed by stop
	stopOnce        sync.Once

	now  func() time.Time // time.Now; tests set both
	exit func(code int)   // os.Exit

	mu    sync.Mutex // held from a second signal until the exit
	hooks map[int]func()
	next  int

	sigMu sync.Mutex
	first os.Signal // the signal that began the stop (Signal)
}

// doubledSignal: a repeat of a signal this soon after the first is the
// same stop said twice, not the user insisting. timeout(1) signals its
// child and then its whole process group, and a closed terminal sends
// SIGHUP from the kernel and again from the shell: each delivers one
// signal twice at once, and the drain must survive it.
const doubledSignal = time.Second

// notifyContext returns a context cancelled by sigs and its stop function,
// which releases the signals (if they were taken) and cancels the context.
func notifyContext(parent context.Context, sigs ...os.Signal) (context.Context, func()) {
	ctx, cancel := context.WithCancel(parent)
	c := &signalContext{Context: ctx, cancel: cancel, sigs: sigs, stopped: make(chan struct{}),
		now: time.Now, exit: os.Exit, hooks: map[int]func(){}}
	return c, c.stop
}

func (c *signalContext) watch() {
	c.once.Do(func() {
		if c.Context.Err() != nil {
			return
		}
		c.ch = make(chan os.Signal, 1)
		signal.Notify(c.ch, c.sigs...)
		go c.handle()
	})
}

// handle cancels the context on the first signal and ends the process on
// a later one (after doubledSignal), until stop.
func (c *signalContext) handle() {
	var first time.Time
	for {
		select {
		case sig := <-c.ch:
			switch {
			case first.IsZero():
				first = c.now()
				c.sigMu.Lock()
				c.first = sig
				c.sigMu.Unlock()
				c.cancel()
			case c.now().Sub(first) >= doubledSignal:
				c.quit(sig)
				return
			}
		case <-c.stopped:
			return
		}
	}
}

// quit runs the hooks and exits with sig's code. The lock stays held
// until the exit: a command that returns meanwhile waits in its hook's
// remove.
func (c *signalContext) quit(sig os.Signal) {
	c.mu.Lock()
	defer c.mu.Unlock() // only when exit returns (tests)
	for i := range c.next {
		if fn, ok := c.hooks[i]; ok {
			fn()
		}
	}
	c.exit(cli.SignalExitCode(sig))
}

// Signal implements cli.Interrupter: the first signal, nil before it.
func (c *signalContext) Signal() os.Signal {
	c.sigMu.Lock()
	defer c.sigMu.Unlock()
	return c.first
}

// OnInterruptAgain implements cli.Interrupter.
func (c *signalContext) OnInterruptAgain(fn func()) (remove func()) {
	c.mu.Lock()
	defer c.mu.Unlock()
	id := c.next
	c.next++
	c.hooks[id] = fn
	return func() {
		c.mu.Lock()
		defer c.mu.Unlock()
		delete(c.hooks, id)
	}
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
	c.stopOnce.Do(func() { close(c.stopped) })
	if c.ch != nil {
		signal.Stop(c.ch)
	}
}
