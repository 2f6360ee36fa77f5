// Package subscriptions implements `hookctl subscriptions
// {list|get|update|enable|disable|delete|rotate-secret}`, and the helpers
// `hookctl subscribe` shares: the service, rendering and completion.
package subscriptions

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/charmbracelet/lipgloss"
	"github.com/spf13/cobra"

	"github.com/hookctl/hookctl/internal/catalog"
	"github.com/hookctl/hookctl/internal/cli"
	"github.com/hookctl/hookctl/internal/store"
	"github.com/hookctl/hookctl/internal/subscription"
	"github.com/hookctl/hookctl/internal/ui"
)

// NewCmd returns `hookctl subscriptions`.
func NewCmd(f *cli.Factory) *cobra.Command {
	c := &cobra.Command{
		Use:     "subscriptions <command>",
		Aliases: []string{"subscription", "subs"},
		Short:   "List, show, change, rotate and delete subscriptions",
		Long: `Manage the subscriptions hookctl delivers events to. Every command that
takes an ID accepts a unique prefix of it.`,
		Example: `  hookctl subscriptions list
  hookctl subscriptions get 4f1c --reveal
  hookctl subscriptions update 4f1c --add-events 'kyc.*'
  hookctl subscriptions disable 4f1c
  hookctl subscriptions rotate-secret 4f1c --grace 1h
  hookctl subscriptions delete 4f1c --yes`,
		Args: cli.NoArgs,
		RunE: func(c *cobra.Command, args []string) error {
			return c.Help() // as events and deliveries: a group alone shows its commands
		},
	}
	c.AddCommand(newListCmd(f, nil), newGetCmd(f, nil), newUpdateCmd(f, nil), newStatusCmd(f, store.StatusEnabled, nil),
		newStatusCmd(f, store.StatusDisabled, nil), newDeleteCmd(f, nil), newRotateCmd(f, nil))
	return c
}

// NewService builds the subscription service on the factory's store. With
// withCatalog, event names are checked against the catalog.
func NewService(ctx context.Context, f *cli.Factory, withCatalog bool) (*subscription.Service, error) {
	return newService(ctx, f, f.Store, withCatalog)
}

// existingService is NewService for the sub-commands, which work on
// subscriptions already stored: a store named by --store or
// HOOKCTL_STORE that does not exist is an error, not created.
func existingService(ctx context.Context, f *cli.Factory, withCatalog bool) (*subscription.Service, error) {
	return newService(ctx, f, f.ExistingStore, withCatalog)
}

// readerService is existingService for list and get, which only read: a
// store this user may read but not write is read (cli.ReadableStore).
func readerService(ctx context.Context, f *cli.Factory, withCatalog bool) (*subscription.Service, error) {
	return newService(ctx, f, f.ReadableStore, withCatalog)
}

func newService(ctx context.Context, f *cli.Factory, open func(context.Context) (store.Store, error), withCatalog bool) (*subscription.Service, error) {
	st, err := open(ctx)
	if err != nil {
		return nil, err
	}
	svc := &subscription.Service{Store: st, Now: f.Now}
	if withCatalog {
		cat, err := LoadCatalog(f)
		if err != nil {
			return nil, err
		}
		svc.Catalog = cat
	}
	return svc, nil
}

// LoadCatalog loads the event catalog with the configured fixtures.
func LoadCatalog(f *cli.Factory) (*catalog.Catalog, error) {
	dir := ""
	if f.Config != nil {
		dir = f.Config.Get("fixtures_dir")
	}
	cat, err := catalog.Load(catalog.Options{FixturesDir: dir})
	if err != nil {
		return nil, cli.WithCode(cli.ExitUsage, err)
	}
	return cat, nil
}

func now(f *cli.Factory) time.Time {
	if f.Now != nil {
		return f.Now()
	}
	return time.Now()
}

// Render prints one subscription: a JSON object, or a key/value card.
func Render(ios *ui.IOStreams, sub *store.Subscription, reveal bool, at time.Time) error {
	return renderView(ios, subscription.NewView(sub, reveal, at), reveal, at)
}

// RenderRotated prints a subscription whose secret was just rotated: the
// new and the previous secret in full (shown once, to be copied), while the
// credentials in its custom headers (and a password in its URL) stay masked as in list and get — they
// are not what was rotated, and the output of a rotation is often a CI log.
func RenderRotated(ios *ui.IOStreams, sub *store.Subscription, at time.Time) error {
	v := subscription.NewView(sub, true, at)
	v.Headers = subscription.MaskCredentialHeaders(v.Headers)
	v.CallbackURL = subscription.MaskUserinfo(v.CallbackURL) // a password in it, likewise
	return renderView(ios, v, true, at)
}

func renderView(ios *ui.IOStreams, v subscription.View, reveal bool, at time.Time) error {
	if ios.JSON() {
		return ui.WriteJSON(ios.Out, v)
	}
	st := ios.Styles()
	t := ui.NewTable(ios).Record()
	row := func(k, v string, style *lipgloss.Style) {
		r := t.Row().Styled(k, st.Key)
		switch {
		case v == "" && ios.IsStdoutTTY():
			// On a terminal an empty value says so ("Headers" and
			// nothing after it read as cut off); piped, it stays
			// empty for scripts.
			r.Styled("none", st.Muted)
		case style != nil && v != "":
			r.Styled(v, *style)
		default:
			r.Cell(v)
		}
		r.End()
	}
	status := st.DeliveryStatus(v.Status)
	row("ID", v.WebhookID, &st.ID)
	row("URL", v.CallbackURL, &st.URL)
	row("Events", strings.Join(v.Events, ", "), &st.EventType)
	row("Status", v.Status, &status)
	row("Description", v.Description, nil)
	secretStyle := st.Secret
	if !reveal {
		secretStyle = st.Muted
	}
	row("Secret", v.Secret, &secretStyle)
	if v.PublicKey != "" {
		row("Public key", v.PublicKey+" (receivers verify with it)", nil)
	}
	if v.PreviousSecret != "" {
		row("Previous secret", fmt.Sprintf("%s (%s)", v.PreviousSecret, previousSigns(ios.FormatTime(*v.PreviousSecretExpiresAt, at))), &st.Muted)
	}
	row("Scheme", v.Scheme, nil)
	provider := v.Provider
	if provider == "" {
		provider = "any"
	}
	row("Provider", provider, nil)
	row("Method", v.Method, nil)
	row("Headers", formatHeaders(v.Headers), nil)
	row("Created", ios.FormatTime(v.DateCreated, at), &st.Muted)
	return t.Render()
}

// previousSigns says how long a previous secret signs, when is the end of
// its grace period as FormatTime renders it: a time ("signs until
// 2026-12-06T00:20:54Z"), or on a terminal a relative one ("keeps signing
// for 1 day"; it read "signs until in 1 day").
func previousSigns(when string) string {
	if rest, ok := strings.CutPrefix(when, "in "); ok {
		return "keeps signing for " + rest
	}
	if rest, ok := strings.CutSuffix(when, " ago"); ok {
		return "stopped signing " + rest + " ago"
	}
	if when == "just now" {
		return "stops signing now"
	}
	return "signs until " + when
}

func formatHeaders(h map[string]string) string {
	keys := make([]string, 0, len(h))
	for k := range h {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + ": " + h[k]
	}
	return strings.Join(parts, "; ")
}

// NoteCovered says on stderr which events a subscription's list left out
// or replaced because a pattern of it covers them (in JSON mode too: the
// JSON is the list as stored).
func NoteCovered(ios *ui.IOStreams, covered []subscription.Covered) {
	for _, c := range covered {
		fmt.Fprintf(ios.ErrOut, "hookctl: note: %s\n", c)
	}
}

// Done prints a success line on stderr; nothing in JSON mode, where the
// JSON on stdout is the confirmation.
func Done(ios *ui.IOStreams, format string, args ...any) {
	if ios.JSON() {
		// The JSON on stdout is the confirmation (subscribe and delete
		// never printed one beside it; update, enable, disable and
		// rotate-secret did).
		return
	}
	st := ios.ErrStyles()
	fmt.Fprintf(ios.ErrOut, "%s %s\n", st.Success.Render("✓"), fmt.Sprintf(format, args...))
}

// completion

// CompleteIDs completes subscription IDs (with their URL as description)
// from the configured store; it never creates a store.
func CompleteIDs(f *cli.Factory) cobra.CompletionFunc {
	return func(c *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
		if len(args) > 0 {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		st, ok := cli.CompletionStore(c, f) // the one rule: never creates or fills a store
		if !ok {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		defer st.Close()
		subs, err := st.ListSubscriptions(c.Context(), store.SubscriptionFilter{})
		if err != nil {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		var out []cobra.Completion
		for _, s := range subs {
			if strings.HasPrefix(s.ID, toComplete) {
				out = append(out, cobra.CompletionWithDesc(s.ID, subscription.MaskUserinfo(s.CallbackURL)+" "+strings.Join(s.Events, ",")))
			}
		}
		return out, cobra.ShellCompDirectiveNoFileComp
	}
}

// CompleteEvents completes comma-separated event names and patterns from
// the catalog.
func CompleteEvents(f *cli.Factory) cobra.CompletionFunc {
	return func(c *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
		cat, err := LoadCatalog(f)
		if err != nil {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		done, cur := "", toComplete
		if i := strings.LastIndex(toComplete, ","); i >= 0 {
			done, cur = toComplete[:i+1], toComplete[i+1:]
		}
		var out []cobra.Completion
		for _, name := range EventChoices(cat) {
			if strings.HasPrefix(name, cur) {
				out = append(out, done+name)
			}
		}
		return out, cobra.ShellCompDirectiveNoFileComp | cobra.ShellCompDirectiveNoSpace
	}
}

// EventChoices lists the catalog's event types and the prefix patterns
// they form (card.*), sorted, then "*".
func EventChoices(cat *catalog.Catalog) []string {
	seen := map[string]bool{}
	var out []string
	add := func(s string) {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	for _, et := range cat.List("", "") {
		add(et.Type)
		parts := strings.Split(et.Type, ".")
		for i := 1; i < len(parts); i++ {
			add(strings.Join(parts[:i], ".") + ".*")
		}
	}
	sort.Strings(out)
	return append(out, "*")
}

// PromptError maps a prompt's error to hookctl's: end of input or Ctrl-C
// while asking is an interruption (exit 130), nothing stored.
func PromptError(err error) error {
	switch {
	case errors.Is(err, ui.ErrEndOfInput):
		return &cli.ExitError{Code: cli.ExitInterrupted, Err: fmt.Errorf("interrupted: %w", err)}
	case errors.Is(err, context.Canceled):
		return cli.Silent(cli.ExitInterrupted)
	}
	return err
}

// Confirm asks a yes/no question on the terminal.
func Confirm(ctx context.Context, ios *ui.IOStreams, title string) (bool, error) {
	ok, err := ios.Prompter().Confirm(ctx, title)
	if err != nil {
		return false, PromptError(err)
	}
	return ok, nil
}
