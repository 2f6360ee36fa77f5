// Package serve implements `hookctl serve`.
package serve

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os/signal"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/hookctl/hookctl/cmd/trigger"

	"github.com/hookctl/hookctl/internal/catalog"
	"github.com/hookctl/hookctl/internal/cli"
	"github.com/hookctl/hookctl/internal/delivery"
	"github.com/hookctl/hookctl/internal/httplimit"
	"github.com/hookctl/hookctl/internal/serve"
	"github.com/hookctl/hookctl/internal/service"
	"github.com/hookctl/hookctl/internal/store"
	"github.com/hookctl/hookctl/internal/ui"
	"github.com/hookctl/hookctl/internal/web"
)

// Options are the parsed flags of `hookctl serve`.
type Options struct {
	Factory     *cli.Factory
	IO          *ui.IOStreams
	Host        string
	Port        int
	APIKey      string
	NoWorker    bool
	AllowReset  bool
	Timeout     time.Duration
	Concurrency int
	Insecure    bool
	Retry       delivery.ScheduleOptions
	schedule    delivery.Schedule
}

// NewCmd returns `hookctl serve`.
func NewCmd(f *cli.Factory) *cobra.Command { return newCmd(f, nil) }

func newCmd(f *cli.Factory, runF func(*Options) error) *cobra.Command {
	opts := &Options{Factory: f}
	c := &cobra.Command{
		Use:   "serve [flags]",
		Short: "Run the providers' APIs locally (Bond, Stripe-style, Svix, Mambu)",
		Long: `Serve the providers' subscription and resend APIs on one local port, so an
app's own API client can be tested without a sandbox: Bond (/api/v0/webhooks,
/api/v0.1/webhooks, /api/v0.1/simulate/kyc-pass|kyc-fail), Stripe-style
(/v1/webhook_endpoints, /v1/events), Svix (/api/v1/app/…) and Mambu
(/api/notifications/…, /api/communications/…), plus a control API for test
suites under /_hookctl/ (trigger, events, deliveries, replay, reset, faults,
openapi.json).

Subscriptions created through these APIs are ordinary hookctl subscriptions:
events are really delivered to them, signed with the secret the API
returned, by a delivery worker running in this process (--no-worker leaves
that to 'hookctl worker'). Everything lives in the store, so 'hookctl
subscriptions list', 'trigger', 'deliveries' and 'replay' see what the APIs
did. Each attempt of the in-process worker is logged on stderr (with -o
json: one {"kind":"attempt",…} line on stdout, after the ready line). It
binds 127.0.0.1; another --host needs --api-key.`,
		Example: `  hookctl serve
  hookctl serve --port 0 -o json
  hookctl serve --api-key sk_test_local --allow-reset --retry-schedule 0s,1s
  hookctl serve --host 0.0.0.0 --api-key s3cret --no-worker`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, args []string) error {
			opts.IO = f.IOStreams
			if opts.Port < 0 || opts.Port > 65535 {
				return cli.Usagef("invalid --port %d: want 0-65535 (0 = a free port)", opts.Port)
			}
			if err := cli.NonEmptyFlags(c, "host"); err != nil {
				return err
			}
			opts.Host = cli.UnbracketHost(opts.Host)
			if !httplimit.IsLoopbackHost(opts.Host) && opts.APIKey == "" {
				return cli.Usagef("--host %s exposes the APIs beyond this machine: it requires --api-key", opts.Host).
					Hint("add --api-key KEY (clients then send it), or keep the default --host 127.0.0.1")
			}
			if opts.Timeout <= 0 || opts.Concurrency < 1 {
				return cli.Usagef("--timeout must be positive and --concurrency at least 1")
			}
			sch, err := opts.Retry.Resolve(delivery.DefaultSchedule)
			if err != nil {
				return cli.WithCode(cli.ExitUsage, err) // with did you mean for a profile
			}
			opts.schedule = sch
			if runF != nil {
				return runF(opts)
			}
			return run(c.Context(), opts)
		},
	}
	fl := c.Flags()
	fl.IntVarP(&opts.Port, "port", "p", 8788, "listen on `port` (0 = a free port)")
	fl.StringVar(&opts.Host, "host", "127.0.0.1", "listen on `address` (anything but loopback requires --api-key)")
	fl.StringVar(&opts.APIKey, "api-key", "", "accept only this `key` as the APIs' credential (default: any non-empty one)")
	fl.BoolVar(&opts.NoWorker, "no-worker", false, "do not deliver in this process (leave it to 'hookctl worker')")
	fl.BoolVar(&opts.AllowReset, "allow-reset", false, "let POST /_hookctl/reset empty the store (test isolation)")
	fl.DurationVar(&opts.Timeout, "timeout", delivery.DefaultTimeout, "give up on a delivery attempt after `duration`")
	fl.IntVarP(&opts.Concurrency, "concurrency", "c", 8, "`n` deliveries in flight at once")
	fl.BoolVarP(&opts.Insecure, "insecure", "k", false, "the in-process worker accepts any TLS certificate (https receivers with self-signed ones)")
	trigger.AddRetryFlags(c, &opts.Retry)
	return c
}

// attemptJSON is one line of `serve -o json` after the ready line.
type attemptJSON struct {
	Kind       string `json:"kind"`
	DeliveryID string `json:"delivery_id"`
	EventID    string `json:"event_id"`
	EventType  string `json:"event_type,omitempty"`
	Status     string `json:"status"`
	// Outcome and Retry as in worker -o json: the attempt's own result,
	// and whether another attempt is scheduled.
	Outcome string `json:"outcome"`
	Retry   bool   `json:"retry"`
	delivery.AttemptJSON
}

type readyJSON struct {
	Kind string   `json:"kind"`
	URL  string   `json:"url"`
	Port int      `json:"port"` // as listen's ready line: --port 0 picks one
	APIs []string `json:"apis"`
}

func run(ctx context.Context, opts *Options) error {
	ios := opts.IO
	// Ctrl-C and SIGTERM come from the root; a closed terminal (SIGHUP)
	// stops the server cleanly too.
	ctx, stop := signal.NotifyContext(ctx, syscall.SIGHUP)
	defer stop()
	st, err := opts.Factory.Store(ctx)
	if err != nil {
		return err
	}
	cat, err := catalog.Load(catalog.Options{})
	if err != nil {
		return err
	}
	// Attempts of the in-process worker: a line each on stderr, or with
	// -o json a JSON line each on stdout after the ready line.
	rep := &delivery.Reporter{W: ios.ErrOut}
	var jsonMu sync.Mutex
	onResult := func(r delivery.Result) {
		if r.LeaseLost || r.Err != nil {
			return
		}
		if ios.JSON() {
			j := attemptJSON{Kind: "attempt", DeliveryID: r.Delivery.ID, EventID: r.Delivery.EventID, Status: r.Delivery.Status,
				Outcome: "failed", Retry: r.Delivery.Status == store.DeliveryPending, AttemptJSON: delivery.AttemptToJSON(r.Attempt)}
			if r.Delivery.Status == store.DeliverySucceeded {
				j.Outcome = "succeeded"
			}
			if r.Event != nil {
				j.EventType = r.Event.Type
			}
			jsonMu.Lock()
			ui.WriteJSONLine(ios.Out, j)
			jsonMu.Unlock()
			return
		}
		rep.Attempt(r)
	}
	s, err := serve.New(serve.Options{Host: opts.Host, Port: opts.Port, APIKey: opts.APIKey, NoWorker: opts.NoWorker,
		AllowReset: opts.AllowReset, Store: st, Catalog: cat, Version: opts.Factory.Version, Timeout: opts.Timeout,
		Concurrency: opts.Concurrency, Insecure: opts.Insecure, Schedule: opts.schedule, Now: opts.Factory.Now, OnResult: onResult,
		UIMaxBody: web.MaxForm,
		UIFunc: func(addr string, d *service.Dispatcher) (http.Handler, error) {
			return web.New(web.Config{Store: st, Catalog: cat, Dispatcher: d, Addr: addr, Version: opts.Factory.Version, Now: opts.Factory.Now})
		},
		OnClaimError: func(err error, wait time.Duration) {
			if store.IsTransient(err) {
				return // the store went away: StoreNotice says so, once
			}
			fmt.Fprintf(ios.ErrOut, "hookctl: warning: cannot claim deliveries (%v); retrying in %s\n", err, wait.Round(time.Millisecond))
		},
		StoreNotice: &delivery.StoreNotice{W: ios.ErrOut, Patience: 10 * time.Minute}})
	if err != nil {
		return err
	}
	// Collect a flood's garbage before RSS grows: the body budget bounds
	// what requests hold, and each request's parsing and answer multiply
	// it; 48 MiB as for listen (GOMEMLIMIT overrides).
	httplimit.SoftMemoryLimit(6 * serve.BodyBudget)
	if err := s.Start(ctx); err != nil {
		return listenError(opts.Host, opts.Port, err)
	}
	if ios.JSON() {
		if err := ui.WriteJSONLine(ios.Out, readyJSON{Kind: "ready", URL: s.URL(), Port: urlPort(s.URL()), APIs: s.APIs()}); err != nil {
			return err
		}
	}
	es := ios.ErrStyles()
	worker := "delivering in-process"
	if opts.NoWorker {
		worker = "not delivering (--no-worker: run 'hookctl worker')"
	}
	fmt.Fprintf(ios.ErrOut, "%s Serving %s on %s, %s (^C to stop)\n", es.Success.Render("Ready!"),
		strings.Join(s.APIs(), ", "), es.Bold.Render(s.URL()), worker)
	fmt.Fprintln(ios.ErrOut, es.Muted.Render("Routes: "+s.URL()+"/_hookctl/openapi.json"))
	<-ctx.Done()
	fmt.Fprintln(ios.ErrOut, es.Muted.Render("Shutting down: finishing requests and deliveries in flight…"))
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), opts.Timeout+5*time.Second)
	defer cancel()
	if err := s.Shutdown(sctx); err != nil {
		fmt.Fprintf(ios.ErrOut, "hookctl: warning: %v\n", err)
	}
	fmt.Fprintln(ios.ErrOut, "Stopped.")
	return nil
}

// listenError says why the server could not listen, with a hint about the
// flag at fault: the port (taken, privileged) or the host (a name that
// does not resolve, an address this machine does not have).
func listenError(host string, port int, err error) error {
	var dns *net.DNSError
	switch {
	case errors.As(err, &dns):
		return cli.Usagef("invalid --host %s: %s", host, dns.Err).
			Hint("give an address of this machine: 127.0.0.1 (the default), ::1, or 0.0.0.0 with --api-key")
	case errors.Is(err, syscall.EADDRNOTAVAIL):
		return cli.Envf("cannot listen on %s: this machine has no such address", net.JoinHostPort(host, strconv.Itoa(port))).
			Hint("--host must be an address of this machine: 127.0.0.1 (the default), ::1, or 0.0.0.0 with --api-key")
	case errors.Is(err, syscall.EACCES):
		return cli.Envf("cannot listen on %s: permission denied", net.JoinHostPort(host, strconv.Itoa(port))).
			Hint("ports below 1024 need privileges: pick another --port, or --port 0 for a free one")
	}
	var oe *net.OpError
	if errors.As(err, &oe) {
		return cli.Envf("cannot listen on %s: %v", net.JoinHostPort(host, strconv.Itoa(port)), oe.Err).
			Hint("pick another --port, or --port 0 for a free one")
	}
	return cli.Envf("cannot listen: %v", err)
}

// urlPort is the port of a server's http://host:port URL (0 when it has none).
func urlPort(u string) int {
	pu, err := url.Parse(u)
	if err != nil {
		return 0
	}
	n, _ := strconv.Atoi(pu.Port())
	return n
}
