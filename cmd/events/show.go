package events

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/hookctl/hookctl/internal/catalog"
	"github.com/hookctl/hookctl/internal/cli"
	"github.com/hookctl/hookctl/internal/ui"
)

// ShowOptions are the parsed flags of `events show`.
type ShowOptions struct {
	IO          *ui.IOStreams
	Factory     *cli.Factory
	Ctx         context.Context
	Type        string
	Provider    string
	FixturesDir string
	Build       catalog.BuildOptions
	Now         func() time.Time
}

func newShowCmd(f *cli.Factory, runF func(*ShowOptions) error) *cobra.Command {
	opts := &ShowOptions{IO: f.IOStreams, Factory: f, Now: f.Now}
	var ov catalog.OverrideFlags
	c := &cobra.Command{
		Aliases: []string{"get"},
		Use:     "show {<event-type>|<event-id>} [--provider <provider>] [--set <path=value>]... [--data @<file>]",
		Short:   "Print a fresh sample of an event type, or a sent or received event",
		Long: `Build a fresh sample of an event type (new ids, the current time, in the
provider's own formats) with any overrides applied, and print it.

Given the id (or a unique prefix) of an event in the store instead — one
'hookctl events log' lists: sent, received by listen, or a request listen
rejected (rej_…) — print that event as stored: its verdict, its delivery
states, the headers it arrived with (credentials masked) and its bytes.

On a terminal the body is indented and coloured. Piped, it is printed as the
exact bytes hookctl would send, with no trailing newline, so it can be fed
to 'hookctl sign' or saved as a --data file. With -o json, one JSON document
describes the event: {id, type, provider, scheme, content_type, method, body}.

Names may be qualified with their provider (bond:card.created) when a type
exists in several providers. Overrides use JSON paths (dot-separated keys,
array indexes): --set keeps the type of the field it replaces (a new field
types numbers, true, false and null); --set-string forces a string;
--set-json takes any JSON; --unset removes a field; --data replaces the
whole body (@file, @- for stdin). A missing path is created.`,
		Example: `  hookctl events show card.created
  hookctl events show bond:transactions --set-string transaction.amount=12.50 --set transaction.state=failed
  hookctl events show payment.failed --set-json 'data.object.metadata={"order":"A-17"}'
  hookctl events show mono.events.account_updated --unset data.account.bvn
  hookctl events show kyc.verification.success | hookctl sign --scheme bond --secret whsec_XqTEJtniwuEhp0A1c1cTJNsmpR/qgOfB
  hookctl events show rej_e65181e8     # a request listen rejected, as it arrived`,
		Args: cobra.ExactArgs(1),
		ValidArgsFunction: func(c *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
			if len(args) > 0 {
				return nil, cobra.ShellCompDirectiveNoFileComp
			}
			cat, err := catalog.Load(catalog.Options{FixturesDir: opts.FixturesDir})
			if err != nil {
				return nil, cobra.ShellCompDirectiveNoFileComp
			}
			// Or the ID of an event in the store (rej_… of listen).
			out := append(cat.Completions(toComplete, opts.Provider), cli.CompleteEventIDs(c, f, toComplete)...)
			return out, cobra.ShellCompDirectiveNoFileComp
		},
		RunE: func(c *cobra.Command, args []string) error {
			if err := cli.NonEmptyFlags(c, "provider", "fixtures"); err != nil {
				return err
			}
			opts.Type, opts.Ctx = args[0], c.Context()
			if opts.Ctx == nil {
				opts.Ctx = context.Background()
			}
			if err := checkProvider(opts.Provider); err != nil {
				return err
			}
			if ov.ReadsStdin() && opts.IO.IsStdinTTY() {
				fmt.Fprintln(opts.IO.ErrOut, "hookctl: reading --data from stdin (end with Ctrl-D)")
			}
			bo, err := ov.Resolve(opts.IO.In)
			if err != nil {
				return err
			}
			opts.Build = bo
			if runF != nil {
				return runF(opts)
			}
			return runShow(opts)
		},
	}
	c.Flags().StringVarP(&opts.Provider, "provider", "p", "", "resolve the type in this `provider`: {bond|mono|mambu|saas|standard|stripe|github}")
	catalog.RegisterFixturesFlag(c.Flags(), &opts.FixturesDir)
	ov.Register(c.Flags())
	_ = c.RegisterFlagCompletionFunc("provider", completeProviders)
	return c
}

type showEvent struct {
	ID          string `json:"id"`
	Type        string `json:"type"`
	Provider    string `json:"provider"`
	Scheme      string `json:"scheme"`
	ContentType string `json:"content_type"`
	Method      string `json:"method"`
	Body        any    `json:"body"`
}

func runShow(opts *ShowOptions) error {
	cat, err := catalog.Load(catalog.Options{FixturesDir: opts.FixturesDir})
	if err != nil {
		return err
	}
	et, note, err := cat.Resolve(opts.Type, opts.Provider)
	if err != nil && opts.Provider == "" && looksLikeEventID(opts.Type) && opts.Factory != nil {
		// Not a type: an event of the store's, by id or unique prefix.
		if shown, serr := showStored(opts, false); shown || serr != nil {
			return serr
		}
		// Neither: the catalog's did-you-mean still applies (pull_request,
		// card_created look like ids and are typos of types).
		e := cli.Usagef("no event type or stored event %q", opts.Type)
		var he cli.HintError
		if errors.As(err, &he) {
			for _, h := range he.Hints() {
				if strings.HasPrefix(h, "did you mean") {
					e = e.Hint("%s", h)
				}
			}
		}
		return e.Hint("event types: hookctl events list; events sent and received, with their ids: hookctl events log")
	}
	if err != nil && opts.Provider == "" && opts.Factory != nil {
		// An id that does not look like one (listen records the sender's
		// own: e1, 2026-12-07:42, a.b.c): the event of exactly that id,
		// else the catalog's error as it was.
		if shown, serr := showStored(opts, true); shown {
			return serr
		}
	}
	if err != nil {
		return err
	}
	if note != "" {
		fmt.Fprintf(opts.IO.ErrOut, "hookctl: note: %s\n", note)
	}
	bo := opts.Build
	if opts.Now != nil {
		bo.Now = opts.Now()
	}
	ev, err := cat.Build(et, bo)
	if err != nil {
		return err
	}
	switch {
	case opts.IO.JSON():
		var body any = string(ev.Body)
		if et.IsJSON() {
			body = json.RawMessage(ev.Body)
		}
		return ui.WriteJSON(opts.IO.Out, showEvent{ev.ID, ev.Type, ev.Provider, ev.Scheme, ev.ContentType, ev.Method, body})
	case opts.IO.IsStdoutTTY():
		es := opts.IO.ErrStyles()
		// Wrapped to the terminal (100 columns with an event id).
		head := fmt.Sprintf("%s · %s %s · scheme %s · %s", et.QualifiedName(), ev.Method, ev.ContentType, ev.Scheme, ui.NoBreak("id "+ev.ID))
		fmt.Fprintln(opts.IO.ErrOut, ui.Wrap(es.Muted.Render(head), opts.IO.ErrWidth(), "  "))
		if et.IsJSON() {
			return opts.IO.WriteJSONBody(opts.IO.Out, ev.Body)
		}
		_, err := opts.IO.Out.Write(ev.Body)
		if err == nil && (len(ev.Body) == 0 || ev.Body[len(ev.Body)-1] != '\n') {
			_, err = opts.IO.Out.Write([]byte{'\n'})
		}
		return err
	default:
		_, err := opts.IO.Out.Write(ev.Body)
		return err
	}
}
