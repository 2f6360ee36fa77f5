// Package check implements `hookctl check`.
package check

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/charmbracelet/lipgloss"
	"github.com/spf13/cobra"

	"github.com/hookctl/hookctl/cmd/trigger"
	"github.com/hookctl/hookctl/internal/catalog"
	"github.com/hookctl/hookctl/internal/check"
	"github.com/hookctl/hookctl/internal/cli"
	"github.com/hookctl/hookctl/internal/signature"
	"github.com/hookctl/hookctl/internal/store"
	"github.com/hookctl/hookctl/internal/subscription"
	"github.com/hookctl/hookctl/internal/ui"
)

// Options are the parsed flags of `hookctl check`.
type Options struct {
	Factory *cli.Factory
	IO      *ui.IOStreams

	URL            string
	List           bool
	Provider       string
	Scheme         string
	Secret         string
	SubscriptionID string
	// SecretFrom: where Secret came from on the command line
	// ("--secret", "--secret-file FILE"), "" when not given there.
	SecretFrom  string
	Event       string
	FixturesDir string
	Only, Skip  []string
	Selected    map[string]bool
	Deadline    time.Duration
	Burst       int
	EffectCmd   string
	Settle      time.Duration
	JUnit       string
	Insecure    bool

	// ProviderGiven, SchemeGiven: --provider, --scheme on the command
	// line, not the configuration's defaults (config.yaml, HOOKCTL_*),
	// which give way to a subscription's own.
	ProviderGiven, SchemeGiven bool
}

// NewCmd returns `hookctl check`.
func NewCmd(f *cli.Factory) *cobra.Command { return newCmd(f, nil) }

// maxBurst bounds --burst: a burst is built and sent all at once.
const maxBurst = 10000

func newCmd(f *cli.Factory, runF func(*Options) error) *cobra.Command {
	opts := &Options{Factory: f}
	c := &cobra.Command{
		Use:   "check <url> [flags]",
		Short: "Check that a receiver verifies, acknowledges and de-duplicates",
		Long: `Send a receiver probes built by the same code as 'hookctl trigger' (valid,
unsigned, wrongly signed, tampered, stale, duplicated, out of order, of an
unknown type, large, in a burst) and judge each answer against the rules
every provider gives its subscribers. Each check ends PASS, FAIL, WARN or
SKIP with its evidence; every probe is recorded in the store, so
'hookctl deliveries show ID' shows the request and the answer behind it.

The scheme and secret come from --subscription (or the one subscription
whose URL is <url>), else from --scheme/--provider and --secret or
--secret-file (default $HOOKCTL_SECRET, as for sign and verify: a file or
the environment keeps the secret out of the command line and CI logs).

Exit status: 0 when no check failed (warnings allowed), 1 when a check
failed, 2 for bad usage, 3 when the URL cannot be reached.`,
		Example: `  hookctl check http://localhost:3000/webhooks --provider bond --secret whsec_…
  hookctl check localhost:8080/hooks --scheme stripe --secret whsec_… --junit check.xml
  hookctl check http://localhost:3000/webhooks --subscription 3f2a --effect-cmd 'sqlite3 app.db "select count(*) from events"'
  hookctl check http://localhost:3000/webhooks --scheme standard --secret whsec_… --only accepts-valid,rejects-wrong-secret -o json
  hookctl check --list`,
		Args: func(c *cobra.Command, args []string) error {
			if opts.List {
				return cobra.NoArgs(c, args)
			}
			return cobra.ExactArgs(1)(c, args)
		},
		RunE: func(c *cobra.Command, args []string) error {
			opts.IO = f.IOStreams
			if opts.List {
				if runF != nil {
					return runF(opts)
				}
				return list(opts)
			}
			// An empty value ("$UNSET") is said as such: an empty
			// --secret read as none ("no secret to sign the probes
			// with", hint: pass --secret), an empty --subscription as
			// left out ("which provider or scheme …?"), --only '' as
			// every check, --event '' as the provider's first.
			if strings.TrimSpace(args[0]) == "" {
				return cli.Usagef("empty URL").
					Hint("give the receiver's URL: 3000, localhost:3000/webhooks or https://… (is a shell variable unset?)")
			}
			if err := cli.NonEmptyFlags(c, "secret", "subscription", "event", "junit", "fixtures", "provider", "scheme"); err != nil {
				return err
			}
			if c.Flags().Changed("only") && strings.TrimSpace(strings.Join(opts.Only, "")) == "" {
				return cli.Usagef("--only is empty").
					Hint("give it check ids (hookctl check --list) or leave the flag out (is a shell variable unset?)")
			}
			u, err := trigger.NormalizeURL(args[0], "")
			if err != nil {
				return trigger.URLError(err, "", "give the receiver's URL, e.g. hookctl check http://localhost:3000/webhooks, or a port alone: 3000")
			}
			opts.URL = u
			sel, err := check.Select(opts.Only, opts.Skip)
			if err != nil {
				return cli.WithCode(cli.ExitUsage, err)
			}
			opts.Selected = sel
			if len(sel) == 0 {
				return cli.Usagef("--skip leaves no check to run").Hint("list the checks: hookctl check --list")
			}
			if len(sel) == 1 && sel[check.DedupesDuplicate] && strings.TrimSpace(opts.EffectCmd) == "" {
				// Nothing else would run: say so before sending anything.
				return cli.Usagef("dedupes-duplicate needs --effect-cmd: a command printing what the app did").
					Hint("e.g. --effect-cmd 'wc -l < processed.log' or a row count of your database")
			}
			if opts.Deadline < 0 || opts.Deadline == 0 && c.Flags().Changed("deadline") {
				return cli.Usagef("invalid --deadline %s: want a positive duration", opts.Deadline).
					Hint("e.g. --deadline 5s; leave it out for the provider's timeout (10s or 15s)")
			}
			if opts.Burst < 1 || opts.Burst > maxBurst {
				// (each request of the burst is built and sent at once:
				// 2,000,000 held 4 GB and did not stop on a signal)
				return cli.Usagef("invalid --burst %d: want 1 to %d", opts.Burst, maxBurst).
					Hint("e.g. --burst 50 (the default); at most %d requests are sent at once", maxBurst)
			}
			opts.ProviderGiven, opts.SchemeGiven = c.Flags().Changed("provider"), c.Flags().Changed("scheme")
			fromFile, err := cli.SecretFromFile(c, &opts.Secret)
			if err != nil {
				return err
			}
			switch {
			case fromFile:
				opts.SecretFrom = "--secret-file " + c.Flags().Lookup("secret-file").Value.String()
			case c.Flags().Changed("secret"):
				opts.SecretFrom = "--secret"
			}
			if opts.SubscriptionID != "" && (opts.Secret != "" || opts.SchemeGiven) {
				if fromFile {
					return cli.Usagef("--subscription cannot be used with --secret-file or --scheme (the subscription has its own)").
						Hint("drop --secret-file and --scheme to check with the subscription's secret and scheme, or drop --subscription")
				}
				return cli.Usagef("--subscription cannot be used with --secret or --scheme (the subscription has its own)").
					Hint("drop --secret and --scheme to check with the subscription's secret and scheme, or drop --subscription")
			}
			if opts.Scheme == "auto" {
				opts.Scheme = ""
			}
			if opts.Scheme != "" {
				if _, err := signature.Lookup(opts.Scheme); err != nil {
					return cli.WithCode(cli.ExitUsage, signature.UnknownScheme(opts.Scheme, true))
				}
			}
			if opts.Provider != "" {
				if err := catalog.CheckProvider(opts.Provider); err != nil {
					return cli.WithCode(cli.ExitUsage, err)
				}
			}
			if runF != nil {
				return runF(opts)
			}
			return run(c.Context(), opts)
		},
	}
	fl := c.Flags()
	fl.BoolVar(&opts.List, "list", false, "list every check: id, what is sent, what a correct receiver does")
	fl.StringVarP(&opts.Provider, "provider", "p", "", "`provider` whose events are sent: {"+strings.Join(catalog.Providers(), "|")+"}")
	fl.StringVar(&opts.Scheme, "scheme", "", "signature `scheme` (default: the provider's)")
	fl.StringVar(&opts.Secret, "secret", "", "the receiver's signing `secret` (default $HOOKCTL_SECRET)")
	fl.String("secret-file", "", cli.SecretFileUsage)
	fl.StringVar(&opts.SubscriptionID, "subscription", "", "take URL scheme and secret from this subscription `id`")
	fl.StringVar(&opts.Event, "event", "", "base event `type` of the probes (default: the provider's first)")
	catalog.RegisterFixturesFlag(fl, &opts.FixturesDir)
	fl.StringSliceVar(&opts.Only, "only", nil, "run only these check `ids` (comma-separated)")
	fl.StringSliceVar(&opts.Skip, "skip", nil, "skip these check `ids` (comma-separated)")
	fl.DurationVar(&opts.Deadline, "deadline", 0, "valid events must be answered within `duration` (default: the provider's timeout, 10s or 15s)")
	fl.IntVar(&opts.Burst, "burst", 50, "send `n` valid events at once for survives-burst")
	fl.StringVar(&opts.EffectCmd, "effect-cmd", "", "shell `command` printing what the app did (e.g. a row count), for dedupes-duplicate; killed after 10s")
	fl.DurationVar(&opts.Settle, "effect-wait", 3*time.Second, "watch --effect-cmd for up to `duration` for the first delivery to take effect, and for all of it after the duplicate")
	fl.StringVar(&opts.JUnit, "junit", "", "also write JUnit XML to `file` (one testcase per check)")
	fl.BoolVarP(&opts.Insecure, "insecure", "k", false, "accept any TLS certificate (a receiver with a self-signed one)")
	c.ValidArgsFunction = cobra.NoFileCompletions // a URL
	_ = c.RegisterFlagCompletionFunc("provider", cli.CompleteProviders())
	_ = c.RegisterFlagCompletionFunc("scheme", cli.CompleteSchemes())
	_ = c.RegisterFlagCompletionFunc("subscription", cli.CompleteSubscriptionIDs(f))
	_ = c.RegisterFlagCompletionFunc("event", cli.CompleteEventTypes(f))
	_ = c.RegisterFlagCompletionFunc("only", completeCheckIDs)
	_ = c.RegisterFlagCompletionFunc("skip", completeCheckIDs)
	return c
}

// completeCheckIDs completes --only and --skip: the check ids, with what
// each checks, after those already in the comma-separated list.
func completeCheckIDs(_ *cobra.Command, _ []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
	done, cur := "", toComplete
	if i := strings.LastIndex(toComplete, ","); i >= 0 {
		done, cur = toComplete[:i+1], toComplete[i+1:]
	}
	given := strings.Split(done, ",")
	var out []cobra.Completion
	for _, d := range check.Defs {
		if strings.HasPrefix(d.ID, cur) && !slices.Contains(given, d.ID) {
			out = append(out, cobra.CompletionWithDesc(done+d.ID, d.Title))
		}
	}
	return out, cobra.ShellCompDirectiveNoFileComp | cobra.ShellCompDirectiveNoSpace
}

func list(opts *Options) error {
	ios := opts.IO
	if ios.JSON() {
		return ui.WriteJSON(ios.Out, map[string]any{"checks": check.Defs})
	}
	st := ios.Styles()
	if width := ios.StdoutWidth(); ios.IsStdoutTTY() && width > 0 && !listFits(width) {
		// The table cut every sentence to a few words on a terminal of 80
		// or 120 columns ("accepts a …", "schemes tha…"): each check is a
		// card instead, its sentences wrapped between words.
		for i, d := range check.Defs {
			if i > 0 {
				fmt.Fprintln(ios.Out)
			}
			fmt.Fprintln(ios.Out, ui.Wrap(st.Key.Render(d.ID)+"  "+d.Title, width, "  "))
			for _, f := range [][2]string{{"sends", d.Sends}, {"expects", d.Expects}, {"applies to", d.Applies}} {
				head := "  " + st.Muted.Render(f[0]) + strings.Repeat(" ", 12-len(f[0]))
				fmt.Fprintln(ios.Out, ui.Wrap(head+f[1], width, strings.Repeat(" ", 14)))
			}
		}
		return nil
	}
	t := ui.NewTable(ios, "ID", "TITLE", "SENDS", "EXPECTS", "APPLIES TO")
	for _, d := range check.Defs {
		t.Row().Styled(d.ID, st.Key).Cell(d.Title).Cell(d.Sends).Cell(d.Expects).Styled(d.Applies, st.Muted).End()
	}
	return t.Render()
}

// listFits reports whether check --list's table fits in width columns
// with nothing cut.
func listFits(width int) bool {
	w := []int{len("ID"), len("TITLE"), len("SENDS"), len("EXPECTS"), len("APPLIES TO")}
	for _, d := range check.Defs {
		for i, c := range []string{d.ID, d.Title, d.Sends, d.Expects, d.Applies} {
			w[i] = max(w[i], utf8.RuneCountInString(c))
		}
	}
	total := 2 * (len(w) - 1)
	for _, n := range w {
		total += n
	}
	return total <= width
}

// providerFor picks the catalog provider whose events a scheme's probes
// carry: the scheme's own provider when the catalog has one, else
// standard events signed with that scheme.
func providerFor(cat *catalog.Catalog, scheme string) string {
	cands := map[string][]string{"stripe": {"stripe", "saas"}, "standard-ed25519": {"standard"}, "svix": {"standard"}}[scheme]
	if cands == nil {
		cands = []string{scheme}
	}
	for _, p := range cands {
		if len(cat.List(p, "")) > 0 {
			return p
		}
	}
	return "standard"
}

// spoolDir is where a burst's answers wait for the store: beside a
// SQLite store, on the disk that receives them anyway (the store grows
// by as much), not in a temporary directory that may be a tmpfs, i.e.
// RAM (--burst 10000 answered 64 KiB at once has ~620 MB waiting). ""
// (the temporary directory) for PostgreSQL, a store in memory, and on
// Windows, where the file cannot be removed while open and a check
// that was killed would leave it beside the store.
func spoolDir(f *cli.Factory) string {
	if f.StoreFile == nil || f.Config == nil || runtime.GOOS == "windows" {
		return ""
	}
	p := f.StoreFile(f.Config.Store)
	if p == "" || strings.Contains(p, ":memory:") || strings.Contains(p, "mode=memory") {
		return ""
	}
	return filepath.Dir(p)
}

func run(ctx context.Context, opts *Options) error {
	ios := opts.IO
	f := opts.Factory
	cat, err := catalog.Load(catalog.Options{FixturesDir: opts.FixturesDir})
	if err != nil {
		return cli.WithCode(cli.ExitUsage, err)
	}
	st, err := f.Store(ctx)
	if err != nil {
		return err
	}
	cfg := check.Config{URL: opts.URL, Scheme: opts.Scheme, Secret: opts.Secret, SecretFrom: opts.SecretFrom, Provider: opts.Provider,
		Catalog: cat, Deadline: opts.Deadline, Burst: opts.Burst, Settle: opts.Settle, Selected: opts.Selected,
		Insecure: opts.Insecure, Recorder: check.StoreRecorder{Store: st}, SpoolDir: spoolDir(f), Version: f.Version, Now: f.Now}

	sub, err := findSubscription(ctx, st, opts)
	if err != nil {
		return err
	}
	if sub != nil {
		// The subscription's scheme and provider, not the configured
		// defaults (a scheme: stripe in config.yaml for sign and verify).
		if !opts.SchemeGiven {
			cfg.Scheme = ""
		}
		if !opts.ProviderGiven {
			cfg.Provider = ""
		}
		for _, k := range slices.Sorted(maps.Keys(sub.Headers)) {
			// Stored before --header refused them: a server answers 400
			// to such a request whatever its signature.
			if v := sub.Headers[k]; subscription.BadHeaderValue(v) >= 0 {
				return cli.Usagef("header %s of subscription %s has an invalid value %q: control characters are not allowed", k, sub.ID, v).
					Hint("fix it: hookctl subscriptions update %s --header '%s: VALUE' (or --remove-header %s)", sub.ID, k, k)
			}
		}
		cfg.Secret = sub.Secret
		cfg.SecretFrom = "subscription " + sub.ID + "'s secret: hookctl subscriptions get " + sub.ID + " --reveal"
		// The secret before the last rotation: in its grace period it
		// signs too; after it, the receiver must refuse it (checked
		// against the effective scheme below).
		cfg.PreviousSecret, cfg.PreviousUntil = sub.PreviousSecret, sub.PreviousSecretExpiresAt
		cfg.Method = sub.Method
		cfg.Headers = sub.Headers
		if cfg.Provider == "" {
			cfg.Provider = sub.Provider
		}
		if sub.Scheme != "auto" {
			cfg.Scheme = sub.Scheme
		} else if cfg.Provider == "" {
			// Scheme auto signs each event as its provider does: the
			// provider whose events the subscription takes (a default
			// `subscribe --events 'card.*'` was refused as naming no
			// provider, its hint pointing back at --subscription).
			ps := providersOf(cat, sub)
			if len(ps) != 1 {
				return cli.Usagef("subscription %s signs each event as its provider does (scheme auto), and its events (%s) are %s",
					sub.ID, strings.Join(sub.Events, ", "), providersPhrase(ps)).
					Hint("say which provider's events to send: --provider {%s}", strings.Join(catalog.Providers(), "|"))
			}
			cfg.Provider = ps[0]
		}
		width := 0
		if ios.IsStderrTTY() {
			width = ios.StderrWidth()
		}
		// (A callback URL stored with credentials, from before they
		// were refused, is not printed with its password.)
		fmt.Fprintln(ios.ErrOut, ui.Wrap(fmt.Sprintf("Using subscription %s (%s)", sub.ID, subscription.MaskUserinfo(sub.CallbackURL)), width, "  "))
	}
	// Provider and scheme: each from the other when only one is known.
	derived := false
	switch {
	case cfg.Provider == "" && cfg.Scheme == "":
		return cli.Usagef("which provider or scheme does %s expect?", opts.URL).
			Hint("pass --provider {%s} or --scheme S with --secret, or --subscription ID", strings.Join(catalog.Providers(), "|"))
	case cfg.Provider == "":
		cfg.Provider, derived = providerFor(cat, cfg.Scheme), true
	}
	et, err := baseEvent(cat, cfg.Provider, opts.Event)
	if err != nil && derived {
		// The scheme says how probes are signed, not whose events they
		// are: an --event of another provider (bond:card.created, or a
		// type only one provider has) is that provider's, as for trigger.
		if other, lerr := cat.Lookup(opts.Event, ""); lerr == nil {
			et, err, cfg.Provider = other, nil, other.Provider
		}
	}
	if err != nil {
		return err
	}
	cfg.Event = et
	if cfg.Scheme == "" {
		cfg.Scheme = et.Scheme
		if cfg.Scheme == "" {
			cfg.Scheme = catalog.SchemeFor(cfg.Provider)
		}
	}
	if cfg.Secret == "" {
		// The environment, last: an explicit --secret or a subscription wins.
		cfg.Secret = strings.TrimSpace(os.Getenv("HOOKCTL_SECRET"))
		cfg.SecretFrom = "$HOOKCTL_SECRET"
	}
	if cfg.Secret == "" && cfg.Scheme != "mambu" {
		return cli.Usagef("no secret to sign the probes with (scheme %s)", cfg.Scheme).
			Hint("pass the receiver's secret: --secret whsec_… or $HOOKCTL_SECRET (or --subscription ID)")
	}
	if cfg.Secret != "" {
		if err := signature.ValidateSigningSecret(cfg.Scheme, cfg.Secret); err != nil {
			return cli.Usagef("--secret does not suit scheme %s: %v", cfg.Scheme, err).
				Hint("give the secret as the receiver has it for %s (whsec_… for standard and svix), or pick its --scheme", cfg.Scheme)
		}
	}
	if cfg.PreviousSecret != "" && signature.ValidateSigningSecret(cfg.Scheme, cfg.PreviousSecret) != nil {
		cfg.PreviousSecret, cfg.PreviousUntil = "", time.Time{} // not one this scheme signs with
	}
	if opts.EffectCmd != "" {
		cmdline := opts.EffectCmd
		cfg.Effect = func(ctx context.Context) (string, error) { return effect(ctx, cmdline, EffectTimeout) }
	}
	if cfg.Deadline <= 0 {
		cfg.Deadline = check.DefaultDeadline(cfg.Provider, cfg.Scheme)
	}
	junitDone := false
	if opts.JUnit != "" {
		// Before any probe: a run whose JUnit file cannot be written is
		// not repeated for it. A file made only for this test is removed
		// again when the run ends without a report (an empty file is not
		// XML).
		_, statErr := os.Stat(opts.JUnit)
		fh, err := os.OpenFile(opts.JUnit, os.O_WRONLY|os.O_CREATE, 0o644)
		if err != nil {
			return cli.Usagef("cannot write --junit %s: %v", opts.JUnit, err).
				Hint("give --junit a path in a directory that exists and you may write to, e.g. --junit report.xml")
		}
		fh.Close()
		if os.IsNotExist(statErr) {
			defer func() {
				if !junitDone {
					os.Remove(opts.JUnit)
				}
			}()
		}
	}
	if !ios.JSON() {
		width := 0
		if ios.IsStderrTTY() {
			width = ios.StderrWidth()
		}
		fmt.Fprintln(ios.ErrOut, ui.Wrap(fmt.Sprintf("Checking %s (%s, %s, %s)…", opts.URL, ui.NoBreak(cfg.Provider+" events"),
			ui.NoBreak("scheme "+cfg.Scheme), ui.NoBreak("deadline "+cfg.Deadline.String())), width, "  "))
	}
	rep, err := check.Run(ctx, cfg)
	if err != nil {
		var ue *check.UnreachableError
		if errors.As(err, &ue) {
			return cli.WithCode(cli.ExitEnvironment, err)
		}
		if errors.Is(err, context.Canceled) && ctx.Err() != nil {
			return cli.WithCode(cli.ExitInterrupted, errors.New("interrupted: the checks were not finished"))
		}
		var ce cli.CodeError
		if errors.As(err, &ce) {
			return err
		}
		if rep == nil {
			return err
		}
	}
	if ios.JSON() {
		if err := ui.WriteJSON(ios.Out, rep); err != nil {
			return err
		}
	} else if err := render(ctx, ios, st, rep); err != nil {
		return err
	}
	if opts.JUnit != "" {
		// After the report: its verdicts are shown even if this fails.
		if werr := writeJUnit(opts.JUnit, rep); werr != nil {
			return cli.Envf("writing --junit %s: %v", opts.JUnit, werr)
		}
		junitDone = true
	}
	if rep.Failed() {
		return cli.Silent(cli.ExitFailed)
	}
	return nil
}

func writeJUnit(path string, rep *check.Report) error {
	fh, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := check.WriteJUnit(fh, rep); err != nil {
		fh.Close()
		return err
	}
	return fh.Close()
}

func findSubscription(ctx context.Context, st store.Store, opts *Options) (*store.Subscription, error) {
	if opts.SubscriptionID != "" {
		return st.GetSubscription(ctx, opts.SubscriptionID)
	}
	if opts.Secret != "" || opts.SchemeGiven {
		return nil, nil
	}
	subs, err := st.ListSubscriptions(ctx, store.SubscriptionFilter{})
	if err != nil {
		return nil, err
	}
	var match []*store.Subscription
	for _, s := range subs {
		if sameURL(s.CallbackURL, opts.URL) {
			match = append(match, s)
		}
	}
	switch len(match) {
	case 0:
		return nil, nil
	case 1:
		return match[0], nil
	}
	ids := make([]string, len(match))
	for i, m := range match {
		ids[i] = m.ID
	}
	return nil, cli.Usagef("%d subscriptions have the URL %s", len(match), opts.URL).
		Hint("pick one: --subscription ID, one of %s", strings.Join(ids, ", "))
}

// sameURL reports whether a and b name the same endpoint: scheme and
// host compared without case, an empty path as "/". listen prints its
// URL as http://127.0.0.1:8787 and subscribes http://127.0.0.1:8787/.
func sameURL(a, b string) bool {
	if a == b {
		return true
	}
	ua, err := url.Parse(a)
	if err != nil {
		return false
	}
	ub, err := url.Parse(b)
	if err != nil {
		return false
	}
	norm := func(u *url.URL) string {
		p := u.EscapedPath()
		if p == "" {
			p = "/"
		}
		return strings.ToLower(u.Scheme) + "://" + strings.ToLower(u.Host) + p + "?" + u.RawQuery
	}
	return norm(ua) == norm(ub)
}

// providersOf lists the catalog's providers that have an event sub takes.
func providersOf(cat *catalog.Catalog, sub *store.Subscription) []string {
	var out []string
	for _, p := range catalog.Providers() {
		for _, et := range cat.List(p, "") {
			if store.SubscriptionMatches(sub, et.Type) {
				out = append(out, p)
				break
			}
		}
	}
	return out
}

func providersPhrase(ps []string) string {
	if len(ps) == 0 {
		return "no provider's"
	}
	return "events of " + strings.Join(ps, ", ")
}

func baseEvent(cat *catalog.Catalog, provider, event string) (*catalog.EventType, error) {
	if event != "" {
		et, err := cat.Lookup(event, provider)
		if err != nil {
			return nil, cli.WithCode(cli.ExitUsage, err)
		}
		return et, nil
	}
	ets := cat.List(provider, "")
	if len(ets) == 0 {
		return nil, cli.Usagef("the catalog has no %s events", provider).
			Hint("list the providers with events: hookctl events list; or add fixtures with --fixtures DIR")
	}
	for _, et := range ets {
		// A JSON event sent with POST: the most common shape.
		if et.IsJSON() && (et.Method == "" || strings.EqualFold(et.Method, "POST")) {
			return et, nil
		}
	}
	return ets[0], nil
}

// EffectTimeout bounds one run of --effect-cmd: a command that never
// exits is killed, with its children, and the check stops.
const EffectTimeout = 10 * time.Second

// effect runs --effect-cmd through the shell and returns its output. The
// command runs in its own process group, killed as a whole when ctx ends
// (Ctrl-C) or after limit, so a pipeline or a background child cannot
// outlive it and hold check up.
func effect(ctx context.Context, cmdline string, limit time.Duration) (string, error) {
	tctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	c := shellCommand(tctx, cmdline)
	// A child left holding stdout once the shell is gone is not waited
	// for long.
	c.WaitDelay = time.Second
	out, err := c.Output()
	if ctx.Err() != nil {
		return "", ctx.Err()
	}
	if tctx.Err() != nil {
		return "", cli.Usagef("%w within %s: killed it", check.ErrEffectTimeout, limit).
			Hint("the command must print what the app did and exit, e.g. --effect-cmd 'wc -l < processed.log'")
	}
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) && len(ee.Stderr) > 0 {
			return "", cli.Usagef("--effect-cmd failed: %v: %s", err, strings.TrimSpace(string(ee.Stderr))).
				Hint("--effect-cmd must exit 0 and print what the app did; try it in a shell first: sh -c %q", cmdline)
		}
		return "", cli.Usagef("--effect-cmd failed: %v", err).
			Hint("--effect-cmd must exit 0 and print what the app did; try it in a shell first: sh -c %q", cmdline)
	}
	return string(out), nil
}

func render(ctx context.Context, ios *ui.IOStreams, db store.Store, rep *check.Report) error {
	st := ios.Styles()
	// On a narrow terminal EVIDENCE is cut, then left out (the hints
	// under the table say what failed), before a check's name or verdict.
	t := ui.NewTable(ios, "CHECK", "VERDICT", "EVIDENCE").Drop("EVIDENCE")
	for _, c := range rep.Checks {
		t.Row().Cell(c.ID).Styled(string(c.Verdict), verdictStyle(st, c.Verdict)).Cell(c.Detail).End()
	}
	if err := t.Render(); err != nil {
		return err
	}
	// On a terminal the hints and the summary follow the table. Piped,
	// stdout holds the rows only (tab-separated, as every piped table), so
	// that cut -f2 or a while-read loop sees three fields a line; the hints
	// and the summary go to stderr, as they were written: whole ids, one
	// hint a line.
	w := ios.Out
	tty := ios.IsStdoutTTY()
	if !tty {
		w = ios.ErrOut
	}
	// On a terminal a hint's verdict has its colour in the table, a hint
	// is wrapped between words to the terminal's width (its lines broke
	// mid-word at the edge), and ids are cut to 8 characters, as in
	// every table (deliveries show takes the prefix): to prefixes no
	// other delivery of the store shares (the store holds every check
	// run's deliveries, and the deliveries of trigger, replay…).
	width := 0
	id := func(s string) string { return s }
	if tty {
		width = ios.StdoutWidth()
		var ids []string
		for _, c := range rep.Checks {
			if c.DeliveryID != "" {
				ids = append(ids, c.DeliveryID)
			}
			if c.RedirectDeliveryID != "" && !slices.Contains(ids, c.RedirectDeliveryID) {
				ids = append(ids, c.RedirectDeliveryID) // one request, named by each redirected check
			}
		}
		short := map[string]string{}
		for i, p := range cli.ShortDeliveryIDs(ctx, db, ids) {
			short[ids[i]] = p
		}
		id = func(s string) string {
			if p, ok := short[s]; ok {
				return p
			}
			return ui.ShortID(s) // the run's id
		}
	}
	for _, c := range rep.Checks {
		if (c.Verdict == check.Fail || c.Verdict == check.Warn) && c.Hint != "" {
			verdict := string(c.Verdict)
			if tty {
				verdict = verdictStyle(st, c.Verdict).Render(verdict)
			}
			line := fmt.Sprintf("%s %s: %s", verdict, c.ID, c.Hint)
			if c.DeliveryID != "" {
				line += " " + ui.NoBreak(fmt.Sprintf("(hookctl deliveries show %s)", id(c.DeliveryID)))
			}
			if c.RedirectDeliveryID != "" {
				// The request sent to the URL it redirects to, to tell a
				// loop: what that URL answered.
				line += " " + ui.NoBreak(fmt.Sprintf("(the redirect's target: hookctl deliveries show %s)", id(c.RedirectDeliveryID)))
			}
			fmt.Fprintln(w, ui.Wrap(line, width, "  "))
		}
	}
	// Only the counts that happened are in colour ("0 passed" was green).
	s := rep.Summary
	parts := []string{fmt.Sprintf("%d passed", s.Passed), fmt.Sprintf("%d failed", s.Failed),
		fmt.Sprintf("%d %s", s.Warnings, map[bool]string{true: "warning", false: "warnings"}[s.Warnings == 1]),
		fmt.Sprintf("%d skipped", s.Skipped)}
	if tty {
		for i, n := range []int{s.Passed, s.Failed, s.Warnings, s.Skipped} {
			if n > 0 {
				parts[i] = verdictStyle(st, []check.Verdict{check.Pass, check.Fail, check.Warn, check.Skip}[i]).Render(parts[i])
			}
		}
	}
	_, err := fmt.Fprintln(w, ui.Wrap(fmt.Sprintf("%s (%s, run %s)", strings.Join(parts, ", "), ui.FormatDuration(rep.Elapsed), id(rep.RunID)), width, "  "))
	return err
}

// verdictStyle is a verdict's colour: a pass green, a failure red, a
// warning yellow, a skip muted.
func verdictStyle(st *ui.Styles, v check.Verdict) lipgloss.Style {
	switch v {
	case check.Fail:
		return st.Failure
	case check.Warn:
		return st.Warning
	case check.Skip:
		return st.Muted
	}
	return st.Success
}
