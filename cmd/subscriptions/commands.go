package subscriptions

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/hookctl/hookctl/internal/catalog"
	"github.com/hookctl/hookctl/internal/cli"
	"github.com/hookctl/hookctl/internal/delivery"
	"github.com/hookctl/hookctl/internal/listen"
	"github.com/hookctl/hookctl/internal/store"
	"github.com/hookctl/hookctl/internal/subscription"
	"github.com/hookctl/hookctl/internal/ui"
)

// ListOptions are the flags of `subscriptions list`.
type ListOptions struct {
	IO      *ui.IOStreams
	Factory *cli.Factory
	Ctx     context.Context
	Status  string
	Event   string
	Reveal  bool
}

func newListCmd(f *cli.Factory, runF func(*ListOptions) error) *cobra.Command {
	opts := &ListOptions{IO: f.IOStreams, Factory: f}
	c := &cobra.Command{
		Use:     "list [--status {enabled|disabled}] [--event <type>] [--reveal]",
		Aliases: []string{"ls"},
		Short:   "List subscriptions (secrets masked unless --reveal)",
		Example: `  hookctl subscriptions list
  hookctl subscriptions list --status enabled --event card.created
  hookctl subscriptions list -o json
  hookctl subscriptions list --reveal -o json`,
		Args: cli.NoArgs,
		RunE: func(c *cobra.Command, args []string) error {
			opts.Ctx = c.Context()
			// --event "$TYPE" with the variable unset listed every
			// subscription, as deliveries list's filters did.
			if err := cli.NonEmptyFlags(c, "status", "event"); err != nil {
				return err
			}
			switch opts.Status {
			case "", store.StatusEnabled, store.StatusDisabled:
			default:
				return cli.Usagef("invalid --status %q: want enabled or disabled", opts.Status).Suggest(opts.Status, "enabled", "disabled").
					Hint("leave --status out for every subscription")
			}
			if runF != nil {
				return runF(opts)
			}
			return runList(opts)
		},
	}
	c.Flags().StringVar(&opts.Status, "status", "", "only subscriptions with this `status`: {enabled|disabled}")
	c.Flags().StringVar(&opts.Event, "event", "", "only subscriptions that receive this event `type` (provider:type for one provider's)")
	c.Flags().BoolVar(&opts.Reveal, "reveal", false, "show the secrets instead of masking them")
	c.RegisterFlagCompletionFunc("status", cobra.FixedCompletions([]string{store.StatusEnabled, store.StatusDisabled}, cobra.ShellCompDirectiveNoFileComp))
	c.RegisterFlagCompletionFunc("event", CompleteEvents(f))
	return c
}

func runList(opts *ListOptions) error {
	// --event with a name the catalog lacks lists what receives it (the
	// * subscriptions, card.* for card.craeted) and, when the name is
	// close to a catalog type, says so after the list with the
	// did-you-mean deliveries list, events log and tail give (STYLE.md:
	// nothing found is not a failure). It was refused (exit 2), unlike
	// every other list's filter. A provider-qualified name is looked up
	// in the catalog, as trigger does, and still refused when unknown.
	svc, err := readerService(opts.Ctx, opts.Factory, false)
	if err != nil {
		return err
	}
	var cat *catalog.Catalog
	if strings.TrimSpace(opts.Event) != "" {
		if cat, err = LoadCatalog(opts.Factory); err != nil {
			return err
		}
	}
	// A provider-qualified name (stripe:customer.updated), as trigger
	// and events show take it, lists the subscriptions that receive that
	// provider's event: those of any provider or of that one, as trigger
	// chooses them. It was refused as a pattern, and the plain name
	// listed a subscription of another provider too.
	event, provider := opts.Event, ""
	if strings.Contains(event, ":") && cat != nil {
		et, err := cat.Lookup(strings.TrimSpace(event), "")
		if err != nil {
			return err
		}
		event, provider = et.Type, et.Provider
	}
	subs, err := svc.List(opts.Ctx, opts.Status, event)
	if err != nil {
		return err
	}
	// The did-you-mean, after the list (or its "No subscriptions
	// match"): not when a subscription names the event as given (serve's
	// APIs take types the catalog lacks).
	typoHint := func() {
		if provider != "" || cat == nil {
			return
		}
		name := strings.TrimSpace(event)
		for _, s := range subs {
			if slices.Contains(s.Events, name) {
				return
			}
		}
		cli.EventTypoHintIn(opts.IO.ErrOut, cat, name)
	}
	if provider != "" {
		subs = slices.DeleteFunc(subs, func(s *store.Subscription) bool {
			return s.Provider != "" && !delivery.ProviderIn(s.Provider, provider)
		})
	}
	for _, s := range subs {
		if s.Status == store.StatusEnabled {
			if msg := listen.NotRunning(s); msg != "" {
				fmt.Fprintf(opts.IO.ErrOut, "hookctl: warning: %s\n", msg)
			}
		}
	}
	at := now(opts.Factory)
	if opts.IO.JSON() {
		views := make([]subscription.View, len(subs))
		for i, s := range subs {
			views[i] = subscription.NewView(s, opts.Reveal, at)
		}
		if err := ui.WriteJSON(opts.IO.Out, views); err != nil {
			return err
		}
		typoHint()
		return nil
	}
	if len(subs) == 0 {
		if opts.Status != "" || opts.Event != "" {
			fmt.Fprintln(opts.IO.ErrOut, "No subscriptions match")
			typoHint()
			return nil
		}
		fmt.Fprintln(opts.IO.ErrOut, ui.WrapNotice("No subscriptions. Create one with: hookctl subscribe --url http://localhost:3000/webhooks --events '*'", opts.IO.ErrWidth()))
		return nil
	}
	st := opts.IO.Styles()
	// On a narrow terminal the masked SECRET, CREATED and DESCRIPTION
	// give way (in that order) before the id, URL, events or status is cut;
	// where the URL and events cut to 16 still do not fit (40 columns),
	// the events are left out: the id, the URL and the status name a
	// subscription (subscriptions get shows its events).
	t := ui.NewTable(opts.IO, "ID", "URL", "EVENTS", "STATUS", "SECRET", "DESCRIPTION", "CREATED").
		Drop("SECRET", "CREATED", "DESCRIPTION").DropLast("EVENTS")
	ids := make([]string, len(subs))
	for i, s := range subs {
		ids[i] = subscription.NewView(s, opts.Reveal, at).WebhookID
	}
	if opts.IO.IsStdoutTTY() {
		// As deliveries list: a prefix unique among the rows finds it
		// (get, update, … take a prefix), and the URL and events keep
		// their room. A filtered list's prefixes are unique among every
		// subscription: one the filter left out may share the rows'
		// (--status disabled showed "5b1d0e3a", which enable refused as
		// naming an enabled one too).
		all := ids
		if opts.Status != "" || opts.Event != "" {
			if every, err := svc.List(opts.Ctx, "", ""); err == nil {
				all = append([]string(nil), ids...)
				for _, s := range every {
					all = append(all, s.ID)
				}
			}
		}
		ids = ui.ShortIDs(all)[:len(ids)]
	}
	for i, s := range subs {
		v := subscription.NewView(s, opts.Reveal, at)
		id := ids[i]
		t.Row().Styled(id, st.ID).Styled(v.CallbackURL, st.URL).Styled(strings.Join(v.Events, ","), st.EventType).
			Styled(v.Status, st.DeliveryStatus(v.Status)).Styled(v.Secret, st.Muted).Cell(v.Description).
			Styled(opts.IO.FormatTime(v.DateCreated, at), st.Muted).End()
	}
	if err := t.Render(); err != nil {
		return err
	}
	typoHint()
	return nil
}

// GetOptions are the flags of `subscriptions get`.
type GetOptions struct {
	IO      *ui.IOStreams
	Factory *cli.Factory
	Ctx     context.Context
	ID      string
	Reveal  bool
}

func newGetCmd(f *cli.Factory, runF func(*GetOptions) error) *cobra.Command {
	opts := &GetOptions{IO: f.IOStreams, Factory: f}
	c := &cobra.Command{
		Use:     "get <id> [--reveal]",
		Aliases: []string{"show"},
		Short:   "Show one subscription",
		Example: `  hookctl subscriptions get 4f1c
  hookctl subscriptions get 4f1c --reveal -o json`,
		Args:              cli.IDArgs("subscription", 1),
		ValidArgsFunction: CompleteIDs(f),
		RunE: func(c *cobra.Command, args []string) error {
			opts.Ctx, opts.ID = c.Context(), args[0]
			if runF != nil {
				return runF(opts)
			}
			svc, err := readerService(opts.Ctx, opts.Factory, false)
			if err != nil {
				return err
			}
			sub, err := svc.Get(opts.Ctx, opts.ID)
			if err != nil {
				return err
			}
			return Render(opts.IO, sub, opts.Reveal, now(opts.Factory))
		},
	}
	c.Flags().BoolVar(&opts.Reveal, "reveal", false, "show the secret instead of masking it")
	return c
}

// UpdateOptions are the flags of `subscriptions update`.
type UpdateOptions struct {
	IO      *ui.IOStreams
	Factory *cli.Factory
	Ctx     context.Context
	ID      string
	Input   subscription.UpdateInput
}

func newUpdateCmd(f *cli.Factory, runF func(*UpdateOptions) error) *cobra.Command {
	opts := &UpdateOptions{IO: f.IOStreams, Factory: f}
	var (
		url, description, method, scheme string
		events                           []string
	)
	c := &cobra.Command{
		Use:   "update <id> [--url <url>] [--events <list>] [--add-events <list>] [--remove-events <list>] [--description <text>] [--header 'K: V']...",
		Short: "Change a subscription's URL, events, description or headers",
		Long: `Change a subscription. --events replaces the event list; --add-events and
--remove-events edit it (the removals first). Nothing is stored twice: an
added name that a pattern of the list covers (card.created under card.*) is
left out, and an added pattern replaces the names it covers, with a note on
stderr for each; an update that changes nothing says so and writes nothing.
--header 'Name: value' sets a header,
--remove-header Name drops one. Nothing is written unless every change is valid.`,
		Example: `  hookctl subscriptions update 4f1c --url https://staging.example.com/webhooks
  hookctl subscriptions update 4f1c --add-events 'kyc.*' --remove-events kyc.verification.success
  hookctl subscriptions update 4f1c --header 'Authorization: Bearer t0k3n' --description staging`,
		Args:              cli.IDArgs("subscription", 1),
		ValidArgsFunction: CompleteIDs(f),
		RunE: func(c *cobra.Command, args []string) error {
			opts.Ctx, opts.ID = c.Context(), args[0]
			fl := c.Flags()
			if fl.Changed("url") {
				opts.Input.URL = &url
			}
			if fl.Changed("events") {
				opts.Input.Events = append([]string{}, events...)
			}
			if fl.Changed("description") {
				opts.Input.Description = &description
			}
			if fl.Changed("method") {
				opts.Input.Method = &method
			}
			if fl.Changed("scheme") {
				opts.Input.Scheme = &scheme
			}
			if opts.Input.Empty() {
				// Every flag of update is a change (derived, so a new one
				// is never left out of the hint).
				var names []string
				c.LocalFlags().VisitAll(func(fl *pflag.Flag) {
					if fl.Name != "help" && !fl.Hidden {
						names = append(names, "--"+fl.Name)
					}
				})
				return cli.Usagef("nothing to update").Hint("give at least one of %s", strings.Join(names, ", "))
			}
			if runF != nil {
				return runF(opts)
			}
			svc, err := existingService(opts.Ctx, opts.Factory, true)
			if err != nil {
				return err
			}
			var covered []subscription.Covered
			opts.Input.Covered = &covered
			sub, changed, err := svc.Edit(opts.Ctx, opts.ID, opts.Input)
			if err != nil {
				return err
			}
			NoteCovered(opts.IO, covered)
			if changed {
				Done(opts.IO, "Updated subscription %s", sub.ID)
			} else {
				fmt.Fprintf(opts.IO.ErrOut, "No change to subscription %s\n", sub.ID)
			}
			return Render(opts.IO, sub, false, now(opts.Factory))
		},
	}
	fl := c.Flags()
	fl.StringVar(&url, "url", "", "new callback `url`")
	fl.StringSliceVar(&events, "events", nil, "replace the events: a comma-separated `list` of names or patterns (card.*, *)")
	fl.StringSliceVar(&opts.Input.AddEvents, "add-events", nil, "add a comma-separated `list` of events or patterns")
	fl.StringSliceVar(&opts.Input.RemoveEvents, "remove-events", nil, "remove a comma-separated `list` of events or patterns")
	fl.StringVar(&description, "description", "", "new description `text`")
	fl.StringArrayVarP(&opts.Input.Headers, "header", "H", nil, "set a `header` sent with every delivery: 'Name: value' (repeatable, each name once: a list as 'Name: a, b')")
	fl.StringArrayVar(&opts.Input.RemoveHeaders, "remove-header", nil, "drop a header by `name` (repeatable)")
	fl.StringVar(&method, "method", "", "HTTP `method` of deliveries: {POST|PUT|PATCH}")
	// Only an explicit --scheme counts (the configured default fills the
	// variable but does not mark the flag changed).
	fl.StringVar(&scheme, "scheme", "", "signature `scheme` (auto signs each event as its provider does)")
	for _, name := range []string{"events", "add-events"} {
		c.RegisterFlagCompletionFunc(name, CompleteEvents(f))
	}
	c.RegisterFlagCompletionFunc("remove-events", completeOwn(f, func(s *store.Subscription) []string { return s.Events }, true, CompleteEvents(f)))
	c.RegisterFlagCompletionFunc("remove-header", completeOwn(f, func(s *store.Subscription) []string { return slices.Sorted(maps.Keys(s.Headers)) }, false, nil))
	c.RegisterFlagCompletionFunc("method", cobra.FixedCompletions([]string{"POST", "PUT", "PATCH"}, cobra.ShellCompDirectiveNoFileComp))
	c.RegisterFlagCompletionFunc("scheme", cli.CompleteSchemes())
	return c
}

// StatusOptions are the flags of `subscriptions enable|disable`.
type StatusOptions struct {
	IO      *ui.IOStreams
	Factory *cli.Factory
	Ctx     context.Context
	ID      string
	Status  string
}

func newStatusCmd(f *cli.Factory, status string, runF func(*StatusOptions) error) *cobra.Command {
	opts := &StatusOptions{IO: f.IOStreams, Factory: f, Status: status}
	verb := map[string]string{store.StatusEnabled: "enable", store.StatusDisabled: "disable"}[status]
	short := map[string]string{
		store.StatusEnabled:  "Enable a subscription: it receives events again",
		store.StatusDisabled: "Disable a subscription: it receives no events until enabled",
	}[status]
	return &cobra.Command{
		Use:               verb + " <id>",
		Short:             short,
		Example:           fmt.Sprintf("  hookctl subscriptions %s 4f1c", verb),
		Args:              cli.IDArgs("subscription", 1),
		ValidArgsFunction: CompleteIDs(f),
		RunE: func(c *cobra.Command, args []string) error {
			opts.Ctx, opts.ID = c.Context(), args[0]
			if runF != nil {
				return runF(opts)
			}
			svc, err := existingService(opts.Ctx, opts.Factory, false)
			if err != nil {
				return err
			}
			sub, changed, err := svc.SetStatus(opts.Ctx, opts.ID, opts.Status)
			if err != nil {
				return err
			}
			if changed {
				Done(opts.IO, "Subscription %s %s", sub.ID, opts.Status)
			} else {
				fmt.Fprintf(opts.IO.ErrOut, "Subscription %s was already %s\n", sub.ID, opts.Status)
			}
			return Render(opts.IO, sub, false, now(opts.Factory))
		},
	}
}

// DeleteOptions are the flags of `subscriptions delete`.
type DeleteOptions struct {
	IO      *ui.IOStreams
	Factory *cli.Factory
	Ctx     context.Context
	ID      string
	Yes     bool
}

func newDeleteCmd(f *cli.Factory, runF func(*DeleteOptions) error) *cobra.Command {
	opts := &DeleteOptions{IO: f.IOStreams, Factory: f}
	c := &cobra.Command{
		Use:   "delete <id> [--yes]",
		Short: "Delete a subscription (its delivery history stays)",
		Long: `Delete a subscription. Its deliveries stay as history, each keeping how
it was sent (scheme, secret, method, headers), so 'hookctl replay' signs
them as before; a delivery still pending stops (failed, "subscription
deleted"): nothing more is sent to the deleted subscription.`,
		Example: `  hookctl subscriptions delete 4f1c
  hookctl subscriptions delete 4f1c --yes`,
		Args:              cli.IDArgs("subscription", 1),
		ValidArgsFunction: CompleteIDs(f),
		RunE: func(c *cobra.Command, args []string) error {
			opts.Ctx, opts.ID = c.Context(), args[0]
			if !opts.Yes && !opts.IO.CanPrompt() {
				return cli.Usagef("refusing to delete without confirmation: %s", opts.IO.WhyNoPrompt()).
					Hint("add --yes to delete without asking")
			}
			if runF != nil {
				return runF(opts)
			}
			return runDelete(opts)
		},
	}
	c.Flags().BoolVarP(&opts.Yes, "yes", "y", false, "delete without asking")
	return c
}

func runDelete(opts *DeleteOptions) error {
	svc, err := existingService(opts.Ctx, opts.Factory, false)
	if err != nil {
		return err
	}
	sub, err := svc.Get(opts.Ctx, opts.ID)
	if err != nil {
		return err
	}
	if !opts.Yes {
		ok, err := Confirm(opts.Ctx, opts.IO, fmt.Sprintf("Delete subscription %s (%s)?", sub.ID, subscription.MaskUserinfo(sub.CallbackURL)))
		if err != nil {
			return err
		}
		if !ok {
			// Declining is an answer, not a failure.
			fmt.Fprintf(opts.IO.ErrOut, "Not deleted: subscription %s is kept.\n", sub.ID)
			return nil
		}
	}
	if _, err := svc.Delete(opts.Ctx, sub.ID); err != nil {
		return err
	}
	if opts.IO.JSON() {
		// A struct, not a map: the keys in the README's order, the id first.
		return ui.WriteJSON(opts.IO.Out, struct {
			WebhookID string `json:"webhook_id"`
			Deleted   bool   `json:"deleted"`
		}{sub.ID, true})
	}
	Done(opts.IO, "Deleted subscription %s (%s)", sub.ID, subscription.MaskUserinfo(sub.CallbackURL))
	return nil
}

// RotateOptions are the flags of `subscriptions rotate-secret`.
type RotateOptions struct {
	IO      *ui.IOStreams
	Factory *cli.Factory
	Ctx     context.Context
	ID      string
	Grace   time.Duration
	Secret  string
}

func newRotateCmd(f *cli.Factory, runF func(*RotateOptions) error) *cobra.Command {
	opts := &RotateOptions{IO: f.IOStreams, Factory: f}
	c := &cobra.Command{
		Use:   "rotate-secret <id> [--grace <duration>] [--secret <secret> | --secret-file <file>]",
		Short: "Give a subscription a new secret; the old one signs for --grace",
		Long: `Generate a new signing secret (or set --secret or --secret-file). Until
the grace period ends, deliveries carry signatures made with both the new
and the old secret (Standard Webhooks allows several in one header), so
receivers can switch without dropping events. Schemes that carry one
signature per request (github, bond, mono, mambu, paystack, shopify,
slack) go on signing with the old secret until the grace period ends,
then with the new one: accept both before then. --grace 0 drops the old
secret at once. One previous secret is kept: rotating again within the
grace stops the one before it at once (a warning says so).`,
		Example: `  hookctl subscriptions rotate-secret 4f1c
  hookctl subscriptions rotate-secret 4f1c --grace 1h
  hookctl subscriptions rotate-secret 4f1c --grace 0 -o json`,
		Args:              cli.IDArgs("subscription", 1),
		ValidArgsFunction: CompleteIDs(f),
		RunE: func(c *cobra.Command, args []string) error {
			opts.Ctx, opts.ID = c.Context(), args[0]
			if opts.Grace < 0 {
				return cli.Usagef("invalid --grace %s: it cannot be negative", opts.Grace).
					Hint("e.g. --grace 24h (the default), or --grace 0 to drop the old secret now")
			}
			if err := cli.CheckNotEmpty(c, "secret"); err != nil {
				return err
			}
			if _, err := cli.SecretFromFile(c, &opts.Secret); err != nil {
				return err
			}
			if runF != nil {
				return runF(opts)
			}
			// A given secret must suit every scheme an "auto"
			// subscription's events are signed with: the catalog says which.
			svc, err := existingService(opts.Ctx, opts.Factory, opts.Secret != "")
			if err != nil {
				return err
			}
			sub, cut, err := svc.Rotate(opts.Ctx, opts.ID, opts.Grace, opts.Secret)
			if err != nil {
				return err
			}
			if cut != nil {
				// The promise of the earlier rotation ("keeps signing
				// for 24h") no longer holds: say so.
				fmt.Fprintf(opts.IO.ErrOut, "hookctl: warning: the secret before the old one (%s) was to sign until %s, an earlier rotation's grace: it no longer signs (a subscription keeps one previous secret)\n",
					subscription.MaskSecret(cut.Secret), cut.Until.UTC().Format(time.RFC3339))
			}
			if opts.Grace > 0 {
				Done(opts.IO, "New secret for %s; the old one keeps signing for %s", sub.ID, ui.FormatDuration(opts.Grace))
			} else {
				Done(opts.IO, "New secret for %s; the old one no longer signs", sub.ID)
			}
			return RenderRotated(opts.IO, sub, now(opts.Factory))
		},
	}
	c.Flags().DurationVar(&opts.Grace, "grace", subscription.DefaultGrace, "how long the old secret keeps signing (e.g. 24h, 7d; 0 = drop it now)")
	c.Flags().StringVar(&opts.Secret, "secret", "", "use this `secret` instead of generating one")
	c.Flags().String("secret-file", "", cli.SecretFileUsage)
	return c
}

// completeOwn completes a flag that takes away what the subscription
// named by the first argument has (--remove-events: its events;
// --remove-header: its header names): only those can be removed, so the
// catalog's 160 names (and an error for each but its own) are not offered.
// With commaList (--remove-events takes a comma-separated list) the values
// already in the list are left out. Without an id, or one no store knows,
// it falls back to otherwise (nil: nothing).
func completeOwn(f *cli.Factory, own func(*store.Subscription) []string, commaList bool, otherwise cobra.CompletionFunc) cobra.CompletionFunc {
	return func(c *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
		fallback := func() ([]cobra.Completion, cobra.ShellCompDirective) {
			if otherwise == nil {
				return nil, cobra.ShellCompDirectiveNoFileComp
			}
			return otherwise(c, args, toComplete)
		}
		if len(args) == 0 {
			return fallback()
		}
		st, ok := cli.CompletionStore(c, f)
		if !ok {
			return fallback()
		}
		defer st.Close()
		sub, err := st.GetSubscription(c.Context(), args[0])
		if err != nil {
			return fallback()
		}
		done, cur := "", toComplete
		if i := strings.LastIndex(toComplete, ","); commaList && i >= 0 {
			done, cur = toComplete[:i+1], toComplete[i+1:]
		}
		given := strings.Split(done, ",")
		var out []cobra.Completion
		for _, v := range own(sub) {
			if strings.HasPrefix(strings.ToLower(v), strings.ToLower(cur)) && !slices.Contains(given, v) {
				out = append(out, done+v)
			}
		}
		if commaList {
			return out, cobra.ShellCompDirectiveNoFileComp | cobra.ShellCompDirectiveNoSpace
		}
		return out, cobra.ShellCompDirectiveNoFileComp
	}
}
