package events

import (
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/hookctl/hookctl/internal/catalog"
	"github.com/hookctl/hookctl/internal/cli"
	"github.com/hookctl/hookctl/internal/jsonenc"
	"github.com/hookctl/hookctl/internal/ui"
)

// ListOptions are the parsed flags of `events list`.
type ListOptions struct {
	IO          *ui.IOStreams
	Provider    string
	Search      string
	FixturesDir string
}

func newListCmd(f *cli.Factory, runF func(*ListOptions) error) *cobra.Command {
	opts := &ListOptions{IO: f.IOStreams}
	c := &cobra.Command{
		Use:   "list [--provider <provider>] [--search <text>]",
		Short: "List the event types hookctl can send",
		Long: `List every event type of the catalog: the built-in samples of Bond, Mono,
Mambu, a SaaS billing platform, Standard Webhooks, Stripe and GitHub, plus
your custom fixtures (--fixtures, config fixtures_dir, or ./.hookctl/fixtures).

Piped, the table is tab-separated without a header; -o json prints an array
of {type, provider, description, scheme, content_type, method, origin}.`,
		Example: `  hookctl events list
  hookctl events list --provider bond
  hookctl events list --search card
  hookctl events list -o json`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, args []string) error {
			// --provider "$P" with the variable unset listed every provider.
			if err := cli.NonEmptyFlags(c, "provider", "search", "fixtures"); err != nil {
				return err
			}
			if err := checkProvider(opts.Provider); err != nil {
				return err
			}
			if runF != nil {
				return runF(opts)
			}
			return runList(opts)
		},
	}
	c.Flags().StringVarP(&opts.Provider, "provider", "p", "", "only this `provider`: {bond|mono|mambu|saas|standard|stripe|github}")
	c.Flags().StringVarP(&opts.Search, "search", "s", "", "only types or descriptions containing `text`")
	catalog.RegisterFixturesFlag(c.Flags(), &opts.FixturesDir)
	_ = c.RegisterFlagCompletionFunc("provider", completeProviders)
	return c
}

func completeProviders(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
	return catalog.Providers(), cobra.ShellCompDirectiveNoFileComp
}

// checkProvider rejects an unknown --provider with a did-you-mean hint.
func checkProvider(p string) error { return catalog.CheckProvider(p) }

type listItem struct {
	Type        string `json:"type"`
	Provider    string `json:"provider"`
	Description string `json:"description"`
	Scheme      string `json:"scheme"`
	ContentType string `json:"content_type"`
	Method      string `json:"method"`
	Origin      string `json:"origin"`
}

func runList(opts *ListOptions) error {
	cat, err := catalog.Load(catalog.Options{FixturesDir: opts.FixturesDir})
	if err != nil {
		return err
	}
	types := cat.List(opts.Provider, opts.Search)
	if opts.IO.JSON() {
		items := make([]listItem, 0, len(types))
		for _, et := range types {
			items = append(items, listItem{et.Type, et.Provider, et.Description, et.Scheme, et.ContentType, et.Method, et.Origin})
		}
		return writeListJSON(opts.IO.Out, items)
	}
	st := opts.IO.Styles()
	// Where the type and the description cut to 16 do not fit beside the
	// provider (40 columns), the description is left out: the type (what
	// trigger takes) and its provider stay.
	t := ui.NewTable(opts.IO, "TYPE", "PROVIDER", "DESCRIPTION").DropLast("DESCRIPTION")
	for _, et := range types {
		t.Row().Styled(et.Type, st.EventType).Cell(et.Provider).Styled(et.Description, st.Muted).End()
	}
	if t.Len() == 0 {
		// Nothing found is not a failure; say so on stderr.
		_, err := fmt.Fprintln(opts.IO.ErrOut, opts.IO.ErrStyles().Muted.Render("no event types match"))
		return err
	}
	return t.Render()
}

// writeListJSON writes items as ui.WriteJSON does, byte for byte, without
// reflection (encoding/json's first use costs a cold start more than the
// catalog now does). Strings with HTML characters, which jsonenc escapes
// and ui.WriteJSON does not, go through ui.WriteJSON.
func writeListJSON(w io.Writer, items []listItem) error {
	if len(items) == 0 {
		return ui.WriteJSON(w, items)
	}
	b := make([]byte, 0, 256*len(items))
	b = append(b, "[\n"...)
	for i, it := range items {
		fields := [...]struct{ k, v string }{
			{"type", it.Type}, {"provider", it.Provider}, {"description", it.Description},
			{"scheme", it.Scheme}, {"content_type", it.ContentType}, {"method", it.Method}, {"origin", it.Origin},
		}
		b = append(b, "  {\n"...)
		for j, f := range fields {
			if strings.ContainsAny(f.v, "<>&") {
				return ui.WriteJSON(w, items)
			}
			b = append(b, "    \""...)
			b = append(b, f.k...)
			b = append(b, "\": "...)
			b = jsonenc.AppendString(b, f.v)
			if j < len(fields)-1 {
				b = append(b, ',')
			}
			b = append(b, '\n')
		}
		b = append(b, "  }"...)
		if i < len(items)-1 {
			b = append(b, ',')
		}
		b = append(b, '\n')
	}
	b = append(b, "]\n"...)
	_, err := w.Write(b)
	return err
}
