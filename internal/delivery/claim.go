package delivery

import (
	"context"

	"github.com/hookctl/hookctl/internal/store"
)

// claim leases up to limit due deliveries to this engine and caches their
// events: in one round trip when the store returns the events with the
// claim (store.EventClaimer), else a claim and one read of the events not
// cached (primeClaimed).
func (e *Engine) claim(ctx context.Context, limit int) ([]*store.Delivery, error) {
	if ec, ok := e.Store.(store.EventClaimer); ok {
		ds, evs, err := ec.ClaimDueEvents(ctx, e.Owner, e.Now(), e.Lease, limit, e.RunID)
		for _, ev := range evs {
			e.events.put(ev.ID, ev)
		}
		return ds, err
	}
	ds, err := e.Store.ClaimDue(ctx, e.Owner, e.Now(), e.Lease, limit, e.RunID)
	if err == nil {
		e.primeClaimed(ctx, ds)
	}
	return ds, err
}
