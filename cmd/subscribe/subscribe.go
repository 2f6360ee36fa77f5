// Package subscribe implements `hookctl subscribe`.
package subscribe

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/hookctl/hookctl/cmd/subscriptions"
	"github.com/hookctl/hookctl/internal/catalog"
	"github.com/hookctl/hookctl/internal/cli"
	"github.com/hookctl/hookctl/internal/config"
	"github.com/hookctl/hookctl/internal/signature"
	"github.com/hookctl/hookctl/internal/subscription"
	"github.com/hookctl/hookctl/internal/ui"
)

// Options are the parsed flags of `hookctl subscribe`.
type Options struct {
	IO      *ui.IOStreams
	Factory *cli.Factory
	Ctx     context.Context

	URL            string
	Events         []string
	Description    string
	DescriptionSet bool
	Provider       string
	Scheme         string
	Method         string
	Headers        []string
	Secret         string

	// Prompt: ask on the terminal for what is missing.
	Prompt bool
}

// NewCmd returns `hookctl subscribe`.
func NewCmd(f *cli.Factory) *cobra.Command { return newCmd(f, nil) }

func newCmd(f *cli.Factory, runF func(*Options) error) *cobra.Command {
	opts := &Options{IO: f.IOStreams, Factory: f}
	c := &cobra.Command{
		Use:   "subscribe --url <url> --events <list> [--description <text>] [--provider <p>] [--scheme <s>] [--header 'K: V']... [--secret <s> | --secret-file <file>]",
		Short: "Create a subscription: a callback URL for some events",
		Long: `Create an enabled subscription with a fresh whsec_ secret (unless --secret
or --secret-file is given) and print it once with the secret visible. Events
are exact names (card.created), prefix patterns (card.*) or * for all,
checked against the event catalog. On a terminal, plain 'hookctl subscribe'
asks for what is missing.`,
		Example: `  hookctl subscribe --url http://localhost:3000/webhooks --events 'card.*,kyc.verification.success'
  hookctl subscribe --url https://app.example.com/hooks --events '*' --description staging --header 'Authorization: Bearer t0k3n'
  hookctl subscribe --url http://localhost:3000/webhooks --events 'invoice.*' --scheme stripe -o json
  hookctl subscribe`,
		Args: cli.NoArgs,
		// subscribe URL: its error's hint says --url.
		Annotations: map[string]string{cli.ArgFlag: "url"},
		RunE: func(c *cobra.Command, args []string) error {
			opts.Ctx = c.Context()
			opts.DescriptionSet = c.Flags().Changed("description")
			if err := cli.CheckNotEmpty(c, "secret"); err != nil {
				return err
			}
			// Left out, --provider is any provider and --scheme auto; an
			// empty value ("$UNSET") is refused rather than read so.
			if err := cli.NonEmptyAny(c, "provider", "any provider", catalog.Providers()); err != nil {
				return err
			}
			if err := cli.NonEmptyAny(c, "scheme", "auto, each event signed as its provider does", append([]string{"auto"}, signature.Names()...)); err != nil {
				return err
			}
			if _, err := cli.SecretFromFile(c, &opts.Secret); err != nil {
				return err
			}
			var missing []string
			if strings.TrimSpace(opts.URL) == "" {
				missing = append(missing, "--url")
			}
			if len(subscription.SplitList(opts.Events)) == 0 {
				missing = append(missing, "--events")
			}
			if len(missing) > 0 {
				if !opts.IO.CanPrompt() {
					return cli.Usagef("missing %s", strings.Join(missing, " and ")).
						Hint("example: hookctl subscribe --url http://localhost:3000/webhooks --events 'card.*'")
				}
				opts.Prompt = true
			}
			if runF != nil {
				return runF(opts)
			}
			return run(opts)
		},
	}
	fl := c.Flags()
	fl.StringVar(&opts.URL, "url", "", "callback `url` events are POSTed to (absolute http or https)")
	fl.StringSliceVar(&opts.Events, "events", nil, "comma-separated `list` of event names or patterns: card.created, card.*, *")
	fl.StringVar(&opts.Description, "description", "", "a `text` to recognise the subscription by")
	fl.StringVar(&opts.Provider, "provider", "", "only events of this `provider`: {"+strings.Join(catalog.Providers(), "|")+"} (default any)")
	fl.StringVar(&opts.Scheme, "scheme", subscription.DefaultScheme, "signature `scheme`; auto signs each event as its provider does")
	fl.StringVar(&opts.Method, "method", "", "HTTP `method` of deliveries: {POST|PUT|PATCH} (default POST)")
	fl.StringArrayVarP(&opts.Headers, "header", "H", nil, "`header` sent with every delivery: 'Name: value' (repeatable, each name once: a list as 'Name: a, b')")
	fl.StringVar(&opts.Secret, "secret", "", "use this signing `secret` instead of generating one")
	fl.String("secret-file", "", cli.SecretFileUsage)
	// The configured default provider is for events; a subscription only
	// filters by provider when asked.
	fl.SetAnnotation("provider", config.FlagKeyAnnotation, []string{"-"})
	c.RegisterFlagCompletionFunc("events", subscriptions.CompleteEvents(f))
	c.RegisterFlagCompletionFunc("provider", cobra.FixedCompletions(catalog.Providers(), cobra.ShellCompDirectiveNoFileComp))
	c.RegisterFlagCompletionFunc("scheme", cli.CompleteSchemes())
	c.RegisterFlagCompletionFunc("method", cobra.FixedCompletions([]string{"POST", "PUT", "PATCH"}, cobra.ShellCompDirectiveNoFileComp))
	return c
}

func run(opts *Options) error {
	cat, err := subscriptions.LoadCatalog(opts.Factory)
	if err != nil {
		return err
	}
	if opts.Prompt {
		if err := prompt(opts, cat); err != nil {
			return err
		}
	}
	svc, err := subscriptions.NewService(opts.Ctx, opts.Factory, false)
	if err != nil {
		return err
	}
	svc.Catalog = cat
	var covered []subscription.Covered
	sub, err := svc.Create(opts.Ctx, subscription.CreateInput{
		URL:         opts.URL,
		Events:      opts.Events,
		Description: opts.Description,
		Provider:    opts.Provider,
		Scheme:      opts.Scheme,
		Method:      opts.Method,
		Headers:     opts.Headers,
		Secret:      opts.Secret,
		Covered:     &covered,
	})
	if err != nil {
		return err
	}
	subscriptions.NoteCovered(opts.IO, covered)
	if err := subscriptions.Render(opts.IO, sub, true, opts.Factory.Now()); err != nil {
		return err
	}
	if !opts.IO.JSON() {
		subscriptions.Done(opts.IO, "Created subscription %s", sub.ID)
		// The whole id: a command to copy must work later too, when a
		// prefix may name more than one subscription.
		// On a terminal wrapped to it (133 columns), the command on one
		// line of its own.
		fmt.Fprintln(opts.IO.ErrOut, ui.WrapNotice(fmt.Sprintf("Keep the secret: it signs every delivery. Show it again with: hookctl subscriptions get %s --reveal", sub.ID), opts.IO.ErrWidth()))
	}
	return nil
}

// prompt asks on the terminal for the callback URL, the events (chosen
// from the catalog, with filtering) and the description.
func prompt(opts *Options, cat *catalog.Catalog) error {
	p := opts.IO.Prompter()
	ctx := opts.Ctx
	if strings.TrimSpace(opts.URL) == "" {
		u, err := p.Input(ctx, "Callback URL", "Where hookctl sends events, e.g. your app's webhook endpoint.",
			"http://localhost:3000/webhooks",
			func(s string) error { _, err := subscription.ValidateURL(s); return err })
		if err != nil {
			return subscriptions.PromptError(err)
		}
		opts.URL = u
	}
	if len(subscription.SplitList(opts.Events)) == 0 {
		choices := subscriptions.EventChoices(cat)
		if len(choices) > 1 {
			options := make([]ui.Option, 0, len(choices))
			for _, name := range choices {
				o := ui.Option{Value: name}
				if et, err := cat.Lookup(name, opts.Provider); err == nil && et.Description != "" {
					o.Label = et.Description
				}
				options = append(options, o)
			}
			events, err := p.MultiSelect(ctx, "Events", "Choose the events this subscription receives.", options,
				func(v []string) error {
					if len(v) == 0 {
						return errors.New("choose at least one event: type its number or its name (card.created, card.*, *)")
					}
					return nil
				})
			if err != nil {
				return subscriptions.PromptError(err)
			}
			opts.Events = events
		} else {
			text, err := p.Input(ctx, "Events", "Comma-separated names or patterns: card.created, card.*, *", "",
				func(s string) error {
					if len(subscription.SplitList([]string{s})) == 0 {
						return errors.New("give at least one event")
					}
					return nil
				})
			if err != nil {
				return subscriptions.PromptError(err)
			}
			opts.Events = []string{text}
		}
	}
	if !opts.DescriptionSet {
		d, err := p.Input(ctx, "Description", "Optional.", "", nil)
		if err != nil {
			return subscriptions.PromptError(err)
		}
		opts.Description = d
	}
	return nil
}
