package cli

import (
	"context"
	"fmt"
	"os"
	"sync"
	"syscall"
	"time"

	"github.com/hookctl/hookctl/internal/ui"
)

// Interrupter is the root command's signal handling, as a command finds
// it in its context: the first Ctrl-C, SIGTERM or SIGHUP cancels the
// context (the command finishes what is in flight and stops cleanly); a
// second one, a second or more later, ends the process at once with
// ExitInterrupted. A command with something to save or say before that
// (listen: what stays in its journal) registers it with OnInterruptAgain.
type Interrupter interface {
	// OnInterruptAgain registers fn to run when a second signal ends the
	// process, before it exits; remove unregisters it. fn runs on the
	// signal's goroutine and must not wait for the command's own (a
	// remove called while the process is ending waits for the end).
	OnInterruptAgain(fn func()) (remove func())
	// Signal is the signal that began the stop, nil before one came.
	Signal() os.Signal
}

// SignalExitCode is the exit code of a process that sig stopped, as a
// shell reports one its default action ended: 128 plus its number
// (SIGINT 130, SIGHUP 129, SIGTERM 143); ExitInterrupted for nil.
func SignalExitCode(sig os.Signal) int {
	if s, ok := sig.(syscall.Signal); ok && s > 0 && s < 128 {
		return 128 + int(s)
	}
	return ExitInterrupted
}

// InterruptedCode is the exit code of a command the signal in ctx's
// Interrupter stopped (SignalExitCode): what a command interrupted exits
// with; ExitInterrupted when none came (a prompt's end of input) or ctx
// has no Interrupter. It does not ask ctx whether it is done.
func InterruptedCode(ctx context.Context) int {
	if in, ok := ctx.Value(interrupterKey{}).(Interrupter); ok {
		return SignalExitCode(in.Signal())
	}
	return ExitInterrupted
}

type interrupterKey struct{}

// WithInterrupter returns ctx carrying in, for OnInterruptAgain.
func WithInterrupter(ctx context.Context, in Interrupter) context.Context {
	return context.WithValue(ctx, interrupterKey{}, in)
}

// OnInterruptAgain registers fn with the Interrupter in ctx (see
// Interrupter); without one (a command run in-process, as tests do) it
// does nothing. The returned function unregisters fn.
func OnInterruptAgain(ctx context.Context, fn func()) (remove func()) {
	if in, ok := ctx.Value(interrupterKey{}).(Interrupter); ok {
		return in.OnInterruptAgain(fn)
	}
	return func() {}
}

// stoppingNoticeAfter is how long a command may still be at work after the
// first signal before StoppingNotice says why it has not ended: a stop
// with nothing in flight ends well within it, unannounced.
var stoppingNoticeAfter = 300 * time.Millisecond

// StoppingNotice says, once the first signal in ctx's Interrupter came and
// the command is still at work stoppingNoticeAfter later, that it is
// finishing what is in flight and how to stop at once: a trigger, replay
// or worker waits up to --timeout (10 s by default) for an attempt a slow
// receiver holds, and without a word the user presses Ctrl-C again, which
// leaves that attempt unrecorded (sent, and sent again by a worker). As
// listen, serve and ui say on their first signal. say prints the line
// (through a progress bar when one is drawn); what is in flight and the
// longest wait are the command's. The returned function, called when the
// command returns, stops the notice; one being printed is finished first,
// so it never follows the command's summary.
func StoppingNotice(ctx context.Context, say func(line string), inFlight string, wait time.Duration) (done func()) {
	in, ok := ctx.Value(interrupterKey{}).(Interrupter)
	if !ok {
		return func() {}
	}
	var mu sync.Mutex
	finished := false
	stop := make(chan struct{})
	go func() {
		select {
		case <-ctx.Done():
		case <-stop:
			return
		}
		sig := in.Signal()
		if sig == nil {
			return // not a signal: the run ended, or its stdout's reader left
		}
		t := time.NewTimer(stoppingNoticeAfter)
		defer t.Stop()
		select {
		case <-t.C:
		case <-stop:
			return
		}
		again := "^C again"
		if sig != os.Interrupt {
			again = "a second signal"
		}
		mu.Lock()
		defer mu.Unlock()
		if !finished {
			say(fmt.Sprintf("Stopping: finishing %s (up to %s)… (%s to quit at once)", inFlight, ui.FormatDuration(wait), again))
		}
	}()
	var once sync.Once
	return func() {
		once.Do(func() {
			close(stop)
			mu.Lock()
			finished = true
			mu.Unlock()
		})
	}
}
