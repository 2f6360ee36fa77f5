package provider

import (
	"context"

	"github.com/hookctl/hookctl/internal/store"
)

// EventPage reads the events f selects, in f's order and from f's
// cursors, keeping those keep accepts (nil keeps all), until n+1 are kept
// or the store has no more: the first n, and whether more follow. The
// store does the selecting and paging (f.Limit is set here); keep holds
// only what SQL cannot say, so a page reads about a page of rows.
func EventPage(ctx context.Context, st store.Store, f store.EventFilter, n int, keep func(*store.Event) bool) ([]*store.Event, bool, error) {
	sums, more, err := EventPagePlaces(ctx, st, f, n, keep)
	if err != nil {
		return nil, false, err
	}
	out := make([]*store.Event, len(sums))
	for i, s := range sums {
		out[i] = &s.Event
	}
	return out, more, nil
}

// EventPagePlaces is EventPage with each event's place in list order
// (its summary's CreatedAt and Seq; the counts are not read), for a
// cursor that outlives the event (store.EventFilter.BeforeAt). The
// store is read on from the place of the last row read, not its id, so
// a row pruned in between does not end the page.
func EventPagePlaces(ctx context.Context, st store.Store, f store.EventFilter, n int, keep func(*store.Event) bool) ([]*store.EventSummary, bool, error) {
	f.NoCounts = true
	var out []*store.EventSummary
	// The first read is the page (keep seldom turns a row away); while
	// keep leaves it short, reads grow from 64 rows to 4,096.
	batch := 0
	for {
		f.Limit = max(n+1-len(out), batch)
		if keep != nil {
			batch = min(max(batch*4, 64), 4096)
		}
		evs, err := st.ListEvents(ctx, f)
		if err != nil {
			return nil, false, err
		}
		for _, e := range evs {
			if keep == nil || keep(&e.Event) {
				if out = append(out, e); len(out) > n {
					return out[:n], true, nil
				}
			}
		}
		if len(evs) < f.Limit {
			return out, false, nil
		}
		last := evs[len(evs)-1]
		at := &store.EventCursor{CreatedAt: last.CreatedAt, Seq: last.Seq}
		if f.Oldest {
			f.After, f.AfterAt = "", at
		} else {
			f.Before, f.BeforeAt = "", at
		}
	}
}
