// Package listen implements `hookctl listen`.
package listen

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/hookctl/hookctl/cmd/subscriptions"
	uicmd "github.com/hookctl/hookctl/cmd/ui"
	"github.com/hookctl/hookctl/internal/catalog"
	"github.com/hookctl/hookctl/internal/cli"
	"github.com/hookctl/hookctl/internal/config"
	"github.com/hookctl/hookctl/internal/httplimit"
	"github.com/hookctl/hookctl/internal/listen"
	"github.com/hookctl/hookctl/internal/signature"
	"github.com/hookctl/hookctl/internal/store"
	"github.com/hookctl/hookctl/internal/subscription"
	"github.com/hookctl/hookctl/internal/ui"
	"github.com/hookctl/hookctl/internal/web"
)

// Options are the parsed flags of the command.
type Options struct {
	Factory *cli.Factory
	IO      *ui.IOStreams

	Forward     string
	Target      *url.URL
	Host        string
	Port        int
	Events      []string
	Provider    string
	Scheme      string
	Secrets     []string
	Headers     http.Header
	Timeout     time.Duration
	MaxBody     int64
	PrintSecret bool
	Keep        bool
	SkipVerify  bool
	// UI is where the web inspector serves ("" = not at all).
	UI string
	// Catalog: the built-in catalog and fixtures_dir's types, for the
	// inspector's Trigger and Subscriptions pages.
	Catalog *catalog.Catalog
	// StoreWait: how long to wait at start for a store server that
	// cannot be reached yet (--store-wait).
	StoreWait time.Duration
}

// NewCmd returns the command.
func NewCmd(f *cli.Factory) *cobra.Command { return newCmd(f, nil) }

func newCmd(f *cli.Factory, runF func(*Options) error) *cobra.Command {
	opts := &Options{Factory: f, IO: f.IOStreams}
	var headers []string
	var maxBody string
	c := &cobra.Command{
		Use:   "listen [--forward <target>] [flags]",
		Short: "Receive, verify and forward webhooks to your app",
		Long: `Run a local receiver that verifies every webhook it gets and forwards the
good ones byte-for-byte to your app, returning the app's answer to the sender.

On start it registers itself as a subscription (events --events, default all),
so 'hookctl trigger' in another terminal reaches it. Its signing secret stays
the same for the same settings across restarts: put it in your app's .env.
A request with a bad signature is answered 401 with the reason, never
reaches the app, and is kept under a rej_ id ('hookctl events show rej_…').
--secret (or --secret-file) verifies a real provider's events (Stripe's
endpoint secret, a GitHub webhook's secret); a rejected request whose
User-Agent is Stripe's or GitHub's gets a hint saying so. Every received
event and its forward are recorded, so 'hookctl deliveries list' shows them
and 'hookctl replay' re-forwards failures.

The target is normalised: 3000 means http://localhost:3000 and
localhost:3000/webhooks means http://localhost:3000/webhooks; the incoming
path and query string are appended. Without --forward, events are verified,
printed and recorded only.

One listen subscription serves a port: a later listen on that port, with
other --events, reuses it (and its secret). --print-secret prints that
secret without starting, creating the subscription (disabled) only if
there is none yet.

The answer to the sender is the app's: a 2xx means the app took the event,
and it is recorded durably (a journal, then the store) before it is
answered, so it survives a crash of listen. Without --forward every
verified event is answered 200.

Ctrl-C, SIGTERM and SIGHUP (closing the terminal) all finish in-flight
forwards, disable the subscription (unless --keep) and print a summary; a
second Ctrl-C quits at once, leaving what the store has not yet taken in
the journal for the next start. GET /healthz answers 200 once ready.`,
		Example: `  hookctl listen --forward localhost:3000/webhooks
  hookctl listen --forward 3000 --events 'card.*,kyc.*'
  hookctl listen --port 0 --forward localhost:8080 -o json | jq .
  hookctl listen --scheme stripe --secret whsec_from_dashboard --forward 3000
  hookctl listen --forward 3000 --header 'Authorization: Bearer dev'
  hookctl listen --forward 3000 --ui
  hookctl listen --print-secret`,
		// listen 3000: its error's hint says --forward.
		Annotations: map[string]string{cli.ArgFlag: "forward"},
		// `--ui ADDR` with a space: pflag gives an optional-value flag its
		// bare default and leaves ADDR as an argument; take it back.
		Args: func(c *cobra.Command, args []string) error {
			if len(args) == 1 && c.Flags().Changed("ui") && opts.UI == web.DefaultAddr && looksLikeAddr(args[0]) {
				opts.UI = args[0]
				return nil
			}
			return cli.NoArgs(c, args)
		},
		RunE: func(c *cobra.Command, args []string) error {
			if opts.Forward != "" {
				u, err := listen.NormalizeTarget(opts.Forward)
				if err != nil {
					return cli.Usagef("%v", err).Hint("e.g. --forward 3000 (or :3000: localhost), --forward localhost:3000/webhooks or --forward http://app.internal:3000")
				}
				opts.Target = u
			}
			if opts.Port < 0 || opts.Port > 65535 {
				return cli.Usagef("invalid --port %d: want 0-65535 (0 = a free port)", opts.Port).
					Hint("e.g. --port 8787 (the default), or --port 0 for a free port")
			}
			if err := cli.NonEmptyFlags(c, "host"); err != nil {
				return err
			}
			// Left out, --provider is any provider and --scheme auto; an
			// empty value ("$UNSET") is refused rather than read so.
			if err := cli.NonEmptyAny(c, "provider", "any provider", catalog.Providers()); err != nil {
				return err
			}
			if err := cli.NonEmptyAny(c, "scheme", "auto, each request's scheme detected from its headers", append([]string{"auto"}, signature.Names()...)); err != nil {
				return err
			}
			opts.Host = cli.UnbracketHost(opts.Host)
			if listen.ForwardsToItself(opts.Target, opts.Host, opts.Port) {
				// (each forward came back, was verified and forwarded
				// again, until 256 connections were open)
				return cli.Usagef("the forward target %s is this listen itself (it listens on port %d): every event would be forwarded back to it, again and again",
					opts.Target.Redacted(), opts.Port).
					Hint("forward to your app's port and listen on another: hookctl listen --port 8787 --forward localhost:3000/webhooks")
			}
			if opts.UI != "" {
				if err := web.CheckAddr(opts.UI); err != nil {
					return cli.WithCode(cli.ExitUsage, fmt.Errorf("invalid --ui: %w", err)).
						Hint("give host:port, e.g. --ui=127.0.0.1:5050, or a bare --ui for %s", web.DefaultAddr)
				}
			}
			if opts.PrintSecret && opts.Port == 0 {
				return cli.Usagef("--print-secret needs a fixed --port: with --port 0 the port is only known once listen runs").
					Hint("read it from listen's ready line: hookctl listen --port 0 -o json | head -1 | jq -r .secret")
			}
			var evs []string
			for _, e := range opts.Events {
				if e = strings.TrimSpace(e); e != "" {
					evs = append(evs, e)
				}
			}
			if len(evs) == 0 {
				evs = []string{"*"}
			}
			opts.Events = evs
			// Unknown events are refused like subscribe refuses them (exit 2, did you mean).
			cat, err := subscriptions.LoadCatalog(f)
			if err != nil {
				return err
			}
			if _, err := (&subscription.Service{Catalog: cat}).ValidateEvents(evs); err != nil {
				return cli.WithCode(cli.ExitUsage, err)
			}
			opts.Catalog = cat
			// An unknown --provider would make a subscription no event matches.
			p, err := subscription.ValidateProvider(opts.Provider)
			if err != nil {
				return cli.WithCode(cli.ExitUsage, err)
			}
			opts.Provider = p
			if opts.Scheme != "" && opts.Scheme != "auto" && !slices.Contains(signature.Names(), opts.Scheme) {
				return cli.WithCode(cli.ExitUsage, signature.UnknownScheme(opts.Scheme, true))
			}
			if fl := c.Flags().Lookup("secret-file"); fl.Changed {
				if len(opts.Secrets) > 0 {
					return cli.Usagef("give --secret or --secret-file, not both").
						Hint("--secret takes the secret itself, --secret-file a file of secrets, one per line: keep one of them")
				}
				secrets, err := cli.SecretFile(c.ErrOrStderr(), fl.Value.String())
				if err != nil {
					return err
				}
				opts.Secrets = secrets
			}
			// A provider's --secret of the wrong form (or pasted with a
			// space) would match nothing, and every one of its requests
			// be refused as 'no matching signature'. With auto only the
			// generic checks apply: the scheme is known per request.
			for _, sec := range opts.Secrets {
				name := opts.Scheme
				if name == "" {
					name = "auto"
				}
				if err := signature.ValidateSecret(name, sec); err != nil {
					return cli.Usagef("--secret: %v", err).Hint("give the provider's signing secret as its dashboard shows it (for standard-ed25519, its whpk_ public key)")
				}
			}
			h, err := parseHeaders(headers)
			if err != nil {
				return err
			}
			opts.Headers = h
			n, err := ParseSize(maxBody)
			if err != nil {
				return cli.Usagef("invalid --max-body %q: %v", maxBody, err).Hint("e.g. --max-body 5MiB")
			}
			opts.MaxBody = n
			if opts.Timeout <= 0 {
				return cli.Usagef("invalid --timeout %s: want a positive duration", opts.Timeout).
					Hint("e.g. --timeout 10s (the default): how long the app has to answer a forward")
			}
			if err := cli.CheckStoreWait(opts.StoreWait); err != nil {
				return err
			}
			if runF != nil {
				return runF(opts)
			}
			return run(c.Context(), opts)
		},
	}
	fl := c.Flags()
	fl.StringVarP(&opts.Forward, "forward", "f", "", "forward verified events to `target` (3000, localhost:3000/webhooks, https://…); alias --forward-to")
	// --forward-to (stripe listen's name) is --forward itself, so the
	// config file's forward target never overrides it.
	fl.SetNormalizeFunc(func(_ *pflag.FlagSet, name string) pflag.NormalizedName {
		if name == "forward-to" {
			name = "forward"
		}
		return pflag.NormalizedName(name)
	})
	c.SetFlagErrorFunc(cli.FlagError)
	fl.IntVar(&opts.Port, "port", 8787, "`port` to listen on (0 = a free port)")
	fl.StringVar(&opts.Host, "host", "127.0.0.1", "`address` to bind")
	fl.StringSliceVarP(&opts.Events, "events", "e", []string{"*"}, "event types or `patterns` to subscribe to and forward (card.*, *); others are answered 200, not forwarded")
	fl.StringVar(&opts.Provider, "provider", "", "`provider` of the events: {bond|mono|mambu|saas|standard|stripe|github} (default any)")
	fl.StringVar(&opts.Scheme, "scheme", "", "signature `scheme` to verify, or auto to detect it from the headers (default auto)")
	fl.StringArrayVar(&opts.Secrets, "secret", nil, "also accept signatures made with this `secret` (a real provider's), repeatable")
	fl.String("secret-file", "", "read the --secret(s) from `file` instead, one per line (keeps them out of the process list and shell history; warns unless only you may read it)")
	fl.StringArrayVarP(&headers, "header", "H", nil, "add `'Key: Value'` to every forwarded request (repeatable, each name once: a list as 'Key: a, b')")
	fl.DurationVar(&opts.Timeout, "timeout", 10*time.Second, "how long the app has to answer a forward")
	fl.StringVar(&maxBody, "max-body", "1MiB", "largest request body accepted (`size`: 512KiB, 5MiB, bytes); larger gets 413")
	fl.BoolVar(&opts.PrintSecret, "print-secret", false, "print the listener's signing secret and exit")
	cli.AddStoreWaitFlag(fl, &opts.StoreWait)
	fl.BoolVar(&opts.Keep, "keep", false, "keep the subscription enabled after exit")
	fl.StringVar(&opts.UI, "ui", "", "also serve the web inspector at `addr` (bare --ui: "+web.DefaultAddr+", the next free port if taken)")
	fl.Lookup("ui").NoOptDefVal = web.DefaultAddr
	fl.BoolVar(&opts.SkipVerify, "skip-verify", false, "accept the forward target's TLS certificate unchecked (a self-signed https target); signatures are still verified")
	_ = fl.SetAnnotation("port", config.FlagKeyAnnotation, []string{"listen_port"})
	_ = fl.SetAnnotation("host", config.FlagKeyAnnotation, []string{"listen_host"})
	_ = c.RegisterFlagCompletionFunc("scheme", func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		return append([]string{"auto"}, signature.Names()...), cobra.ShellCompDirectiveNoFileComp
	})
	_ = c.RegisterFlagCompletionFunc("provider", func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		return catalog.Providers(), cobra.ShellCompDirectiveNoFileComp
	})
	_ = c.RegisterFlagCompletionFunc("events", subscriptions.CompleteEvents(f))
	return c
}

func parseHeaders(hs []string) (http.Header, error) {
	h := http.Header{}
	for _, s := range hs {
		k, v, ok := strings.Cut(s, ":")
		k = strings.TrimSpace(k)
		if !ok || k == "" || strings.ContainsAny(k, " \t\r\n") {
			return nil, cli.Usagef("invalid --header %q: want 'Key: Value'", s).
				Hint("e.g. --header 'Authorization: Bearer t0k3n' (a name, a colon, the value)")
		}
		// As subscribe's --header: a line break, NUL or other control
		// character would make every forward fail (net/http refuses to
		// send it); bytes that are not UTF-8 (obs-text) are sent as given.
		v = strings.TrimSpace(v)
		if i := subscription.BadHeaderValue(v); i >= 0 {
			what := fmt.Sprintf("the control character %#02x", v[i])
			if strings.ContainsAny(v, "\r\n") {
				what = "a line break"
			}
			return nil, cli.Usagef("invalid --header %q: the value contains %s", s, what).
				Hint("write headers as \"Name: value\" on one line, e.g. --header 'Authorization: Bearer dev'")
		}
		if prev := h.Get(k); h.Values(k) != nil {
			// As subscribe's and trigger's --header: once each.
			msg, hint := subscription.RepeatedHeader(http.CanonicalHeaderKey(k), prev, v)
			return nil, cli.Usagef("%s", msg).Hint("%s", hint)
		}
		h.Add(k, v)
	}
	return h, nil
}

// ParseSize reads 1048576, 512KiB, 512KB, 5MiB, 5MB, 1GiB (binary units).
func ParseSize(s string) (int64, error) {
	t := strings.TrimSpace(strings.ToLower(s))
	mult := int64(1)
	for _, u := range []struct {
		suf string
		m   int64
	}{{"kib", 1 << 10}, {"mib", 1 << 20}, {"gib", 1 << 30}, {"kb", 1 << 10}, {"mb", 1 << 20}, {"gb", 1 << 30}, {"k", 1 << 10}, {"m", 1 << 20}, {"g", 1 << 30}, {"b", 1}} {
		if strings.HasSuffix(t, u.suf) {
			t, mult = strings.TrimSpace(strings.TrimSuffix(t, u.suf)), u.m
			break
		}
	}
	n, err := strconv.ParseInt(t, 10, 64)
	if err != nil || n <= 0 {
		return 0, errors.New("want a positive size such as 1MiB")
	}
	return n * mult, nil
}

func run(ctx context.Context, opts *Options) error {
	f := opts.Factory
	// A PostgreSQL server not accepting connections yet (started beside
	// listen), or a SQLite store whose write lock another process holds
	// (a store import, a sqlite3 shell inside a transaction: listen
	// writes as it starts), is waited for, up to --store-wait.
	f.WaitForStore(opts.StoreWait)
	st, err := f.WritableStore(ctx)
	if err != nil {
		return err
	}
	if opts.PrintSecret {
		// The subscription listen on this port would use (one per port),
		// made now only if there is none, with its real callback URL.
		key := listen.Key(opts.Host, opts.Port, opts.Events, opts.Provider, opts.Scheme)
		sub, _, err := listen.EnsureSubscription(ctx, st, key, listen.CallbackURL(opts.Host, opts.Port)+"/", opts.Events, opts.Provider, opts.Scheme, false)
		if err != nil {
			return err
		}
		if opts.IO.JSON() {
			out := map[string]string{"secret": sub.Secret, "subscription_id": sub.ID}
			if pk := publicKey(sub); pk != "" {
				out["public_key"] = pk
			}
			return ui.WriteJSON(opts.IO.Out, out)
		}
		_, err = fmt.Fprintln(opts.IO.Out, sub.Secret)
		return err
	}
	es := opts.IO.ErrStyles()
	dsn := ""
	if f.Config != nil {
		dsn = f.Config.Store
	}
	jdir, jkey := listen.JournalDir(st, config.DataDir(os.Getenv)), listen.StoreKey(st, dsn)
	if err := RecoverJournals(ctx, opts.IO, st, jdir, jkey); err != nil {
		return err
	}

	// A script that took the ready line and stopped reading (| head -1)
	// does not end listen at its next log line.
	defer cli.SurviveClosedStdout()()

	// Ctrl-C, SIGTERM and SIGHUP (the terminal closed) cancel ctx (the
	// root's signal handling): listen drains, then stops.
	var warnMu sync.Mutex
	lastWarn := ""
	// Deliveries created from here on are this run's (a second of margin
	// for clocks that round).
	started := time.Now().Add(-time.Second)
	l, err := listen.Start(ctx, listen.Options{
		Host: opts.Host, Port: opts.Port, Target: opts.Target, Events: opts.Events, Provider: opts.Provider,
		Scheme: opts.Scheme, Secrets: opts.Secrets, Headers: opts.Headers, Timeout: opts.Timeout,
		MaxBody: opts.MaxBody, Keep: opts.Keep, SkipVerify: opts.SkipVerify, Store: st, Out: opts.IO.Out, JSON: opts.IO.JSON(), Now: f.Now,
		Terminal: opts.IO.IsStdoutTTY(), Fit: cli.ListenFit(ctx, opts.IO, st), JournalDir: jdir, StoreKey: jkey,
		ProviderOf: providerOf(opts.Catalog),
		OnLogError: func(err error) {
			fmt.Fprintf(opts.IO.ErrOut, "hookctl: warning: stdout is closed (%v): listen goes on without its live log (every event is in the store: hookctl events log)\n", err)
		},
		OnHint: func(h string) {
			warnMu.Lock()
			defer warnMu.Unlock()
			fmt.Fprintf(opts.IO.ErrOut, "hookctl: hint: %s\n", h)
		},
		OnSaving: func(n int64) {
			fmt.Fprintf(opts.IO.ErrOut, "Saving %d received events to the store…\n", n)
		},
		OnRecordError: func(err error) {
			// One line per kind of trouble, not per record.
			warnMu.Lock()
			defer warnMu.Unlock()
			if msg := err.Error(); msg != lastWarn {
				lastWarn = msg
				fmt.Fprintf(opts.IO.ErrOut, "hookctl: warning: %v\n", err)
			}
		},
	})
	if err != nil {
		return hostError(opts.Host, err)
	}
	// A second signal (a second or more later: `timeout` and process-group
	// kills deliver one twice at once) quits without waiting for the
	// store: every event already answered is in the journal, imported by
	// the next start. The root's handling exits (130) once this returns.
	defer cli.OnInterruptAgain(ctx, func() {
		n := l.Abandon()
		fmt.Fprintf(opts.IO.ErrOut, "hookctl: interrupted again: quitting; %d received events not yet in the store stay in %s (imported on the next start)\n", n, l.Journal())
	})()
	uiURL := ""
	if opts.UI != "" {
		// The inspector over the same store; its replays and resends are
		// sent by its own in-process worker.
		u, stopUI, err := web.Start(ctx, opts.UI, web.Config{Store: st, Catalog: opts.Catalog, Version: f.Version, Now: f.Now})
		if err != nil {
			l.Shutdown(context.WithoutCancel(ctx))
			return cli.Envf("cannot serve the inspector at %s: %v", opts.UI, err).Hint("pick another address: --ui 127.0.0.1:4050")
		}
		defer stopUI()
		uicmd.WarnPortTaken(opts.IO.ErrOut, opts.UI, u)
		uiURL = u
	}
	if opts.IO.JSON() {
		// The first stdout line: a script waits for it (jq) before sending.
		b, _ := json.Marshal(readyLine{Kind: "ready", URL: l.URL(), Port: l.Port(),
			Secret: l.Sub.Secret, PublicKey: publicKey(l.Sub), SubscriptionID: l.Sub.ID, Journal: l.Journal(), UI: uiURL})
		if _, err := opts.IO.Out.Write(append(b, '\n')); err != nil {
			l.Shutdown(context.WithoutCancel(ctx))
			return err
		}
	}
	target := "nowhere (verify and record only; add --forward <target>)"
	if opts.Target != nil {
		target = opts.Target.Redacted() // a password in the URL is not printed
	}
	// On a terminal the banner and the lines at the end are wrapped to
	// it (the banner was 120 columns and more), a secret, an id and the
	// command to try whole; piped, one line each.
	width := opts.IO.ErrWidth()
	if pk := publicKey(l.Sub); pk != "" {
		// The app behind listen verifies v1a signatures with the public
		// key; the whsk_ private key signs and should stay with the sender.
		fmt.Fprintln(opts.IO.ErrOut, ui.WrapNotice(fmt.Sprintf("%s Forwarding to %s. Your webhook signing key is %s; your app verifies with its public key %s (^C to quit)",
			es.Success.Render("Ready!"), es.Bold.Render(target), es.Secret.Render(l.Sub.Secret), es.Secret.Render(pk)), width))
	} else {
		fmt.Fprintln(opts.IO.ErrOut, ui.WrapNotice(fmt.Sprintf("%s Forwarding to %s. Your webhook signing secret is %s (^C to quit)",
			es.Success.Render("Ready!"), es.Bold.Render(target), es.Secret.Render(l.Sub.Secret)), width))
	}
	fmt.Fprintln(opts.IO.ErrOut, ui.WrapNotice(es.Muted.Render(fmt.Sprintf("Listening on %s for %s (subscription %s). Try: hookctl trigger %s",
		l.URL(), strings.Join(opts.Events, ","), l.Sub.ID, exampleEvent(opts.Events))), width))
	if !httplimit.IsLoopbackHost(opts.Host) {
		// The URL above is this machine's; say who else can send to it.
		bound := opts.Host
		if ip := net.ParseIP(opts.Host); ip != nil && ip.IsUnspecified() {
			bound += " (every address of this machine)"
		}
		fmt.Fprintf(opts.IO.ErrOut, "hookctl: warning: bound to %s: other machines can send to this listener; only requests signed with its secrets are accepted, the others are answered 401 and recorded\n", bound)
	}
	if uiURL != "" {
		fmt.Fprintf(opts.IO.ErrOut, "Inspector at %s\n", es.Bold.Render(uiURL))
	}
	if h := listen.TargetDown(opts.Target); h != "" {
		fmt.Fprintf(opts.IO.ErrOut, "hookctl: hint: %s\n", h)
	}

	<-ctx.Done()
	fmt.Fprintln(opts.IO.ErrOut, ui.Wrap(es.Muted.Render("Shutting down: finishing in-flight forwards… (^C again to quit at once)"), width, "  "))
	stats, serr := l.Shutdown(context.WithoutCancel(ctx))

	written, left := l.RecordCounts()
	_ = written
	sum := fmt.Sprintf("Received %d, verified %d, rejected %d; forwarded %d ok, %d failed.",
		stats.Received, stats.Verified, stats.Rejected, stats.ForwardedOK, stats.ForwardFail)
	if opts.Target == nil {
		sum = fmt.Sprintf("Received %d, verified %d, rejected %d.", stats.Received, stats.Verified, stats.Rejected)
	}
	fmt.Fprintln(opts.IO.ErrOut, ui.Wrap(es.Bold.Render(sum), width, "  "))
	if note := limitsNote(stats, l.Limits()); note != "" {
		fmt.Fprintln(opts.IO.ErrOut, es.Muted.Render(note))
	}
	if stats.Unrecorded > 0 {
		fmt.Fprintln(opts.IO.ErrOut, unrecordedWarning(stats.Unrecorded))
	}
	if left > 0 {
		fmt.Fprintf(opts.IO.ErrOut, "hookctl: warning: the store did not take %d received events; they are kept in %s and imported by the next hookctl listen or hookctl store command\n", left, l.Journal())
	}
	// Deleted while listen ran (another terminal, serve's API, the
	// inspector): there is nothing to disable, and the next listen makes
	// a new subscription, with a new secret.
	deleted := errors.Is(serr, store.ErrNotFound)
	switch {
	case deleted:
		fmt.Fprintln(opts.IO.ErrOut, ui.WrapNotice(fmt.Sprintf("Subscription %s was deleted while listen ran; the next hookctl listen makes a new one, with a new secret (give it to your app).", l.Sub.ID), width))
	case opts.Keep:
		fmt.Fprintln(opts.IO.ErrOut, ui.WrapNotice(fmt.Sprintf("Subscription %s stays enabled (--keep).", l.Sub.ID), width))
	default:
		fmt.Fprintln(opts.IO.ErrOut, ui.WrapNotice(fmt.Sprintf("Subscription %s disabled; it comes back with the same secret next time.", l.Sub.ID), width))
	}
	if stats.ForwardFail > 0 && (left > 0 || replayable(ctx, st, l.Sub.ID, started)) {
		cmd := "hookctl replay --failed --yes"
		if opts.SkipVerify {
			cmd += " --insecure" // the app's certificate is self-signed
		}
		fmt.Fprintln(opts.IO.ErrOut, es.Muted.Render("hookctl: hint: after a fix, re-forward failures with: "+cmd))
	}
	if serr != nil && !deleted {
		fmt.Fprintf(opts.IO.ErrOut, "hookctl: warning: %v\n", serr)
	}
	return nil
}

// replayable reports whether replay --failed would resend anything of
// this run's: a failed forward of an event from elsewhere, or a failed
// delivery hookctl sent through this listener (replaying it re-forwards).
// A failed forward of a delivery hookctl retried to success is neither:
// the hint to replay would find nothing. On a store error it says yes.
func replayable(ctx context.Context, st store.Store, subID string, since time.Time) bool {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	counts, err := st.CountDeliveries(ctx, store.DeliveryFilter{SubscriptionID: subID, Status: store.DeliveryFailed,
		ExcludeLinked: true, ExcludeProbes: true, Since: since})
	return err != nil || counts[store.DeliveryFailed] > 0
}

// readyLine is listen -o json's first stdout line.
type readyLine struct {
	Kind           string `json:"kind"`
	URL            string `json:"url"`
	Port           int    `json:"port"`
	Secret         string `json:"secret"`
	PublicKey      string `json:"public_key,omitempty"` // standard-ed25519: what the app verifies with
	SubscriptionID string `json:"subscription_id"`
	Journal        string `json:"journal,omitempty"`
	UI             string `json:"ui,omitempty"`
}

// publicKey is the whpk_ key an app verifies a standard-ed25519
// listener's forwards with ("" for the other schemes).
func publicKey(sub *store.Subscription) string {
	if sub.Scheme != "standard-ed25519" {
		return ""
	}
	pk, _ := signature.PublicKey(sub.Secret)
	return pk
}

// RecoverJournals imports journals left by a listen that did not finish
// (killed, machine crashed) into st, with a one-line notice.
func RecoverJournals(ctx context.Context, io *ui.IOStreams, st store.Store, dir, key string) error {
	rc, err := listen.Recover(ctx, st, dir, key)
	rc.Report(io.ErrOut)
	if err != nil {
		return cli.WithCode(cli.ExitEnvironment, err).Hint("the journal stays where it is; it is imported once the store takes it (hookctl store info)")
	}
	return nil
}

// unrecordedWarning is the shutdown warning for n requests answered 503
// because they could not be recorded.
func unrecordedWarning(n int64) string {
	if n == 1 {
		return "hookctl: warning: 1 request could not be recorded and was answered 503 (its sender retries it)"
	}
	return fmt.Sprintf("hookctl: warning: %d requests could not be recorded and were answered 503 (their senders retry them)", n)
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + many
}

// limitsNote reports what the limits turned away and what --events
// filtered ("" when nothing was).
func limitsNote(st listen.Stats, lim httplimit.Stats) string {
	var parts []string
	if n := lim.RejectedConns + lim.RejectedPerIP; n > 0 {
		parts = append(parts, count(n, "connection", "connections")+" turned away (too many at once)")
	}
	if st.Busy > 0 {
		parts = append(parts, count(st.Busy, "request", "requests")+" answered 503 busy (too many bodies in flight)")
	}
	if st.TooLarge > 0 {
		parts = append(parts, count(st.TooLarge, "body", "bodies")+" over --max-body")
	}
	if n := lim.BadFraming + lim.BadTarget; n > 0 {
		parts = append(parts, count(n, "malformed request", "malformed requests")+" refused")
	}
	if lim.HeaderTooLarge > 0 {
		parts = append(parts, count(lim.HeaderTooLarge, "request", "requests")+" with headers over 64 KiB answered 431")
	}
	if st.Filtered > 0 {
		parts = append(parts, count(st.Filtered, "event", "events")+" not in --events (answered 200, not forwarded)")
	}
	if st.RejectedUnkept > 0 {
		parts = append(parts, fmt.Sprintf("%s not recorded (at most %d at once, %d a second, %d a run are kept)",
			count(st.RejectedUnkept, "rejected request", "rejected requests"), listen.RejectedBurst, listen.RejectedPerSecond, listen.RejectedPerRun))
	}
	if len(parts) == 0 {
		return ""
	}
	return "Also: " + strings.Join(parts, "; ") + "."
}

func count(n int64, one, many string) string {
	return plural(int(n), one, many)
}

func exampleEvent(events []string) string {
	for _, e := range events {
		if e != "*" && !strings.HasSuffix(e, ".*") {
			return e
		}
	}
	if slices.Contains(events, "*") || slices.Contains(events, "card.*") {
		return "card.created"
	}
	return "<event-type>"
}

// looksLikeAddr: host:port or :port, as --ui takes.
func looksLikeAddr(s string) bool {
	_, port, err := net.SplitHostPort(s)
	if err != nil || port == "" {
		return false
	}
	for _, c := range port {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// hostError says when listen could not bind because of --host (a name
// that does not resolve: bad input; an address this machine does not
// have: the environment), as serve does; other errors are returned as
// they are.
func hostError(host string, err error) error {
	var dns *net.DNSError
	switch {
	case errors.As(err, &dns):
		return cli.Usagef("invalid --host %s: %s", host, dns.Err).
			Hint("give an address of this machine: 127.0.0.1 (the default), ::1, or 0.0.0.0 for every interface")
	case errors.Is(err, syscall.EADDRNOTAVAIL):
		return cli.Envf("invalid --host %s: this machine has no such address", host).
			Hint("--host must be an address of this machine: 127.0.0.1 (the default), ::1, or 0.0.0.0 for every interface")
	}
	return err
}

// providerOf names a received event's provider from its scheme and type,
// as the catalog has them: the one provider whose events of that type
// are signed that way (stripe's charge.succeeded), "" when none or
// several have it (customer.updated is saas's and stripe's: the older
// provider keeps the plain name, as everywhere). Built once: listen asks
// it per request.
func providerOf(cat *catalog.Catalog) func(scheme, typ string) string {
	if cat == nil {
		return nil
	}
	type key struct{ scheme, typ string }
	m := map[key]string{}
	for _, et := range cat.All() {
		k := key{et.Scheme, et.Type}
		if p, ok := m[k]; ok && p != et.Provider {
			m[k] = "" // several providers: the scheme's default decides
			continue
		}
		m[k] = et.Provider
	}
	return func(scheme, typ string) string { return m[key{scheme, typ}] }
}
