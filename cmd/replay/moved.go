package replay

import (
	"context"
	"fmt"
	"io"
	"maps"
	"slices"
	"sync"

	"github.com/hookctl/hookctl/internal/cli"
	"github.com/hookctl/hookctl/internal/store"
	"github.com/hookctl/hookctl/internal/ui"
)

// movedSubs notes the URLs a replay sends each subscription's deliveries
// to. A delivery keeps the URL it was sent to (a replay goes there, not to
// wherever its subscription points since an `update --url`, nor back from
// an earlier replay's --to) while it is signed with the subscription's
// current secret; a replay that quietly went to the old URL would read
// as if it had reached the new one.
type movedSubs struct {
	mu   sync.Mutex
	urls map[string]map[string]int64 // subscription id → URL → deliveries
}

// maxMovedSubs bounds the subscriptions noted (a bulk replay of any size
// keeps flat memory).
const maxMovedSubs = 64

// note counts d, sent (or to be sent) to url. A forward listen recorded
// is left out: it goes to the app behind listen while its subscription
// (listen's own) points at listen, by design, not because it moved.
func (m *movedSubs) note(d *store.Delivery, url string) {
	if d.Kind == store.KindForward {
		return
	}
	subID := d.SubscriptionID
	if subID == "" || url == "" {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.urls == nil {
		m.urls = map[string]map[string]int64{}
	}
	u := m.urls[subID]
	if u == nil {
		if len(m.urls) >= maxMovedSubs {
			return
		}
		u = map[string]int64{}
		m.urls[subID] = u
	}
	if _, ok := u[url]; !ok && len(u) >= 8 {
		return
	}
	u[url]++
}

// report says, for each subscription whose URL is now another than the
// one its deliveries were sent to, where they went and how to send them
// to the new URL. A deleted subscription says nothing: its deliveries
// have no other URL. The subscription is named by a prefix unique in the
// store (a fixed 8 characters could name two: "replay --subscription"
// then failed as ambiguous); on a terminal (width > 0) the line wraps.
func (m *movedSubs) report(ctx context.Context, w io.Writer, width int, st store.Store, verb string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, id := range slices.Sorted(maps.Keys(m.urls)) {
		s, err := st.GetSubscription(ctx, id)
		if err != nil {
			continue
		}
		for _, url := range slices.Sorted(maps.Keys(m.urls[id])) {
			if url == s.CallbackURL {
				continue
			}
			n := m.urls[id][url]
			short, to := cli.ShortSubscriptionIDs(ctx, st, []string{id})[0], "--to "+s.CallbackURL
			if width > 0 {
				to = ui.NoBreak(to)
			}
			line := fmt.Sprintf("%d %s of subscription %s %s to %s, the URL %s sent to; the subscription's URL is now %s: add %s to send there",
				n, plural(n, "delivery", "deliveries"), short, verb, url, plural(n, "it was", "they were"), s.CallbackURL, to)
			fmt.Fprintln(w, ui.Wrap(line, width, "  "))
		}
	}
}
