package cli

import (
	"context"
	"errors"

	"github.com/hookctl/hookctl/internal/delivery"
	"github.com/hookctl/hookctl/internal/store"
	"github.com/hookctl/hookctl/internal/ui"
)

// ShortDeliveryIDs cuts delivery ids (a table's, on a terminal) to
// prefixes that each name one delivery of the whole store: show, replay…
// take a unique prefix. ShortIDs alone made them unique among the ids
// shown, and a delivery left out (by a filter, a limit, a dry run's
// selection, check's other runs) may share one: the command copied from
// the table then failed as ambiguous.
func ShortDeliveryIDs(ctx context.Context, st store.Store, ids []string) []string {
	return storeUnique(ids, ui.ShortIDs(ids), func(p string) (string, error) {
		d, err := st.GetDelivery(ctx, p)
		if err != nil {
			return "", err
		}
		return d.ID, nil
	})
}

// ShortEventIDs is ShortDeliveryIDs for event ids (events show takes a
// unique prefix).
func ShortEventIDs(ctx context.Context, st store.Store, ids []string) []string {
	return storeUnique(ids, ui.ShortIDs(ids), func(p string) (string, error) {
		e, err := st.GetEvent(ctx, p)
		if err != nil {
			return "", err
		}
		return e.ID, nil
	})
}

// ShortSubscriptionIDs is ShortDeliveryIDs for subscription ids
// (subscriptions get, replay --subscription… take a unique prefix).
func ShortSubscriptionIDs(ctx context.Context, st store.Store, ids []string) []string {
	return storeUnique(ids, ui.ShortIDs(ids), func(p string) (string, error) {
		s, err := st.GetSubscription(ctx, p)
		if err != nil {
			return "", err
		}
		return s.ID, nil
	})
}

// AttemptFit is the layout of a run's live log (trigger, replay, worker)
// on a terminal: lines fitted to width (the terminal's, asked per line),
// ids cut to prefixes unique in st. Nil when stdout is not a terminal
// (piped, the lines stay whole, byte for byte).
func AttemptFit(ctx context.Context, ios *ui.IOStreams, st store.Store, width func() int) *delivery.Fit {
	if !ios.IsStdoutTTY() || ios.JSON() {
		return nil
	}
	return attemptFit(ctx, st, width)
}

// StderrAttemptFit is AttemptFit for a live log written to stderr (serve's
// in-process worker, beside its banner): nil unless stderr is a terminal.
func StderrAttemptFit(ctx context.Context, ios *ui.IOStreams, st store.Store) *delivery.Fit {
	if !ios.IsStderrTTY() || ios.JSON() {
		return nil
	}
	return attemptFit(ctx, st, ios.ErrWidth)
}

func attemptFit(ctx context.Context, st store.Store, width func() int) *delivery.Fit {
	return &delivery.Fit{
		Width:          width,
		EventID:        func(id string) string { return ShortEventIDs(ctx, st, []string{id})[0] },
		SubscriptionID: func(id string) string { return ShortSubscriptionIDs(ctx, st, []string{id})[0] },
	}
}

// storeUnique lengthens each prefix of short (of the whole ids) that
// names another record of the store too (get looks a prefix up). One
// lookup by prefix per id, more only where one is ambiguous; a lookup
// that fails otherwise leaves the prefix as it is.
func storeUnique(whole, short []string, get func(prefix string) (string, error)) []string {
	for i, p := range short {
		for p != whole[i] {
			id, err := get(p)
			var amb *store.AmbiguousError
			if err == nil && id == whole[i] || !errors.As(err, &amb) {
				break
			}
			n := len(p) + 1
			for _, m := range amb.Matches {
				common := 0
				for common < len(m) && common < len(whole[i]) && m[common] == whole[i][common] {
					common++
				}
				if m != whole[i] {
					n = max(n, common+1)
				}
			}
			p = whole[i][:min(n, len(whole[i]))]
		}
		short[i] = p
	}
	return short
}
