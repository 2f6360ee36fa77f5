// Package listen implements `hookctl listen`.
package listen

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/hookctl/hookctl/cmd/subscriptions"
	"github.com/hookctl/hookctl/internal/cli"
	"github.com/hookctl/hookctl/internal/config"
	"github.com/hookctl/hookctl/internal/listen"
	"github.com/hookctl/hookctl/internal/signature"
	"github.com/hookctl/hookctl/internal/subscription"
	"github.com/hookctl/hookctl/internal/ui"
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
A request with a bad signature is answered 401 with the reason and never
reaches the app. Every received event and its forward are recorded, so
'hookctl deliveries list' shows them and 'hookctl replay' re-forwards failures.

The target is normalised: 3000 means http://localhost:3000 and
localhost:3000/webhooks means http://localhost:3000/webhooks; the incoming
path and query string are appended. Without --forward, events are verified,
printed and recorded only.

Ctrl-C finishes in-flight forwards, disables the subscription (unless --keep)
and prints a summary. GET /healthz answers 200 once ready.`,
		Example: `  hookctl listen --forward localhost:3000/webhooks
  hookctl listen --forward 3000 --events 'card.*,kyc.*'
  hookctl listen --port 0 --forward localhost:8080 -o json | jq .
  hookctl listen --scheme stripe --secret whsec_from_dashboard --forward 3000
  hookctl listen --forward 3000 --header 'Authorization: Bearer dev'
  hookctl listen --print-secret`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, args []string) error {
			if opts.Forward != "" {
				u, err := listen.NormalizeTarget(opts.Forward)
				if err != nil {
					return cli.Usagef("%v", err).Hint("e.g. --forward 3000 or --forward localhost:3000/webhooks")
				}
				opts.Target = u
			}
			if opts.Port < 0 || opts.Port > 65535 {
				return cli.Usagef("invalid --port %d: want 0-65535 (0 = a free port)", opts.Port)
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
			if opts.Scheme != "" && opts.Scheme != "auto" && !slices.Contains(signature.Names(), opts.Scheme) {
				return cli.Usagef("unknown scheme %q", opts.Scheme).Hint("valid schemes: auto, %s", strings.Join(signature.Names(), ", "))
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
				return cli.Usagef("invalid --timeout %s: must be positive", opts.Timeout)
			}
			if runF != nil {
				return runF(opts)
			}
			return run(c.Context(), opts)
		},
	}
	fl := c.Flags()
	fl.StringVarP(&opts.Forward, "forward", "f", "", "forward verified events to `target` (3000, localhost:3000/webhooks, https://…)")
	fl.IntVar(&opts.Port, "port", 8787, "`port` to listen on (0 = a free port)")
	fl.StringVar(&opts.Host, "host", "127.0.0.1", "`address` to bind")
	fl.StringSliceVarP(&opts.Events, "events", "e", []string{"*"}, "event types or `patterns` to subscribe to (card.*, *)")
	fl.StringVar(&opts.Provider, "provider", "", "`provider` of the events: {bond|mono|mambu|saas|standard} (default any)")
	fl.StringVar(&opts.Scheme, "scheme", "", "signature `scheme` to verify, or auto to detect it from the headers (default auto)")
	fl.StringArrayVar(&opts.Secrets, "secret", nil, "also accept signatures made with this `secret` (a real provider's), repeatable")
	fl.StringArrayVarP(&headers, "header", "H", nil, "add `'Key: Value'` to every forwarded request, repeatable")
	fl.DurationVar(&opts.Timeout, "timeout", 10*time.Second, "how long the app has to answer a forward")
	fl.StringVar(&maxBody, "max-body", "1MiB", "largest request body accepted (`size`: 512KiB, 5MiB, bytes); larger gets 413")
	fl.BoolVar(&opts.PrintSecret, "print-secret", false, "print the listener's signing secret and exit")
	fl.BoolVar(&opts.Keep, "keep", false, "keep the subscription enabled after exit")
	_ = fl.SetAnnotation("port", config.FlagKeyAnnotation, []string{"listen_port"})
	_ = fl.SetAnnotation("host", config.FlagKeyAnnotation, []string{"listen_host"})
	_ = c.RegisterFlagCompletionFunc("scheme", func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		return append([]string{"auto"}, signature.Names()...), cobra.ShellCompDirectiveNoFileComp
	})
	_ = c.RegisterFlagCompletionFunc("provider", func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		return []string{"bond", "mono", "mambu", "saas", "standard"}, cobra.ShellCompDirectiveNoFileComp
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
			return nil, cli.Usagef("invalid --header %q: want 'Key: Value'", s)
		}
		h.Add(k, strings.TrimSpace(v))
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
	st, err := f.Store(ctx)
	if err != nil {
		return err
	}
	if opts.PrintSecret {
		key := listen.Key(opts.Host, opts.Port, opts.Events, opts.Provider, opts.Scheme)
		sub, _, err := listen.EnsureSubscription(ctx, st, key, "", opts.Events, opts.Provider, opts.Scheme, false)
		if err != nil {
			return err
		}
		if opts.IO.JSON() {
			return ui.WriteJSON(opts.IO.Out, map[string]string{"secret": sub.Secret, "subscription_id": sub.ID})
		}
		_, err = fmt.Fprintln(opts.IO.Out, sub.Secret)
		return err
	}
	es := opts.IO.ErrStyles()
	var warnOnce sync.Once
	l, err := listen.Start(ctx, listen.Options{
		Host: opts.Host, Port: opts.Port, Target: opts.Target, Events: opts.Events, Provider: opts.Provider,
		Scheme: opts.Scheme, Secrets: opts.Secrets, Headers: opts.Headers, Timeout: opts.Timeout,
		MaxBody: opts.MaxBody, Keep: opts.Keep, Store: st, Out: opts.IO.Out, JSON: opts.IO.JSON(), Now: f.Now,
		OnSaving: func(n int64) {
			fmt.Fprintf(opts.IO.ErrOut, "Saving %d received events to the store…\n", n)
		},
		OnRecordError: func(err error) {
			warnOnce.Do(func() {
				fmt.Fprintf(opts.IO.ErrOut, "hookctl: warning: could not record a received event: %v\n", err)
			})
		},
	})
	if err != nil {
		return err
	}
	target := "nowhere (verify and record only; add --forward <target>)"
	if opts.Target != nil {
		target = opts.Target.String()
	}
	fmt.Fprintf(opts.IO.ErrOut, "%s Forwarding to %s. Your webhook signing secret is %s (^C to quit)\n",
		es.Success.Render("Ready!"), es.Bold.Render(target), es.Secret.Render(l.Sub.Secret))
	fmt.Fprintf(opts.IO.ErrOut, "%s\n", es.Muted.Render(fmt.Sprintf("Listening on %s for %s (subscription %s). Try: hookctl trigger %s",
		l.URL(), strings.Join(opts.Events, ","), l.Sub.ID, exampleEvent(opts.Events))))

	<-ctx.Done()
	fmt.Fprintln(opts.IO.ErrOut, es.Muted.Render("Shutting down: finishing in-flight forwards… (^C again to quit at once)"))
	// A second Ctrl-C quits without waiting (records not yet stored are lost).
	again := make(chan os.Signal, 1)
	signal.Notify(again, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(again)
	go func() {
		if _, ok := <-again; ok {
			fmt.Fprintln(opts.IO.ErrOut, "hookctl: interrupted again: quitting without waiting")
			os.Exit(cli.ExitInterrupted)
		}
	}()
	stats, serr := l.Shutdown(context.WithoutCancel(ctx))

	written, lost := l.RecordCounts()
	sum := fmt.Sprintf("Received %d, verified %d, rejected %d; forwarded %d ok, %d failed.",
		stats.Received, stats.Verified, stats.Rejected, stats.ForwardedOK, stats.ForwardFail)
	if opts.Target == nil {
		sum = fmt.Sprintf("Received %d, verified %d, rejected %d.", stats.Received, stats.Verified, stats.Rejected)
	}
	fmt.Fprintln(opts.IO.ErrOut, es.Bold.Render(sum))
	if lost > 0 {
		fmt.Fprintf(opts.IO.ErrOut, "hookctl: warning: %d of %d records could not be stored\n", lost, written+lost)
	}
	if opts.Keep {
		fmt.Fprintf(opts.IO.ErrOut, "Subscription %s stays enabled (--keep).\n", l.Sub.ID)
	} else {
		fmt.Fprintf(opts.IO.ErrOut, "Subscription %s disabled; it comes back with the same secret next time.\n", l.Sub.ID)
	}
	if stats.ForwardFail > 0 {
		fmt.Fprintln(opts.IO.ErrOut, es.Muted.Render("hint: after a fix, re-forward failures with: hookctl replay --failed --yes"))
	}
	if serr != nil {
		fmt.Fprintf(opts.IO.ErrOut, "hookctl: warning: %v\n", serr)
	}
	return nil
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
