package cli

import (
	"context"
	"os"
	"syscall"
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
