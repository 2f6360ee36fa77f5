package delivery

import (
	"github.com/hookctl/hookctl/internal/catalog"
	"github.com/hookctl/hookctl/internal/signature"
	"github.com/hookctl/hookctl/internal/store"
)

// HookID is the X-GitHub-Hook-ID d is sent with: its subscription's
// webhook, or for an ad-hoc delivery its secret's (signature.Envelope).
func HookID(d *store.Delivery) uint64 {
	return signature.GitHubHookID(d.SubscriptionID, []string{d.Secret})
}

// HookPings gives each webhook a GitHub ping goes to a ping of its own,
// as GitHub pings one webhook at a time: its body's hook_id and hook.id
// are that webhook's X-GitHub-Hook-ID (catalog.SetGitHubHookID), which
// every later event to it carries. ev goes to the first webhook; each
// other gets a copy with a fresh GUID. It returns the events and the
// deliveries of each (ds split among them). seen carries the pings made
// so far for this ev, by hook id, so that a --duplicate of the ping to
// the same webhook is the same ping (same GUID, same bytes).
func HookPings(ev *store.Event, ds []*store.Delivery, seen map[uint64]*store.Event) ([]*store.Event, [][]*store.Delivery) {
	var evs []*store.Event
	var dss [][]*store.Delivery
	at := map[uint64]int{}
	for _, d := range ds {
		h := HookID(d)
		if i, ok := at[h]; ok {
			dss[i] = append(dss[i], d)
			continue
		}
		e, ok := seen[h]
		if !ok {
			e = ev
			if len(seen) > 0 {
				c := *ev
				c.ID = catalog.NewEventID(ev.Provider)
				e = &c
			}
			e.Payload = catalog.SetGitHubHookID(e.Payload, h)
			seen[h] = e
		}
		at[h] = len(evs)
		evs = append(evs, e)
		dss = append(dss, []*store.Delivery{d})
	}
	return evs, dss
}
