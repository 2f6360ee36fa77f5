package replay

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"sync"

	"github.com/hookctl/hookctl/internal/cli"
	"github.com/hookctl/hookctl/internal/store"
	"github.com/hookctl/hookctl/internal/subscription"
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
// to the new URL (--to-current: a URL with a password is shown masked,
// as everywhere, so it could not be pasted into --to). A deleted subscription says nothing: its deliveries
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
			short := cli.ShortSubscriptionIDs(ctx, st, []string{id})[0]
			line := fmt.Sprintf("%d %s of subscription %s %s to %s, the URL %s sent to; the subscription's URL is now %s: add --to-current to send there",
				n, plural(n, "delivery", "deliveries"), short, verb, subscription.MaskUserinfo(url), plural(n, "it was", "they were"), subscription.MaskUserinfo(s.CallbackURL))
			fmt.Fprintln(w, ui.Wrap(line, width, "  "))
		}
	}
}

// currentURLs resolves, for --to-current, the URL each delivery is sent
// to: its subscription's URL now, read once per subscription. A forward
// listen recorded keeps its own (its subscription, listen's, points at
// listen by design: see movedSubs.note), and so does a delivery whose
// subscription was deleted (there is no other URL), which report counts.
type currentURLs struct {
	mu     sync.Mutex
	urls   map[string]string // subscription id → callback URL ("": deleted)
	orphan int64             // deliveries of deleted subscriptions
}

// url returns the URL d is sent to with --to-current, "" for its own;
// an error when its subscription could not be read.
func (c *currentURLs) url(ctx context.Context, st store.Store, d *store.Delivery) (string, error) {
	if d.Kind == store.KindForward {
		return "", nil
	}
	c.mu.Lock()
	if d.SubscriptionID == "" {
		if d.DeletedSubscriptionID != "" {
			c.orphan++
		}
		c.mu.Unlock()
		return "", nil
	}
	defer c.mu.Unlock()
	u, ok := c.urls[d.SubscriptionID]
	if !ok {
		s, err := st.GetSubscription(ctx, d.SubscriptionID)
		var nf *store.NotFoundError
		switch {
		case err == nil:
			u = s.CallbackURL
		case !errors.As(err, &nf):
			return "", err
		}
		if c.urls == nil || len(c.urls) >= 4096 {
			c.urls = map[string]string{} // flat memory over any number of subscriptions
		}
		c.urls[d.SubscriptionID] = u
	}
	if u == "" {
		c.orphan++
	}
	return u, nil
}

// report says how many deliveries kept their own URL for want of a
// subscription (nothing when there were none, or without --to-current).
func (c *currentURLs) report(w io.Writer, width int, verb string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.orphan == 0 {
		return
	}
	n := c.orphan
	fmt.Fprintln(w, ui.Wrap(fmt.Sprintf("%d %s %s to the URL %s sent to: %s subscription was deleted, so %s no current URL",
		n, plural(n, "delivery", "deliveries"), verb, plural(n, "it was", "they were"), plural(n, "its", "their"), plural(n, "it has", "they have")), width, "  "))
}
