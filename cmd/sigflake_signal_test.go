//go:build unix

package cmd

import (
	"context"
	"syscall"
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/cli"
)

// The root's signal handling after the first signal: a repeat within
// doubledSignal (timeout(1) and process-group kills deliver one signal
// twice at once) changes nothing; a later one runs the commands' hooks
// (not those removed) and exits 128 plus the number of the signal that
// ended it (143 for SIGTERM). Driven through the handler's channel
// with a clock the test moves, so nothing here depends on timing.
func TestSecondSignalQuitsAfterHooks(t *testing.T) {
	ctx, stop := notifyContext(context.Background(), syscall.SIGUSR1)
	defer stop()
	sc := ctx.(*signalContext)
	// The handler reads the clock once per signal: each value the test
	// hands it is read for the signal just sent, in order.
	times := make(chan time.Time)
	sc.now = func() time.Time { return <-times }
	tick := func(at time.Time) {
		t.Helper()
		select {
		case times <- at:
		case <-time.After(10 * time.Second):
			t.Fatal("the handler did not look at a signal (it stopped handling them)")
		}
	}
	exits := make(chan int, 3)
	sc.exit = func(code int) { exits <- code }
	var ran []string
	in := cli.WithInterrupter(ctx, sc)
	cli.OnInterruptAgain(in, func() { ran = append(ran, "kept") })
	cli.OnInterruptAgain(in, func() { ran = append(ran, "removed") })()

	if ctx.Err() != nil { // subscribes
		t.Fatal(ctx.Err())
	}
	t0 := time.Date(2026, 12, 5, 12, 0, 0, 0, time.UTC)
	sc.ch <- syscall.SIGUSR1
	tick(t0)
	<-ctx.Done() // the first signal cancels
	sc.ch <- syscall.SIGUSR1
	tick(t0.Add(doubledSignal - time.Millisecond)) // the same stop said twice
	sc.ch <- syscall.SIGTERM
	tick(t0.Add(doubledSignal)) // read only once the repeat was let go: a second Ctrl-C
	select {
	case code := <-exits:
		// The code of the signal that ended it (SIGTERM: 128+15), not
		// 130 whatever the signal.
		if code != 143 {
			t.Fatalf("exit %d, want 143 (SIGTERM)", code)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("a signal a second after the first did not end the process")
	}
	if len(exits) != 0 {
		t.Fatal("exited more than once: the repeat within a second ended the process too")
	}
	if len(ran) != 1 || ran[0] != "kept" {
		t.Fatalf("hooks run before the exit: %q, want only the one not removed", ran)
	}
}

// Without the root's handling in its context (a command run in-process,
// as tests do), OnInterruptAgain does nothing.
func TestOnInterruptAgainWithoutInterrupter(t *testing.T) {
	cli.OnInterruptAgain(context.Background(), func() { t.Fatal("ran") })()
}
