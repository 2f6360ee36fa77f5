package web

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/hookctl/hookctl/internal/catalog"
	"github.com/hookctl/hookctl/internal/store"
)

// filterForm is the filter form the log and the events page share
// (template "filters" in row.html): each page shows the fields that
// make sense for it, with the values its address gave and the fields at
// fault marked.
type filterForm struct {
	Action string // the page's path: "/" or "/events"
	// The values as given (From and To as typed: 15m, 2026-11-30).
	Status, Source, Provider, Type, Subscription, Search, Verdict, From, To string
	// The choices; a page without Statuses (Verdicts, WithSubs,
	// WithSearch) has no such field.
	Statuses, Sources, Providers, Types []string
	Verdicts                            []verdictChoice
	Subs                                []*store.Subscription
	WithSubs, WithSearch                bool
	// Bad names the fields at fault, space-separated ("from to", "type"):
	// marked aria-invalid and described by the message (id
	// filter-error) the page shows where its rows go.
	Bad string
	// Clear: the page is filtered (a link back to it unfiltered).
	Clear bool
}

// Fault reports whether the field name is at fault.
func (f filterForm) Fault(name string) bool { return slices.Contains(strings.Fields(f.Bad), name) }

// verdictChoice is an option of the events page's Verdict select.
type verdictChoice struct{ Value, Label string }

func verdictChoices() []verdictChoice {
	return []verdictChoice{{store.VerdictValid, "valid"}, {store.VerdictRejected, "rejected (invalid or refused)"},
		{store.VerdictInvalid, "invalid signature"}, {store.VerdictRefused, "refused"}, {store.VerdictNone, "not verified"}}
}

// sources are the Source select's choices, as the stores name them.
func sources() []string {
	return []string{store.SourceTriggered, store.SourceReceived, store.SourceCheck}
}

// typeNames are the catalog's event types, sorted: the Type field's
// suggestions.
func (h *Handler) typeNames() []string {
	var out []string
	seen := map[string]bool{}
	for _, et := range h.cat.All() {
		if !seen[et.Type] {
			seen[et.Type] = true
			out = append(out, et.Type)
		}
	}
	sort.Strings(out)
	return out
}

// Form is the log's filter form.
func (d logData) Form() filterForm {
	return filterForm{Action: "/", Status: d.Q.Status, Source: d.Q.Source, Provider: d.Q.Provider, Type: d.Q.TypePattern,
		Subscription: d.Q.SubscriptionID, Search: d.Q.Search, From: d.From, To: d.To,
		Statuses: []string{store.DeliveryPending, store.DeliverySucceeded, store.DeliveryFailed}, Sources: sources(),
		Providers: d.Providers, Types: d.Types, Subs: d.Subs, WithSubs: true, WithSearch: true,
		Bad: d.Bad, Clear: d.Filter != "" || d.From != "" || d.To != ""}
}

// choiceFault says which of a query's choices (status, source,
// provider, verdict: name and value) is none the form offers, and why
// (msg); field is its name.
func choiceFault(choices ...[2]string) (msg, field string) {
	for _, c := range choices {
		name, v := c[0], c[1]
		var known []string
		switch name {
		case "status":
			known = []string{store.DeliveryPending, store.DeliverySucceeded, store.DeliveryFailed}
		case "source":
			known = sources()
		case "provider":
			known = catalog.Providers()
		case "verdict":
			known = store.VerdictFilters()
		}
		if v != "" && !slices.Contains(known, v) {
			return fmt.Sprintf("unknown %s %q: use one of %s", name, v, strings.Join(known, ", ")), name
		}
	}
	return "", ""
}
