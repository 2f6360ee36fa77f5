// Package engineworker is a minimal outbox worker process built on
// internal/delivery's Engine, for tests and benchmarks that need several
// worker processes with a short, explicit lease. Test binaries expose it as
// the `engineworker` program. `hookctl worker` is the user-facing command.
package engineworker

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/hookctl/hookctl/internal/app"
	"github.com/hookctl/hookctl/internal/delivery"
)

// Main runs the worker until SIGINT/SIGTERM (finishing attempts in
// flight) and returns the exit code.
func Main() int {
	fs := flag.NewFlagSet("engineworker", flag.ContinueOnError)
	storeURL := fs.String("store", os.Getenv("HOOKCTL_STORE"), "store path or URL")
	concurrency := fs.Int("concurrency", 16, "attempts in flight")
	lease := fs.Duration("lease", 0, "lease on claimed deliveries (0 = engine default)")
	timeout := fs.Duration("timeout", 5*time.Second, "attempt timeout")
	poll := fs.Duration("poll", 20*time.Millisecond, "idle poll interval")
	exitIdle := fs.Bool("exit-when-idle", false, "exit once nothing is due")
	if err := fs.Parse(os.Args[1:]); err != nil {
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	st, err := app.OpenStore(ctx, *storeURL)
	if err != nil {
		fmt.Fprintln(os.Stderr, "engineworker:", err)
		return 3
	}
	defer st.Close()
	eng := &delivery.Engine{
		Store:       st,
		Sender:      &delivery.Sender{Client: delivery.NewHTTPClient(*timeout, *concurrency), UserAgent: "hookctl/test"},
		Concurrency: *concurrency,
		Lease:       *lease,
		Poll:        *poll,
	}
	var done func() bool
	if *exitIdle {
		done = func() bool { return true }
	}
	if err := eng.Run(ctx, done); err != nil {
		fmt.Fprintln(os.Stderr, "engineworker:", err)
		return 1
	}
	return 0
}
