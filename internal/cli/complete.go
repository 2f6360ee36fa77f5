package cli

import (
	"context"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/hookctl/hookctl/internal/catalog"
	"github.com/hookctl/hookctl/internal/config"
	"github.com/hookctl/hookctl/internal/signature"
	"github.com/hookctl/hookctl/internal/store"
)

// Shell completion shared by the commands: every argument and every flag
// with a fixed or stored set of values completes (cobra's __complete, used
// by the bash, zsh, fish and PowerShell scripts).

const noFiles = cobra.ShellCompDirectiveNoFileComp

// CompleteFixed completes one of values.
func CompleteFixed(values ...string) cobra.CompletionFunc {
	return cobra.FixedCompletions(values, noFiles)
}

// CompleteProviders completes --provider.
func CompleteProviders() cobra.CompletionFunc { return CompleteFixed(catalog.Providers()...) }

// CompleteSchemes completes --scheme (with auto).
func CompleteSchemes() cobra.CompletionFunc {
	return CompleteFixed(append([]string{"auto"}, signature.Names()...)...)
}

// CompletionWait is how long a TAB waits for a store: a SQLite lock held
// by another process, a PostgreSQL server that does not answer. cmd.Run
// gives the whole completion request a deadline of about a second; a
// store that does not answer in time completes nothing.
const CompletionWait = 500 * time.Millisecond

// CompletionStore opens the store named by --store, HOOKCTL_STORE or the
// config file for reading only, as the command itself would find it
// (completion runs no hooks). A TAB has no side effects: it never creates
// a store (without one, or with an empty file, there is nothing to
// complete), never migrates an older one (it completes nothing from it
// until a command migrates it) and waits at most CompletionWait for a lock.
func CompletionStore(c *cobra.Command, f *Factory) (store.Store, bool) {
	cfgFile, _ := c.Flags().GetString("config")
	cfg, err := config.Load(config.Options{ExplicitFile: cfgFile})
	if err != nil {
		return nil, false
	}
	dsn := cfg.Store
	if v, _ := c.Flags().GetString("store"); v != "" {
		dsn = v
	}
	if !strings.Contains(dsn, "://") && !strings.Contains(dsn, "=") {
		// An empty file has nothing to complete, and opening it would
		// make it a store (SQLite takes it for a new database).
		if fi, err := os.Stat(config.ExpandHome(dsn)); err != nil || fi.Size() == 0 {
			return nil, false
		}
	}
	if f.OpenReader == nil {
		return nil, false
	}
	st, err := f.OpenReader(c.Context(), dsn, CompletionWait)
	if err != nil {
		return nil, false
	}
	return st, true
}

// CompleteEventTypes completes an event type argument (trigger, events
// show) from the catalog, with each type's description.
func CompleteEventTypes(f *Factory) cobra.CompletionFunc { return completeEventTypes(f, true) }

// completeEventTypes completes event types; with qualified, a prefix
// holding ':' (stripe:cha) completes provider-qualified names, which
// trigger and events show take (patterns do not).
func completeEventTypes(f *Factory, qualified bool) cobra.CompletionFunc {
	return func(c *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
		if len(args) > 0 {
			return nil, noFiles
		}
		dir := ""
		if f != nil && f.Config != nil {
			dir = f.Config.Get("fixtures_dir")
		}
		if d, _ := c.Flags().GetString("fixtures"); d != "" {
			dir = d
		}
		cat, err := catalog.Load(catalog.Options{FixturesDir: dir})
		if err != nil {
			return nil, noFiles
		}
		provider, _ := c.Flags().GetString("provider")
		seen := map[string]bool{}
		var out []cobra.Completion
		for _, et := range cat.List(provider, "") {
			name := et.Type
			if qualified && strings.Contains(toComplete, ":") {
				name = et.QualifiedName()
			}
			if seen[name] || !strings.HasPrefix(name, toComplete) {
				continue
			}
			seen[name] = true
			out = append(out, cobra.CompletionWithDesc(name, et.Description))
		}
		return out, noFiles
	}
}

// CompleteDeliveryIDs completes delivery IDs, newest first, each with its
// status, event type and URL; status filters them ("" = any). When many
// is false only the first argument completes.
func CompleteDeliveryIDs(f *Factory, status string, many bool) cobra.CompletionFunc {
	return completeDeliveryIDs(f, status, many, false)
}

// CompleteReplayIDs completes replay's delivery ids: the failed ones
// first (what is replayed), then the others, each newest first, in that
// order in the shell's menu (the shells sorted them by id: a succeeded
// delivery came before the failed one it was asked for).
func CompleteReplayIDs(f *Factory) cobra.CompletionFunc {
	return completeDeliveryIDs(f, "", true, true)
}

func completeDeliveryIDs(f *Factory, status string, many, failedFirst bool) cobra.CompletionFunc {
	return func(c *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
		if len(args) > 0 && !many {
			return nil, noFiles
		}
		st, ok := CompletionStore(c, f)
		if !ok {
			return nil, noFiles
		}
		defer st.Close()
		ctx := c.Context()
		const limit = 500
		var ds []*store.Delivery
		directive := noFiles
		if failedFirst {
			directive |= cobra.ShellCompDirectiveKeepOrder
			failed, err := st.ListDeliveries(ctx, store.DeliveryFilter{Status: store.DeliveryFailed, Newest: true, Limit: limit})
			if err != nil {
				return nil, noFiles
			}
			ds = failed
		}
		rest, err := st.ListDeliveries(ctx, store.DeliveryFilter{Status: status, Newest: true, Limit: limit})
		if err != nil {
			return nil, noFiles
		}
		for _, d := range rest {
			if len(ds) < limit && (!failedFirst || d.Status != store.DeliveryFailed) {
				ds = append(ds, d)
			}
		}
		prefix := strings.ToLower(toComplete)
		ds = slices.DeleteFunc(ds, func(d *store.Delivery) bool {
			return !strings.HasPrefix(d.ID, prefix) || containsString(args, d.ID)
		})
		types := eventTypesOf(ctx, st, ds)
		var out []cobra.Completion
		for _, d := range ds {
			typ, ok := types[d.EventID]
			if !ok {
				if ev, err := st.GetEvent(ctx, d.EventID); err == nil {
					typ = ev.Type
				}
				types[d.EventID] = typ
			}
			out = append(out, cobra.CompletionWithDesc(d.ID, strings.TrimSpace(d.Status+" "+typ+" "+d.URL)))
		}
		return out, directive
	}
}

// eventTypesOf reads the types of the events of ds in one query, without
// their payloads (a TAB that lists 500 deliveries made 500 round trips to
// a PostgreSQL store); the caller reads what is missing one by one.
func eventTypesOf(ctx context.Context, st store.Store, ds []*store.Delivery) map[string]string {
	ids := make([]string, len(ds))
	for i, d := range ds {
		ids[i] = d.EventID
	}
	evs := map[string]*store.EventHead{}
	_ = store.LoadEventHeads(ctx, st, ids, evs)
	types := make(map[string]string, len(evs))
	for id, ev := range evs {
		types[id] = ev.Type
	}
	return types
}

// CompleteEventIDs completes the IDs of stored events (of the newest 500,
// newest first) starting with prefix, each with its source and type;
// events show takes them besides catalog types. An empty prefix gives
// none: the catalog's types are what an empty argument offers.
func CompleteEventIDs(c *cobra.Command, f *Factory, prefix string) []cobra.Completion {
	if prefix == "" {
		return nil
	}
	st, ok := CompletionStore(c, f)
	if !ok {
		return nil
	}
	defer st.Close()
	evs, err := st.ListEvents(c.Context(), store.EventFilter{Limit: 500, NoCounts: true})
	if err != nil {
		return nil
	}
	var out []cobra.Completion
	for _, e := range evs {
		if !strings.HasPrefix(e.ID, prefix) {
			continue
		}
		desc := strings.TrimSpace(e.Source + " " + e.Type)
		switch kind, reason := store.ParseVerdict(e.Verdict); {
		case kind == store.VerdictRefused && strings.HasPrefix(reason, "forwarding loop"):
			desc += " (forwarding loop)"
		case kind == store.VerdictRefused:
			desc += " (refused)"
		case kind == store.VerdictInvalid:
			desc += " (signature rejected)"
		}
		out = append(out, cobra.CompletionWithDesc(e.ID, desc))
	}
	return out
}

// CompleteSubscriptionIDs completes subscription IDs with their URL and
// events.
func CompleteSubscriptionIDs(f *Factory) cobra.CompletionFunc {
	return func(c *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
		st, ok := CompletionStore(c, f)
		if !ok {
			return nil, noFiles
		}
		defer st.Close()
		subs, err := st.ListSubscriptions(c.Context(), store.SubscriptionFilter{})
		if err != nil {
			return nil, noFiles
		}
		prefix := strings.ToLower(toComplete)
		var out []cobra.Completion
		for _, s := range subs {
			if strings.HasPrefix(s.ID, prefix) {
				out = append(out, cobra.CompletionWithDesc(s.ID, s.CallbackURL+" "+strings.Join(s.Events, ",")))
			}
		}
		return out, noFiles
	}
}

// CompleteEventPatterns completes an event type or pattern (card.*) from
// the catalog: exact types with their description, then prefix patterns.
func CompleteEventPatterns(f *Factory) cobra.CompletionFunc {
	types := completeEventTypes(f, false) // patterns name no provider
	return func(c *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
		out, _ := types(c, nil, toComplete)
		seen := map[string]bool{}
		for _, comp := range append([]cobra.Completion(nil), out...) {
			name, _, _ := strings.Cut(comp, "\t")
			parts := strings.Split(name, ".")
			for i := 1; i < len(parts); i++ {
				p := strings.Join(parts[:i], ".") + ".*"
				if !seen[p] && strings.HasPrefix(p, toComplete) {
					seen[p] = true
					out = append(out, p)
				}
			}
		}
		if strings.HasPrefix("*", toComplete) {
			out = append(out, cobra.CompletionWithDesc("*", "every event"))
		}
		return out, noFiles
	}
}

func containsString(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
