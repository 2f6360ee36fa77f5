// Package trigger implements `hookctl trigger`.
package trigger

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/hookctl/hookctl/internal/catalog"
	"github.com/hookctl/hookctl/internal/cli"
	"github.com/hookctl/hookctl/internal/config"
	"github.com/hookctl/hookctl/internal/delivery"
	"github.com/hookctl/hookctl/internal/listen"
	"github.com/hookctl/hookctl/internal/service"
	"github.com/hookctl/hookctl/internal/signature"
	"github.com/hookctl/hookctl/internal/store"
	"github.com/hookctl/hookctl/internal/subscription"
	"github.com/hookctl/hookctl/internal/ui"
)

// Options are the parsed flags of `hookctl trigger`.
type Options struct {
	Factory *cli.Factory
	IO      *ui.IOStreams

	EventType      string
	Provider       string
	SubscriptionID string
	URL            string
	Scheme         string
	Secret         string
	SecretGiven    bool   // --secret was on the command line (even empty), or --secret-file or $HOOKCTL_SECRET gave one
	SecretFrom     string // where: --secret, --secret-file or $HOOKCTL_SECRET
	FixturesDir    string
	Overrides      catalog.OverrideFlags // --set, --set-string, --set-json, --unset, --data
	Count          int
	Concurrency    int
	Duplicate      int
	Wait           time.Duration
	Headers        map[string]string
	Method         string
	Timeout        time.Duration
	Insecure       bool
	Retry          delivery.ScheduleOptions
	Verbose        bool
}

// NewCmd returns `hookctl trigger`.
func NewCmd(f *cli.Factory) *cobra.Command { return newCmd(f, nil) }

func newCmd(f *cli.Factory, runF func(*Options) error) *cobra.Command {
	opts := &Options{Factory: f}
	var headers []string
	c := &cobra.Command{
		Use:   "trigger <event-type> [flags]",
		Short: "Send a signed sample event to every matching subscription",
		Long: `Build a realistic event from the catalog (fresh ids and timestamps, your
overrides applied), store it with one delivery per matching enabled
subscription (the outbox), then sign and send each delivery, retrying on the
schedule and recording every attempt. It waits until every delivery is final
or --wait runs out; what is still pending stays pending for 'hookctl worker'
or 'hookctl replay --pending'. It prints every attempt of its deliveries,
also those another process sharing the store made (a worker, serve).

--subscription ID sends to that subscription even when its --events (or
--provider) do not take the event, with a warning on stderr naming its
filter (under -o json, the document's outside_filter says it).

Exit status: 0 when every delivery succeeded (or is still pending after
--wait), 1 when any delivery failed or no subscription matches, 2 for bad
usage, 3 when the store cannot be used, 130 when interrupted (Ctrl-C; 143
after SIGTERM, 129 after SIGHUP), 141 when the reader of its stdout left
(| head -1: the run stops as on Ctrl-C).`,
		Example: `  hookctl trigger card.created
  hookctl trigger kyc.verification.success --set customer_id=cus_123 --header 'X-Env: test'
  hookctl trigger payment.succeeded --url http://localhost:3000/webhooks --scheme stripe --secret whsec_test_secret
  hookctl trigger card.created --count 100 --concurrency 16 --retry-profile svix --time-scale 1000
  hookctl trigger card.created --duplicate 3 -o json`,
		Args:              cobra.ExactArgs(1),
		ValidArgsFunction: cli.CompleteEventTypes(f),
		RunE: func(c *cobra.Command, args []string) error {
			opts.IO = f.IOStreams
			opts.EventType = args[0]
			if opts.Count < 1 {
				return cli.Usagef("invalid --count %d: want 1 or more", opts.Count).
					Hint("e.g. --count 100 to send 100 events; leave it out for one")
			}
			if opts.Duplicate < 1 {
				return cli.Usagef("invalid --duplicate %d: want 1 or more", opts.Duplicate).
					Hint("e.g. --duplicate 2 to send each event twice with the same id; leave it out for once")
			}
			if opts.Concurrency < 1 {
				return cli.Usagef("invalid --concurrency %d: want 1 or more", opts.Concurrency).
					Hint("e.g. --concurrency 8 (the default)")
			}
			if err := cli.NonEmptyFlags(c, "url", "subscription", "provider", "scheme", "fixtures"); err != nil {
				return err
			}
			if opts.URL != "" && opts.SubscriptionID != "" {
				return cli.Usagef("--url and --subscription cannot be used together").
					Hint("--url sends ad hoc, --subscription to that subscription's URL: keep one of them")
			}
			fromFile, err := cli.SecretFromFile(c, &opts.Secret)
			if err != nil {
				return err
			}
			opts.SecretGiven = c.Flags().Changed("secret") || fromFile
			opts.SecretFrom = "--secret"
			if fromFile {
				opts.SecretFrom = "--secret-file"
			}
			if opts.URL == "" && opts.SecretGiven {
				flag := opts.SecretFrom
				return cli.Usagef("%s needs --url (subscriptions have their own secret)", flag).
					Hint("add --url URL to sign with this secret, or drop %s to send to the subscriptions", flag)
			}
			// As for sign, verify and check, $HOOKCTL_SECRET is the
			// secret when neither flag gives one: a CI job keeps its
			// receiver's secret out of the logged command line, and the
			// one it set for check signs trigger --url's requests too,
			// instead of a generated secret the receiver refuses.
			// Subscriptions sign with their own: it is not read for them.
			if opts.URL != "" && !opts.SecretGiven {
				if v := strings.TrimSpace(os.Getenv("HOOKCTL_SECRET")); v != "" {
					opts.Secret, opts.SecretGiven, opts.SecretFrom = v, true, "$HOOKCTL_SECRET"
				}
			}
			// The config's scheme (not Changed) is only a default for --url.
			if opts.URL == "" && c.Flags().Changed("scheme") {
				return cli.Usagef("--scheme needs --url (subscriptions sign with their own scheme)").
					Hint("change a subscription's scheme: hookctl subscriptions update ID --scheme %s", opts.Scheme)
			}
			if opts.URL != "" {
				u, err := NormalizeURL(opts.URL, "--url")
				if err != nil {
					return URLError(err, "--url", "e.g. --url http://localhost:3000/webhooks, or a port alone: --url 3000")
				}
				opts.URL = u
			}
			if opts.Scheme != "" && opts.Scheme != "auto" {
				if _, err := signature.Lookup(opts.Scheme); err != nil {
					return cli.WithCode(cli.ExitUsage, signature.UnknownScheme(opts.Scheme, true))
				}
			}
			if opts.Method != "" {
				// A subscription's methods: a typo (PUTT) was sent as is.
				if _, err := subscription.ValidateMethod(opts.Method); err != nil {
					return cli.WithCode(cli.ExitUsage, err)
				}
				opts.Method = strings.ToUpper(strings.TrimSpace(opts.Method))
			}
			if opts.Timeout <= 0 {
				return cli.Usagef("invalid --timeout %s: want a positive duration", opts.Timeout).
					Hint("e.g. --timeout 10s (the default) or --timeout 30s")
			}
			if opts.Wait < 0 {
				return cli.Usagef("invalid --wait %s: want a positive duration, or 0 to wait until every delivery is final", opts.Wait).
					Hint("e.g. --wait 30s; leave it out (or 0) to wait until every delivery is final")
			}
			// A subscription's --header rules (a valid name, no line break,
			// not a header hookctl sets): a bad one is refused, not mangled.
			h, err := subscription.ParseHeaders(headers)
			if err != nil {
				return cli.WithCode(cli.ExitUsage, err) // keeps its hint
			}
			opts.Headers = h
			if runF != nil {
				return runF(opts)
			}
			return run(c.Context(), opts)
		},
	}
	fl := c.Flags()
	fl.StringVarP(&opts.Provider, "provider", "p", "", "`provider` of the event: {bond|mono|mambu|saas|standard|stripe|github}")
	fl.StringVar(&opts.SubscriptionID, "subscription", "", "send only to this subscription `id` (or unique prefix)")
	fl.StringVar(&opts.URL, "url", "", "send to this `url` with no subscription (ad hoc)")
	fl.StringVar(&opts.Scheme, "scheme", "", "signature `scheme` for --url (default: the provider's)")
	fl.StringVar(&opts.Secret, "secret", "", "signing `secret` for --url (default $HOOKCTL_SECRET, else a generated one, printed)")
	fl.String("secret-file", "", cli.SecretFileUsage)
	catalog.RegisterFixturesFlag(fl, &opts.FixturesDir)
	opts.Overrides.Register(fl)
	fl.IntVarP(&opts.Count, "count", "n", 1, "send this `count` of events")
	fl.IntVarP(&opts.Concurrency, "concurrency", "c", 8, "`n` deliveries in flight at once")
	fl.IntVar(&opts.Duplicate, "duplicate", 1, "send each event `k` times with the same id (tests idempotent handlers)")
	fl.DurationVar(&opts.Wait, "wait", 0, "stop waiting after `duration` (0 = until every delivery is final)")
	fl.StringArrayVarP(&headers, "header", "H", nil, "extra request `header` 'Key: Value' (repeatable, each name once: a list as 'Key: a, b')")
	fl.StringVarP(&opts.Method, "method", "X", "", "HTTP `method`: POST, PUT or PATCH (default: the subscription's, else POST)")
	fl.DurationVar(&opts.Timeout, "timeout", delivery.DefaultTimeout, "give up on an attempt after `duration` (connect and total)")
	fl.BoolVarP(&opts.Insecure, "insecure", "k", false, "accept any TLS certificate (an https receiver with a self-signed one)")
	fl.BoolVarP(&opts.Verbose, "verbose", "v", false, "print every event and attempt of a bulk run on a terminal (default: a progress line and the failures)")
	AddRetryFlags(c, &opts.Retry)
	// The schedule a delivery gets without the retry flags, in --help.
	fl.Lookup("retry-schedule").DefValue = delivery.DefaultSchedule.String()
	_ = c.RegisterFlagCompletionFunc("provider", cli.CompleteProviders())
	_ = c.RegisterFlagCompletionFunc("scheme", cli.CompleteSchemes())
	_ = c.RegisterFlagCompletionFunc("subscription", cli.CompleteSubscriptionIDs(f))
	_ = c.RegisterFlagCompletionFunc("method", cli.CompleteFixed("POST", "PUT", "PATCH"))
	return c
}

// AddRetryFlags adds --retry-schedule, --retry-profile, --time-scale and
// --no-retry.
func AddRetryFlags(c *cobra.Command, r *delivery.ScheduleOptions) {
	fl := c.Flags()
	fl.Var((*retrySchedule)(&r.Schedule), "retry-schedule", "retry `delays`, one duration per attempt (e.g. 0s,5s,5m,30m,2h,1d)")
	fl.StringVar(&r.Profile, "retry-profile", "", "a real provider's retry `profile`: {bond|mono|mambu|svix}")
	r.TimeScale = 1
	fl.Var((*timeScale)(&r.TimeScale), "time-scale", "run the retry schedule `F` times faster (1000 = a 2h delay takes 7.2s)")
	fl.BoolVar(&r.NoRetry, "no-retry", false, "send each delivery once")
	// A schedule or profile in the config file gives way to the other (or
	// to --no-retry) given on the command line, instead of clashing with it.
	_ = fl.SetAnnotation("retry-schedule", config.FlagExcludesAnnotation, []string{"retry-profile", "no-retry"})
	_ = fl.SetAnnotation("retry-profile", config.FlagExcludesAnnotation, []string{"retry-schedule", "no-retry"})
	_ = c.RegisterFlagCompletionFunc("retry-profile", cli.CompleteFixed(delivery.ProfileNames()...))
}

// retrySchedule is --retry-schedule: an empty value was silently the
// default schedule; it is bad input (the schedule itself is checked with
// the other options).
type retrySchedule string

func (r *retrySchedule) Set(s string) error {
	if strings.TrimSpace(s) == "" {
		return fmt.Errorf("want delays such as 0s,5s,5m (or --no-retry to send each delivery once)")
	}
	*r = retrySchedule(s)
	return nil
}
func (r *retrySchedule) String() string { return string(*r) }
func (r *retrySchedule) Type() string   { return "string" }

// timeScale is --time-scale: a factor above 0 (0 was silently taken as 1,
// real time).
type timeScale float64

func (t *timeScale) Set(s string) error {
	v, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil || v <= 0 || math.IsInf(v, 0) || math.IsNaN(v) {
		return fmt.Errorf("want a factor above 0 (1 = real time, 1000 = 1000× faster)")
	}
	*t = timeScale(v)
	return nil
}
func (t *timeScale) String() string { return strconv.FormatFloat(float64(*t), 'g', -1, 64) }
func (t *timeScale) Type() string   { return "float" }

// validateSigningSecret checks an ad hoc --secret against the scheme that
// signs with it: a usage error (exit 2) when it cannot sign. Mambu signs
// nothing and takes an optional user:password, so empty is fine there.
func validateSigningSecret(scheme, secret, from string) error {
	if scheme == "mambu" && secret == "" {
		return nil
	}
	if from == "" {
		from = "--secret"
	}
	hint := fmt.Sprintf("leave out %s and hookctl generates a %s secret", from, scheme)
	if from == "$HOOKCTL_SECRET" {
		hint = fmt.Sprintf("give the receiver's %s secret with --secret or --secret-file, or unset HOOKCTL_SECRET and hookctl generates one", scheme)
	}
	if err := signature.ValidateSigningSecret(scheme, secret); err != nil {
		msg := err.Error()
		var ve *signature.VerifyError
		if errors.As(err, &ve) && ve.Msg != "" {
			msg = ve.Msg
		}
		return cli.Usagef("invalid %s for scheme %s: %s", from, scheme, msg).Hint("%s", hint)
	}
	return nil
}

// URLError is NormalizeURL's error as a usage error for the URL given as
// flag ("" for an argument): named by the flag, not as a subscription's
// callback URL ("invalid --url: invalid callback URL …" said both), with
// the error's own hints, and example only when it has none: a bare word
// got two "e.g." hints, the second contradicting the first. The hint to
// send credentials with --header is trigger's alone: replay and check
// have no --header.
func URLError(err error, flag, example string) *cli.ExitError {
	what := "URL"
	if flag != "" {
		what = flag
	}
	msg := err.Error()
	cut := false
	for _, p := range []string{"invalid callback URL ", "invalid URL "} {
		if rest, ok := strings.CutPrefix(msg, p); ok {
			msg, cut = "invalid "+what+" "+rest, true
			break
		}
	}
	if !cut {
		msg = "invalid " + what + ": " + msg
	}
	e := cli.WithCode(cli.ExitUsage, errors.New(msg))
	var he cli.HintError
	given := 0
	if errors.As(err, &he) {
		for _, h := range he.Hints() {
			if flag != "--url" && strings.Contains(h, "--header") {
				continue
			}
			e, given = e.Hint("%s", h), given+1
		}
	}
	if given == 0 {
		e = e.Hint("%s", example)
	}
	return e
}

// NormalizeURL accepts 3000, localhost:3000/hooks or a full http(s) URL.
// flag names where the URL came from (--url, --to) for the hint, "" for a
// positional argument.
func NormalizeURL(s, flag string) (string, error) {
	s = strings.TrimSpace(s)
	orig, bare := s, !strings.Contains(s, "://")
	if s == "" {
		return "", errors.New("empty URL")
	}
	if !strings.Contains(s, "://") {
		if port, _, _ := strings.Cut(s, "/"); isDigits(port) {
			s = "localhost:" + s // 3000 or 3000/webhooks
		}
		s = "http://" + s
	}
	s = subscription.LowerScheme(s) // HTTP://host is http://host
	if !strings.HasPrefix(s, "http://") && !strings.HasPrefix(s, "https://") {
		return "", fmt.Errorf("invalid URL %q: want http:// or https://", subscription.MaskUserinfo(s))
	}
	// The same rules as a subscription's callback URL (a host, no
	// credentials), so a typo is refused at once instead of being retried.
	s, err := subscription.ValidateURL(s)
	if err != nil {
		return "", err
	}
	if !bare {
		return s, nil
	}
	// A bare word is a host only when it looks like one: notaurl is more
	// likely a mistake than a machine on the local network.
	if u, err := url.Parse(s); err == nil {
		h := u.Hostname()
		if u.Port() == "" && h != "localhost" && !strings.ContainsAny(h, ".:") {
			return "", &subscription.InputError{Msg: fmt.Sprintf("invalid URL %q: not a port, host:port or URL", orig),
				Hint: []string{fmt.Sprintf("e.g. %[1]s3000, %[1]slocalhost:3000/webhooks or %[1]shttp://%[2]s/webhooks", flagPrefix(flag), orig)}}
		}
	}
	return s, nil
}

func flagPrefix(flag string) string {
	if flag == "" {
		return ""
	}
	return flag + " "
}

func isDigits(s string) bool {
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return s != ""
}

func run(ctx context.Context, opts *Options) error {
	ios := opts.IO
	f := opts.Factory
	sch, err := opts.Retry.Resolve(delivery.DefaultSchedule)
	if err != nil {
		return cli.RetryUsage(err) // with did you mean for a profile
	}
	cat, err := catalog.Load(catalog.Options{FixturesDir: opts.FixturesDir})
	if err != nil {
		return cli.WithCode(cli.ExitUsage, err)
	}
	et, note, err := cat.Resolve(opts.EventType, opts.Provider)
	if err != nil {
		return cli.WithCode(cli.ExitUsage, err)
	}
	if note != "" {
		fmt.Fprintf(ios.ErrOut, "hookctl: note: %s\n", note)
	}
	if opts.Overrides.ReadsStdin() && ios.IsStdinTTY() {
		fmt.Fprintln(ios.ErrOut, "hookctl: reading --data from stdin (end with Ctrl-D)")
	}
	build, err := opts.Overrides.Resolve(ios.In)
	if err != nil {
		return cli.WithCode(cli.ExitUsage, err)
	}
	// The body once, before anything else: --data that is not JSON, an
	// override the body refuses, are usage errors said before the store
	// is opened (or created), the subscriptions looked up and a secret
	// generated and printed for nothing (they were found at the first
	// event's build, after all that, or hidden behind 'no enabled
	// subscription matches').
	build.Now = f.Now()
	if _, err := cat.Build(et, build); err != nil {
		return cli.WithCode(cli.ExitUsage, err)
	}
	st, err := f.Store(ctx)
	if err != nil {
		return err
	}
	// A store file deleted or replaced during the run: every write checks
	// it is in place (one stat per transaction: a batch of events, a
	// group commit of attempts; none per request), so the run stops at
	// the first one refused instead of sending what cannot be recorded.
	store.GuardWrites(st)
	plan := delivery.Plan{Schedule: sch, RunID: delivery.NewRunID(), Headers: opts.Headers, Method: opts.Method}
	targets, err := resolveTargets(ctx, st, opts, et)
	if err != nil {
		return err
	}
	if targets.outside != nil && !ios.JSON() {
		fmt.Fprintln(ios.ErrOut, targets.outside.warning(et))
	}
	if opts.URL != "" && opts.SecretGiven {
		// A secret the scheme cannot sign with is bad input, found before
		// anything is stored or sent (not a failed delivery); an empty
		// --secret "$UNSET" is not silently replaced by a generated one.
		if err := validateSigningSecret(targets.scheme, opts.Secret, opts.SecretFrom); err != nil {
			return err
		}
	}
	if opts.URL != "" && targets.scheme != "" && opts.Secret == "" && !opts.SecretGiven {
		secret, err := signature.GenerateSecret(targets.scheme)
		if err != nil {
			return err
		}
		opts.Secret = secret
		fmt.Fprintf(ios.ErrOut, "Signing with a generated %s secret: %s (pass --secret to choose one)\n", targets.scheme, secret)
	}

	// A reader that left the pipe (trigger … | head -1) stops the run as
	// Ctrl-C does, instead of SIGPIPE ending it mid-attempt with requests
	// sent and not recorded.
	ctx, stopRun := context.WithCancel(ctx)
	defer stopRun()
	defer cli.SurviveClosedStdout()()
	stdout := &cli.StdoutWatch{W: ios.Out, Stop: stopRun}
	rep := &delivery.Reporter{W: stdout, Fit: cli.AttemptFit(ctx, ios, st, ios.OutWidth)}
	if !ios.IsStdoutTTY() {
		rep.Buffer = 100 * time.Millisecond // a pipe or file: fewer writes
	}
	if ios.JSON() {
		rep = nil
	}
	// A bulk run on a terminal draws one progress line and prints only
	// the failures (and the summary); -v prints every event and attempt.
	perEvent := len(targets.subs)
	if opts.URL != "" {
		perEvent = 1
	}
	total := int64(opts.Count) * int64(opts.Duplicate) * int64(perEvent)
	progress := ios.NewProgress("triggering")
	showBar := total > 1 && (opts.Count > 1 || opts.Duplicate > 1) && !opts.Verbose && !ios.JSON() &&
		ios.IsStdoutTTY() && progress.Enabled()
	hints := &delivery.FailureHints{Max: 2}
	// The attempts another process made (a worker sharing the store took
	// a due retry) are printed too, as -o json has them.
	var others *delivery.Elsewhere
	if rep != nil {
		others = &delivery.Elsewhere{Store: st, RunID: plan.RunID}
	}
	onResult := func(r delivery.Result) {
		for _, o := range others.Before(ctx, r) {
			hints.Note(o)
			rep.AttemptAt(o, o.At)
		}
		hints.Note(r)
		rep.Attempt(r)
	}
	events := rep
	if showBar {
		progress.SetTotal(total, true)
		events = nil
		onResult = func(r delivery.Result) {
			for _, o := range others.Before(ctx, r) {
				hints.Note(o) // not final: no line of its own here
			}
			hints.Note(r)
			if !r.Final {
				return
			}
			ok := r.Delivery.Status == store.DeliverySucceeded
			if ok {
				progress.Add(true)
				return
			}
			progress.Above(func() { rep.Attempt(r) })
			progress.Add(false)
		}
	}
	e := delivery.New(st, delivery.Config{Timeout: opts.Timeout, Concurrency: opts.Concurrency, Version: f.Version, RunID: plan.RunID,
		OnResult: onResult, Insecure: opts.Insecure})
	e.Now = delivery.SteadyClock(f.Now)
	// A shared store that goes away for a while (a PostgreSQL restart or
	// failover) is waited for, not given up on at once.
	notice := &delivery.StoreNotice{W: opts.IO.ErrOut, Patience: delivery.DefaultStorePatience}
	e.StoreWait, e.RecordWait = notice.Wait(), notice.Wait()
	prodWait := notice.Wait()
	start := time.Now()
	var created int64 // events written (each with its deliveries), as asked: a ping split by webhook is one
	now := f.Now
	produce := func(ctx context.Context, add func(int)) error {
		// Events go to the outbox in batches (one transaction each),
		// streamed: nothing is kept once written. Large batches pay: each
		// commit rewrites the pages it touched, and an event id index
		// takes random inserts; half the engine's lead keeps it fed.
		batchSize := min(1024, max(64, delivery.Lead(opts.Concurrency)/2))
		evs := make([]*store.Event, 0, batchSize)
		dss := make([][]*store.Delivery, 0, batchSize)
		asked := 0 // the events asked for in evs (a GitHub ping split by webhook is several of evs)
		flush := func() error {
			if len(evs) == 0 {
				return nil
			}
			// Subscriptions changed meanwhile (another terminal,
			// serve's API): read before each batch, and again when a
			// deletion made the batch fail. (A disabled one still gets
			// its deliveries: the engine sends none while it is
			// disabled, and sends again if it is enabled within their
			// schedule, as when listen restarts.)
			write := func() error {
				if err := targets.recheck(ctx, st, opts, et, &evs, &dss); err != nil {
					return err
				}
				err := e.Enqueue(ctx, evs, dss)
				if err != nil && ctx.Err() == nil && !store.IsTransient(err) {
					if rerr := targets.recheck(ctx, st, opts, et, &evs, &dss); rerr != nil {
						return rerr
					}
					if targets.dropped > 0 {
						err = e.Enqueue(ctx, evs, dss)
					}
				}
				return err
			}
			// A store that went away (a PostgreSQL restart, a failover)
			// is waited for; the batch may have been committed just
			// before: its events are then not written twice.
			for {
				err := write()
				if err == nil {
					prodWait.Ok()
					break
				}
				if !prodWait.Retry(ctx, err) {
					return err
				}
				if stored, serr := delivery.Stored(ctx, st, evs); serr == nil && stored {
					prodWait.Ok()
					break
				}
				for _, ds := range dss {
					for _, d := range ds {
						d.LeaseOwner, d.LeaseExpiresAt = "", time.Time{}
					}
				}
			}
			created += int64(asked)
			asked = 0
			n := 0
			for i, ev := range evs {
				events.Event(ev, len(dss[i]))
				n += len(dss[i])
			}
			clear(evs)
			clear(dss)
			evs, dss = evs[:0], dss[:0]
			add(n)
			return nil
		}
		// The fixture's pending_webhooks becomes the number of endpoints,
		// unless the body is the caller's (--data) or the caller set it.
		countEndpoints := build.Data == nil
		for _, o := range build.Overrides {
			if o.Path == "pending_webhooks" {
				countEndpoints = false
			}
		}
		// A GitHub ping names the webhook it goes to: each subscription
		// gets its own, with its X-GitHub-Hook-ID in the body, unless the
		// body is the caller's (--data) or the caller set the hook.
		perHook := catalog.IsGitHubPing(et.Provider, et.Type) && build.Data == nil
		for _, o := range build.Overrides {
			if o.Path == "hook_id" || o.Path == "hook" || strings.HasPrefix(o.Path, "hook.") {
				perHook = false
			}
		}
		for i := 0; i < opts.Count; i++ {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			if targets.none() {
				return nil // every subscription of the run is gone
			}
			build.Now = catalog.DistinctTime(now())
			built, err := cat.Build(et, build)
			if err != nil {
				return cli.WithCode(cli.ExitUsage, err)
			}
			ev := &store.Event{ID: built.ID, Type: built.Type, Provider: built.Provider, Payload: built.Body,
				ContentType: built.ContentType, Source: store.SourceTriggered}
			pings := map[uint64]*store.Event{}
			for k := 0; k < opts.Duplicate; k++ {
				ds := targets.deliveries(plan, opts, now())
				if k == 0 && countEndpoints {
					// A Stripe-style event's pending_webhooks: the number
					// of endpoints it goes to (stored, so every attempt
					// and replay sends these bytes).
					ev.Payload = catalog.SetPendingWebhooks(ev.Provider, ev.Payload, len(ds))
				}
				for _, d := range ds {
					if d.Method == "" && built.Method != "" && built.Method != "POST" {
						d.Method = built.Method // Mambu-style PUT/PATCH
					}
				}
				if perHook {
					pevs, pdss := delivery.HookPings(ev, ds, pings)
					evs = append(evs, pevs...)
					dss = append(dss, pdss...)
				} else {
					evs = append(evs, ev)
					dss = append(dss, ds)
				}
				asked++
				// The first event goes out at once; then in batches.
				if len(evs) >= batchSize || i == 0 {
					if err := flush(); err != nil {
						return err
					}
				}
			}
		}
		return flush()
	}
	defer delivery.TuneGC()()
	say := func(line string) { fmt.Fprintln(ios.ErrOut, line) }
	if showBar {
		say = func(line string) { progress.Above(func() { fmt.Fprintln(ios.ErrOut, line) }) }
	}
	stopNotice := cli.StoppingNotice(ctx, say, "the attempts in flight", opts.Timeout)
	out, err := delivery.Drive(ctx, e, opts.Wait, produce)
	stopNotice()
	rep.Flush()
	if showBar {
		progress.Finish()
	}
	if store.IsGone(err) {
		return delivery.StoppedGone(err, e, "what this run recorded (its events, deliveries and attempts) is lost with it")
	}
	if err != nil {
		return cli.Fail(err)
	}
	// A store file deleted or replaced after the run's last write: the
	// counts below would come from it. One stat, after the run.
	if err := store.CheckInPlace(st); err != nil {
		return fmt.Errorf("%w: what this run recorded (its events, deliveries and attempts) is lost with it, though the requests were sent", err)
	}
	// Counts and the JSON document come from the store, not from memory.
	rctx := context.WithoutCancel(ctx)
	counts, err := e.CountRun(rctx) // what the run did, though a store prune deleted some
	if err != nil {
		return err
	}
	elapsed := time.Since(start)
	// What another process did with the run's deliveries (finished them,
	// or sent one this run gave back), before the summary that counts it;
	// not after Ctrl-C (or a reader that left), which asked to stop now.
	if out.Cancelled {
		others = nil
	}
	if err := others.Rest(rctx, counts.Total, func(r delivery.Result) {
		hints.Note(r)
		if showBar && (!r.Final || r.Delivery.Status == store.DeliverySucceeded) {
			return // a bulk run's bar prints only the failures
		}
		rep.AttemptAt(r, r.At)
	}); err != nil {
		return err
	}
	rep.Flush()
	if ios.JSON() {
		extra := map[string]any{"elapsed_ms": elapsed.Milliseconds(), "timed_out": out.TimedOut, "interrupted": out.Cancelled}
		if targets.outside != nil {
			extra["outside_filter"] = targets.outside
		}
		if err := delivery.WriteRunJSON(rctx, ios.Out, st, plan.RunID, counts, extra); err != nil {
			return err
		}
	} else {
		fmt.Fprintln(ios.Out, ui.Wrap(summaryLine(counts, elapsed), ios.OutWidth(), "  "))
	}
	if out.Cancelled && stdout.Closed() {
		fmt.Fprintf(ios.ErrOut, "hookctl: stdout is closed (its reader left): the run stopped as on Ctrl-C after %d of %d events\n", created, int64(opts.Count)*int64(opts.Duplicate))
	}
	if counts.Pending > 0 {
		fmt.Fprintf(ios.ErrOut, "%d %s still pending: \"hookctl worker\" or \"hookctl replay --pending --yes\" finishes %s\n",
			counts.Pending, plural(counts.Pending, "delivery", "deliveries"), plural(counts.Pending, "it", "them"))
	}
	switch {
	case out.Cancelled && stdout.Closed():
		return cli.Silent(cli.ExitReaderGone)
	case out.Cancelled:
		return cli.Silent(cli.ExitInterrupted)
	case targets.none():
		return cli.Failf("the run stopped after %d of %d events: no subscription of the run takes %s any more", created, int64(opts.Count)*int64(opts.Duplicate),
			et.QualifiedName()).
			Hint("see what was not sent: hookctl deliveries list --status failed")
	case counts.Failed > 0:
		err := cli.Failf("%d of %d %s failed", counts.Failed, counts.Total, plural(counts.Total, "delivery", "deliveries"))
		for _, h := range hints.List() {
			err = err.Hint("%s", h)
		}
		return err.Hint("see why: hookctl deliveries list --status failed").
			Hint("resend after a fix: hookctl replay --failed --yes")
	}
	return nil
}

func summaryLine(c delivery.Counts, elapsed time.Duration) string {
	// The rate of deliveries that reached an end: those still pending
	// (after Ctrl-C or --wait) were written, not delivered.
	rate := ""
	if secs, done := elapsed.Seconds(), c.Succeeded+c.Failed; secs > 0 && done >= 100 {
		rate = fmt.Sprintf(", %.0f/s", float64(done)/secs)
	}
	return fmt.Sprintf("%d %s: %s, %s, %s (%s%s)", c.Total, plural(c.Total, "delivery", "deliveries"),
		ui.PaintCount(c.Succeeded, "succeeded", ui.Green), ui.PaintCount(c.Failed, "failed", ui.Red), ui.PaintCount(c.Pending, "pending", ui.Yellow),
		ui.FormatDuration(elapsed), rate)
}

func plural(n int64, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// targets is where the run's events go: subscriptions, or one ad-hoc URL.
type targets struct {
	subs   []*store.Subscription
	scheme string // ad hoc
	// outside: the subscription --subscription named does not take the
	// event (its --events, or its --provider): sent all the same.
	outside *outsideFilter
	// dropped counts the subscriptions deleted during the run (see
	// recheck).
	dropped int64
}

// none reports whether the run has lost every subscription it started
// with (an ad-hoc run never does).
func (t *targets) none() bool { return t.dropped > 0 && len(t.subs) == 0 }

// recheck reads the run's subscriptions again, so that the next batches
// follow what another process changed meanwhile: a new URL or method is
// used from the next batch, and a subscription deleted (or whose events
// no longer take the event) is dropped with a warning — nothing more is
// created for it, and a batch whose deliveries name a deleted one no
// longer fails the whole run on a foreign key — along with its
// deliveries in the batch evs/dss not yet written; an event left with
// none is dropped too. (A disabled one stays: the engine sends nothing
// while it is disabled.)
func (t *targets) recheck(ctx context.Context, st store.Store, opts *Options, et *catalog.EventType, evs *[]*store.Event, dss *[][]*store.Delivery) error {
	if opts.URL != "" || len(t.subs) == 0 {
		return nil
	}
	gone := map[string]bool{}
	kept := t.subs[:0:0]
	for _, s := range t.subs {
		cur, err := st.GetSubscription(ctx, s.ID)
		switch {
		case errors.Is(err, store.ErrNotFound):
			fmt.Fprintf(opts.IO.ErrOut, "hookctl: warning: subscription %s was deleted: no more events for it in this run\n", s.ID)
			gone[s.ID] = true
		case err != nil:
			return err
		case opts.SubscriptionID == "" && !takes(cur, et):
			fmt.Fprintf(opts.IO.ErrOut, "hookctl: warning: subscription %s no longer takes %s: no more events for it in this run\n", s.ID, et.QualifiedName())
			gone[s.ID] = true
		default:
			// As it is now: the next deliveries go to a URL (method)
			// changed meanwhile.
			kept = append(kept, cur)
		}
	}
	t.subs = kept
	if len(gone) == 0 {
		return nil
	}
	t.dropped += int64(len(gone))
	es, ds := (*evs)[:0], (*dss)[:0]
	for i, ev := range *evs {
		var left []*store.Delivery
		for _, d := range (*dss)[i] {
			if !gone[d.SubscriptionID] {
				left = append(left, d)
			}
		}
		if len(left) > 0 {
			es, ds = append(es, ev), append(ds, left)
		}
	}
	clear((*evs)[len(es):])
	clear((*dss)[len(ds):])
	*evs, *dss = es, ds
	return nil
}

// outsideFilter is -o json's outside_filter: the subscription named by
// --subscription whose filter does not take the event sent to it.
type outsideFilter struct {
	SubscriptionID string   `json:"subscription_id"`
	Events         []string `json:"events"`
	Provider       string   `json:"provider,omitempty"`
}

// warning is the line said on stderr (not under -o json).
func (o *outsideFilter) warning(et *catalog.EventType) string {
	filter := "--events " + strings.Join(o.Events, ",")
	if o.Provider != "" {
		filter += " --provider " + o.Provider
	}
	name := et.Type
	if o.Provider != "" {
		name = et.QualifiedName() // the provider is what it lacks
	}
	return fmt.Sprintf("hookctl: warning: subscription %s does not take %s (its filter: %s): sent anyway, as --subscription names it",
		o.SubscriptionID, name, filter)
}

// takes reports whether subscription s, enabled or not, takes events of
// type et (resolveTargets' rule).
func takes(s *store.Subscription, et *catalog.EventType) bool {
	c := *s
	c.Status = store.StatusEnabled
	return delivery.Matches(&c, et.Type, et.Provider)
}

func (t targets) deliveries(p delivery.Plan, opts *Options, now time.Time) []*store.Delivery {
	if opts.URL != "" {
		return []*store.Delivery{p.AdHoc(opts.URL, t.scheme, opts.Secret, now)}
	}
	ds := make([]*store.Delivery, len(t.subs))
	for i, s := range t.subs {
		ds[i] = p.NewDelivery(s, now)
	}
	return ds
}

func resolveTargets(ctx context.Context, st store.Store, opts *Options, et *catalog.EventType) (targets, error) {
	switch {
	case opts.URL != "":
		scheme := opts.Scheme
		if scheme == "" || scheme == "auto" {
			scheme = et.Scheme
		}
		if scheme == "" {
			scheme = catalog.SchemeFor(et.Provider)
		}
		return targets{scheme: scheme}, nil
	case opts.SubscriptionID != "":
		s, err := st.GetSubscription(ctx, opts.SubscriptionID)
		if err != nil {
			return targets{}, err
		}
		if s.Status != store.StatusEnabled && s.Metadata[listen.MetaCreatedBy] == "listen" {
			// Enabled by hand, it would send to a port nothing listens at.
			where := s.CallbackURL
			if p := s.Metadata[listen.MetaPort]; p != "" {
				where = ":" + p
			}
			return targets{}, cli.Failf("subscription %s is disabled: hookctl listen on %s stopped (its subscription is disabled until it runs again)", s.ID, where).
				Hint("start it again with the same settings (it takes its subscription back), or send ad hoc with --url")
		}
		if s.Status != store.StatusEnabled {
			return targets{}, cli.Failf("subscription %s is disabled", s.ID).Hint("enable it: hookctl subscriptions enable %s", s.ID)
		}
		t := targets{subs: []*store.Subscription{s}}
		if !takes(s, et) {
			// Named, it is sent to (as stripe trigger and svix's
			// send to an endpoint do), but a subscription that never
			// asked for the event hides a misconfiguration: said once.
			t.outside = &outsideFilter{SubscriptionID: s.ID, Events: s.Events, Provider: s.Provider}
		}
		return t, nil
	}
	subs, err := st.ListSubscriptions(ctx, store.SubscriptionFilter{Status: store.StatusEnabled, Event: et.Type})
	if err != nil {
		return targets{}, err
	}
	var matching []*store.Subscription
	for _, s := range subs {
		if delivery.Matches(s, et.Type, et.Provider) {
			matching = append(matching, s)
		}
	}
	// A listener that is gone would only burn the retry schedule (the
	// rule of every trigger: serve's control API and the inspector too).
	out, skipped := service.Running(matching)
	for _, sk := range skipped {
		fmt.Fprintf(opts.IO.ErrOut, "hookctl: warning: %s (skipped)\n", sk.Reason)
	}
	dead := len(skipped)
	if len(out) == 0 && dead > 0 {
		return targets{}, cli.Failf("no running receiver for %q", et.QualifiedName()).
			Hint("start it again: hookctl listen (it takes its subscription back), or send ad hoc with --url")
	}
	if len(out) == 0 {
		name := typedName(opts, et)
		if err := disabledTakers(ctx, st, et, name); err != nil {
			return targets{}, otherProvider(err, subs, et)
		}
		return targets{}, otherProvider(cli.Failf("no enabled subscription matches %q", et.QualifiedName()).
			Hint("subscribe an endpoint: hookctl subscribe --url http://localhost:3000/webhooks --events %s", et.Type).
			Hint("or send ad hoc: hookctl trigger %s --url http://localhost:3000/webhooks", name), subs, et)
	}
	return targets{subs: out}, nil
}

// typedName is the event's name as a hint's trigger command must give it
// to send this event: the plain name is the older provider's
// (customer.updated is saas's, ping standard's), so one named with its
// provider (stripe:customer.updated, or --provider) keeps it; the hint
// said "hookctl trigger customer.updated --url …", which sends the SaaS
// event, not the Stripe one asked for.
func typedName(opts *Options, et *catalog.EventType) string {
	if strings.Contains(opts.EventType, ":") || opts.Provider != "" {
		return et.QualifiedName()
	}
	return et.Type
}

// otherProvider adds to err, when an enabled subscription takes the
// event's name but only from another provider (subscribe --provider
// stripe --events customer.updated; trigger customer.updated is the SaaS
// event), the qualified name that reaches it: the error said no
// subscription matched, and the note that the name has another
// provider's event was easily missed above it.
func otherProvider(err error, subs []*store.Subscription, et *catalog.EventType) error {
	var e *cli.ExitError
	if !errors.As(err, &e) {
		return err
	}
	for _, s := range subs {
		// One provider, and the name itself (subscribe checked that this
		// provider sends it; a pattern may cover names it does not).
		if s.Status != store.StatusEnabled || s.Provider == "" || strings.Contains(s.Provider, ",") ||
			delivery.ProviderIn(s.Provider, et.Provider) || !slices.Contains(s.Events, et.Type) {
			continue
		}
		return e.Hint("subscription %s takes %s's %s only: hookctl trigger %s:%s", s.ID, s.Provider, et.Type, s.Provider, et.Type)
	}
	return err
}

// disabledTakers is the error for an event no enabled subscription takes
// when disabled ones would: a listen that stopped (Ctrl-C disables its
// subscription: the README's daily loop, trigger after listen was
// stopped) is to be started again, another is to be enabled. Both were
// told to subscribe an endpoint, which made a second subscription for
// the same receiver. nil when no disabled subscription takes it.
func disabledTakers(ctx context.Context, st store.Store, et *catalog.EventType, name string) error {
	subs, err := st.ListSubscriptions(ctx, store.SubscriptionFilter{Status: store.StatusDisabled, Event: et.Type})
	if err != nil {
		return nil // the plain error still holds
	}
	var listens, others []*store.Subscription
	for _, s := range subs {
		if !takes(s, et) {
			continue
		}
		if s.Metadata[listen.MetaCreatedBy] == "listen" {
			listens = append(listens, s)
		} else {
			others = append(others, s)
		}
	}
	// Whole ids below: the hints are commands to copy, and a prefix of 8
	// may name another subscription too (the command would fail).
	switch {
	case len(listens) > 0:
		s := listens[0]
		where := s.CallbackURL
		if p := s.Metadata[listen.MetaPort]; p != "" {
			where = ":" + p
		}
		e := cli.Failf("no enabled subscription matches %q: hookctl listen on %s stopped (its subscription %s is disabled until it runs again)", et.QualifiedName(), where, s.ID).
			Hint("start it again with the same settings (it takes its subscription back), or send ad hoc with --url")
		if len(others) > 0 {
			e = e.Hint("or enable another that takes it: hookctl subscriptions enable %s", others[0].ID)
		}
		return e
	case len(others) > 0:
		e := cli.Failf("no enabled subscription matches %q: subscription %s takes it but is disabled", et.QualifiedName(), others[0].ID).
			Hint("enable it: hookctl subscriptions enable %s", others[0].ID)
		if len(others) > 1 {
			more := fmt.Sprintf("%d more disabled subscriptions take", len(others)-1)
			if len(others) == 2 {
				more = "1 more disabled subscription takes"
			}
			e = e.Hint("%s it: hookctl subscriptions list --status disabled --event %s", more, et.Type)
		}
		return e.Hint("or send ad hoc: hookctl trigger %s --url http://localhost:3000/webhooks", name)
	}
	return nil
}
