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

	"github.com/charmbracelet/lipgloss"
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
	StoreWait   time.Duration
	FixturesDir string
	schedule    delivery.Schedule
}

// NewCmd returns `hookctl serve`.
func NewCmd(f *cli.Factory) *cobra.Command { return newCmd(f, nil) }

func newCmd(f *cli.Factory, runF func(*Options) error) *cobra.Command {
	opts := &Options{Factory: f}
	c := &cobra.Command{
		Use:   "serve [flags]",
		Short: "Run the providers' APIs locally: Bond, Stripe-style, Svix, Mambu",
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
did. On stderr it says where each API, the inspector and an SDK's base
URL are; each attempt of the in-process worker is then a line (with -o
json: one {"kind":"attempt",…} line on stdout, after the ready line);
when it stops (Ctrl-C, SIGTERM, SIGHUP) it sums up what that worker did.
It binds 127.0.0.1; another --host needs --api-key (or --api-key-file).`,
		Example: `  hookctl serve
  hookctl serve --port 0 -o json
  hookctl serve --api-key sk_test_local --allow-reset --retry-schedule 0s,1s
  hookctl serve --host 0.0.0.0 --api-key s3cret --no-worker`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, args []string) error {
			opts.IO = f.IOStreams
			if opts.Port < 0 || opts.Port > 65535 {
				return cli.Usagef("invalid --port %d: want 0-65535 (0 = a free port)", opts.Port).
					Hint("e.g. --port 8788 (the default), or --port 0 for a free port")
			}
			if err := cli.NonEmptyFlags(c, "host", "api-key", "api-key-file", "fixtures"); err != nil {
				return err
			}
			opts.Host = cli.UnbracketHost(opts.Host)
			if fl := c.Flags().Lookup("api-key-file"); fl.Changed {
				// On the command line the key is readable by every user
				// of the machine (ps); in a file it is not.
				if c.Flags().Changed("api-key") {
					return cli.Usagef("give --api-key or --api-key-file, not both").
						Hint("--api-key-file keeps the key out of ps: keep it and drop --api-key")
				}
				keys, err := cli.ReadSecretFile("--api-key-file", "key", fl.Value.String())
				if err != nil {
					return err
				}
				if len(keys) > 1 {
					return cli.Usagef("--api-key-file %s holds %d keys: serve takes one", fl.Value.String(), len(keys)).
						Hint("leave one key in %s (lines starting with # are comments)", fl.Value.String())
				}
				opts.APIKey = keys[0]
				cli.WarnLooseSecretFile(f.IOStreams.ErrOut, "--api-key-file", fl.Value.String(), "the key the APIs accept")
			}
			if !httplimit.IsLoopbackHost(opts.Host) && opts.APIKey == "" {
				return cli.Usagef("--host %s exposes the APIs beyond this machine: it requires --api-key", opts.Host).
					Hint("add --api-key KEY (clients then send it), or keep the default --host 127.0.0.1")
			}
			// Each flag on its own, as trigger and worker say it (one
			// message named both, whichever was wrong).
			if opts.Concurrency < 1 {
				return cli.Usagef("invalid --concurrency %d: want 1 or more", opts.Concurrency).
					Hint("e.g. --concurrency 8 (the default)")
			}
			if opts.Timeout <= 0 {
				return cli.Usagef("invalid --timeout %s: want a positive duration", opts.Timeout).
					Hint("e.g. --timeout 10s (the default) or --timeout 30s")
			}
			if err := cli.CheckStoreWait(opts.StoreWait); err != nil {
				return err
			}
			sch, err := opts.Retry.Resolve(delivery.DefaultSchedule)
			if err != nil {
				return cli.RetryUsage(err) // with did you mean for a profile
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
	fl.String("api-key-file", "", "read the --api-key from `file` instead (keeps it out of the process list and shell history; warns unless only you may read it)")
	fl.BoolVar(&opts.NoWorker, "no-worker", false, "do not deliver in this process (leave it to 'hookctl worker')")
	fl.BoolVar(&opts.AllowReset, "allow-reset", false, "let POST /_hookctl/reset empty the store (test isolation)")
	fl.DurationVar(&opts.Timeout, "timeout", delivery.DefaultTimeout, "give up on a delivery attempt after `duration`")
	fl.IntVarP(&opts.Concurrency, "concurrency", "c", 8, "`n` deliveries in flight at once")
	fl.BoolVarP(&opts.Insecure, "insecure", "k", false, "the in-process worker accepts any TLS certificate (https receivers with self-signed ones)")
	// The event types of the catalog trigger and subscribe use: a
	// fixtures_dir type was unknown to serve's APIs.
	catalog.RegisterFixturesFlag(fl, &opts.FixturesDir)
	cli.AddStoreWaitFlag(fl, &opts.StoreWait)
	trigger.AddRetryFlags(c, &opts.Retry)
	// The schedule a delivery gets without these flags, shown in --help
	// (it said nothing, beside an example that is not the default).
	fl.Lookup("retry-schedule").DefValue = delivery.DefaultSchedule.String()
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
	// A fixture that does not load is bad usage, said before the store
	// is waited for.
	cat, err := catalog.Load(catalog.Options{FixturesDir: opts.FixturesDir})
	if err != nil {
		return cli.WithCode(cli.ExitUsage, err)
	}
	// A PostgreSQL server not accepting connections yet (started beside
	// serve) is waited for, up to --store-wait.
	opts.Factory.WaitForStore(opts.StoreWait)
	st, err := opts.Factory.Store(ctx)
	if err != nil {
		return err
	}
	// Attempts of the in-process worker: a line each on stderr (on a
	// terminal fitted to it, as trigger's and worker's), or with -o json
	// a JSON line each on stdout after the ready line.
	rep := &delivery.Reporter{W: ios.ErrOut, Fit: cli.StderrAttemptFit(ctx, ios, st)}
	var jsonMu sync.Mutex
	tally := &attemptTally{pending: map[string]bool{}}
	hints := &delivery.FailureHints{Max: 2}
	onResult := func(r delivery.Result) {
		hints.Note(r)
		if r.LeaseLost || r.Err != nil {
			return
		}
		tally.add(r)
		if ios.JSON() {
			j := attemptJSON{Kind: "attempt", DeliveryID: r.Delivery.ID, EventID: store.EncodeText(r.Delivery.EventID), Status: r.Delivery.Status,
				Outcome: "failed", Retry: r.Delivery.Status == store.DeliveryPending, AttemptJSON: delivery.AttemptToJSON(r.Attempt)}
			if r.Delivery.Status == store.DeliverySucceeded {
				j.Outcome = "succeeded"
			}
			if r.Event != nil {
				j.EventType = store.EncodeText(r.Event.Type)
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
			fmt.Fprintf(ios.ErrOut, "hookctl: warning: cannot claim deliveries (%v); retrying in %s\n", err, ui.FormatDuration(wait))
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
	width := 0
	if ios.IsStderrTTY() {
		width = ios.StderrWidth()
	}
	fmt.Fprintln(ios.ErrOut, banner(es, s.URL(), s.APIs(), opts.NoWorker, width))
	if !httplimit.IsLoopbackHost(opts.Host) {
		// The URL above is this machine's; say who else it serves.
		bound := opts.Host
		if ip := net.ParseIP(opts.Host); ip != nil && ip.IsUnspecified() {
			bound += " (every address of this machine)"
		}
		fmt.Fprintln(ios.ErrOut, ui.Wrap(fmt.Sprintf("Bound to %s: other machines reach the APIs with the --api-key; the inspector answers this machine only.",
			bound), width, "  "))
	}
	start := time.Now()
	select {
	case <-ctx.Done():
		fmt.Fprintln(ios.ErrOut, ui.Wrap(es.Muted.Render("Shutting down: finishing what is in flight… (^C again to quit at once)"), width, "  "))
	case <-s.StoreGone():
		// The store file was deleted or replaced: whatever serve
		// acknowledged from now on would be lost, and that does not
		// heal. It stops (exit 3) rather than answer 503 for ever.
		fmt.Fprintln(ios.ErrOut, ui.Wrap(es.Muted.Render("Shutting down: the store file is no longer in place (the APIs answer 503); finishing what is in flight…"), width, "  "))
	}
	gone := s.StoreGoneErr()
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), opts.Timeout+5*time.Second)
	defer cancel()
	if err := s.Shutdown(sctx); err != nil && !(gone != nil && store.IsGone(err)) {
		fmt.Fprintf(ios.ErrOut, "hookctl: warning: %v\n", err)
	}
	fmt.Fprintln(ios.ErrOut, ui.Wrap(tally.summary(es, time.Since(start), opts.NoWorker), width, "  "))
	// What the failed attempts had in common (nothing listening, a host
	// that does not resolve), as trigger and worker say.
	for _, h := range hints.List() {
		fmt.Fprintf(ios.ErrOut, "hookctl: hint: %s\n", h)
	}
	if gone != nil {
		return fmt.Errorf("%w: nothing more could be stored, so hookctl serve stopped", gone)
	}
	return nil
}

// apiNames are the names the banner gives the APIs (their names in -o
// json's ready line are lowercase ids: "hookctl" is the control API) and
// the routes it shows for each.
var apiNames = map[string][2]string{
	"bond":    {"Bond", "/api/v0/webhooks, /api/v0.1/webhooks, /api/v0.1/simulate/…"},
	"stripe":  {"Stripe-style", "/v1/webhook_endpoints, /v1/events"},
	"svix":    {"Svix", "/api/v1/app/…, /api/v1/event-type/"},
	"mambu":   {"Mambu", "/api/notifications/…, /api/communications/…"},
	"hookctl": {"Control API", "/_hookctl/… (every route: /_hookctl/openapi.json)"},
}

// banner is what serve says on stderr once it listens: where it serves,
// whether it delivers, each API with its routes, the inspector's URL and
// how to point an SDK at it. On a terminal (width > 0) each line is
// wrapped between words to its width. It said "Serving bond, stripe,
// svix, mambu, hookctl on …" in one line of 112 characters, which broke
// mid-word at 80 columns, named the control API "hookctl", and said
// neither where the inspector was nor what an SDK takes.
func banner(es *ui.Styles, base string, apis []string, noWorker bool, width int) string {
	worker := "delivering in-process"
	if noWorker {
		worker = "not delivering: run \"hookctl worker\""
	}
	var b strings.Builder
	b.WriteString(ui.Wrap(fmt.Sprintf("%s Serving on %s, %s (^C to stop)", es.Success.Render("Ready!"), es.Bold.Render(base), worker), width, "  "))
	row := func(name, text string) {
		b.WriteString("\n" + ui.Wrap(fmt.Sprintf("  %-12s  %s", name, text), width, strings.Repeat(" ", 16)))
	}
	for _, a := range apis {
		n, ok := apiNames[a]
		if !ok {
			n = [2]string{a, ""}
		}
		row(n[0], n[1])
	}
	row("Inspector", es.URL.Render(base+"/"))
	b.WriteString("\n" + ui.Wrap(fmt.Sprintf("Point an SDK at %s (Stripe's api_base, Svix's serverUrl).", base), width, "  "))
	return b.String()
}

// attemptTally counts the in-process worker's attempts and where their
// deliveries ended, for the summary serve prints when it stops (as
// worker does): a delivery whose attempt left a retry is pending until a
// later attempt here settles it.
type attemptTally struct {
	mu                          sync.Mutex
	attempts, succeeded, failed int
	pending                     map[string]bool
}

func (t *attemptTally) add(r delivery.Result) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if !r.NotSent {
		t.attempts++
	}
	id := r.Delivery.ID
	switch r.Delivery.Status {
	case store.DeliverySucceeded:
		t.succeeded++
		delete(t.pending, id)
	case store.DeliveryFailed:
		t.failed++
		delete(t.pending, id)
	default:
		t.pending[id] = true
	}
}

// summary is serve's last line: how long it served, and what the
// in-process worker did (it said "Stopped." whatever had happened).
func (t *attemptTally) summary(es *ui.Styles, served time.Duration, noWorker bool) string {
	t.mu.Lock()
	defer t.mu.Unlock()
	s := "Stopped after " + ui.FormatDuration(served.Round(time.Second))
	switch {
	case noWorker:
		return s + " (--no-worker: nothing delivered here)."
	case t.attempts == 0 && t.succeeded+t.failed == 0:
		return s + ": no deliveries attempted."
	}
	word := "attempts"
	if t.attempts == 1 {
		word = "attempt"
	}
	paint := func(n int, what string, st lipgloss.Style) string {
		if n > 0 {
			return st.Render(fmt.Sprintf("%d %s", n, what))
		}
		return fmt.Sprintf("%d %s", n, what)
	}
	return fmt.Sprintf("%s: %d %s; deliveries: %s, %s, %s.", s, t.attempts, word, paint(t.succeeded, "succeeded", es.Success),
		paint(t.failed, "failed", es.Failure), paint(len(t.pending), "to retry", es.Pending))
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
	case errors.Is(err, syscall.EADDRINUSE):
		// Most often hookctl serve run twice (both on 8788): say so, as
		// listen names another listen on its port.
		addr := net.JoinHostPort(host, strconv.Itoa(port))
		if u := serve.RunningAt(context.Background(), addr); u != "" {
			return cli.Envf("cannot listen on %s: another hookctl serve is running there (%s)", addr, u).
				Hint("its APIs and inspector answer there already; to start this one instead, stop it (Ctrl-C in its terminal), or pick another --port, or --port 0 for a free one")
		}
		return cli.Envf("cannot listen on %s: the port is in use", addr).
			Hint("stop what uses it, or pick another --port, or --port 0 for a free one")
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
