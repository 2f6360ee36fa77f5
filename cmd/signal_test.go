//go:build unix

package cmd

import (
	"context"
	"errors"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/cli"
)

func TestNotifyContextSubscribesWhenAsked(t *testing.T) {
	ctx, stop := notifyContext(context.Background(), syscall.SIGUSR1)
	defer stop()
	sc := ctx.(*signalContext)
	if sc.ch != nil {
		t.Fatal("subscribed to signals before anything asked the context")
	}
	child, cancel := context.WithCancel(ctx) // deriving asks (Done)
	defer cancel()
	if sc.ch == nil {
		t.Fatal("not subscribed after a context was derived from it")
	}
	if err := syscall.Kill(syscall.Getpid(), syscall.SIGUSR1); err != nil {
		t.Fatal(err)
	}
	select {
	case <-child.Done():
	case <-time.After(5 * time.Second):
		t.Fatal("the signal did not cancel the context")
	}
	if ctx.Err() != context.Canceled || child.Err() != context.Canceled {
		t.Fatalf("Err = %v, %v; want context.Canceled", ctx.Err(), child.Err())
	}
}

func TestNotifyContextErrSubscribes(t *testing.T) {
	ctx, stop := notifyContext(context.Background(), syscall.SIGUSR1)
	if ctx.Err() != nil {
		t.Fatal(ctx.Err())
	}
	if ctx.(*signalContext).ch == nil {
		t.Fatal("Err did not subscribe")
	}
	stop()
	if ctx.Err() != context.Canceled {
		t.Fatalf("Err after stop = %v", ctx.Err())
	}
}

func TestNotifyContextStopBeforeAsked(t *testing.T) {
	ctx, stop := notifyContext(context.Background(), syscall.SIGUSR1)
	stop()
	select {
	case <-ctx.Done():
	default:
		t.Fatal("stop did not cancel")
	}
	if ctx.(*signalContext).ch != nil {
		t.Fatal("subscribed after stop")
	}
}

// Reporting an error that is not the context's does not subscribe (an
// error exit stays as cheap as a successful one); an interrupt is still
// reported as one.
func TestReportErrorLeavesSignalsAlone(t *testing.T) {
	ctx, stop := notifyContext(context.Background(), syscall.SIGUSR1)
	defer stop()
	var out strings.Builder
	if code := reportError(&out, ctx, errors.New("boom")); code != cli.ExitFailed {
		t.Fatalf("exit %d", code)
	}
	if ctx.(*signalContext).ch != nil {
		t.Fatal("reporting a plain error subscribed to signals")
	}
	ctx.(*signalContext).cancel()
	out.Reset()
	if code := reportError(&out, ctx, context.Canceled); code != cli.ExitInterrupted || !strings.Contains(out.String(), "interrupted") {
		t.Fatalf("exit %d, %q", code, out.String())
	}
}
