package svix

import (
	"net/http"
	"slices"
	"time"

	"github.com/hookctl/hookctl/internal/provider"
	"github.com/hookctl/hookctl/internal/store"
)

// MessageEndpoint is Svix's MessageEndpointOut: an endpoint a message was
// sent to, with how its delivery stands.
type MessageEndpoint struct {
	Endpoint
	Status      int        `json:"status"` // 0 success, 1 pending, 2 fail
	StatusText  string     `json:"statusText"`
	NextAttempt *time.Time `json:"nextAttempt"`
}

// listAttemptedDestinations lists the application's endpoints a message
// went to (GET …/msg/{msg_id}/endpoint/), each once with its latest
// delivery's status, in the order the message first went to them.
func (a *api) listAttemptedDestinations(w http.ResponseWriter, r *http.Request) {
	app, ok := a.appOr404(w, r)
	if !ok {
		return
	}
	limit, ok := limitOf(w, r, 50, 250)
	if !ok {
		return
	}
	e, err := a.msg(r.Context(), app, r.PathValue("msg_id"))
	if a.bad(w, err) {
		return
	}
	ds, err := a.s.Store.ListDeliveries(r.Context(), store.DeliveryFilter{EventID: e.ID})
	if a.bad(w, err) {
		return
	}
	latest := map[string]*store.Delivery{}
	var order []string
	for _, d := range ds {
		if d.SubscriptionID == "" {
			continue
		}
		if _, seen := latest[d.SubscriptionID]; !seen {
			order = append(order, d.SubscriptionID)
		}
		if cur := latest[d.SubscriptionID]; cur == nil || d.Seq > cur.Seq {
			latest[d.SubscriptionID] = d
		}
	}
	var out []MessageEndpoint
	for _, subID := range order {
		sub, err := a.s.Store.GetSubscription(r.Context(), subID)
		if provider.IsNotFound(err) {
			continue // deleted since
		}
		if a.bad(w, err) {
			return
		}
		if sub.Metadata[MetaApp] != app.ID || sub.Metadata[MetaID] == "" {
			continue
		}
		me := MessageEndpoint{Endpoint: render(sub)}
		d := latest[subID]
		switch d.Status {
		case store.DeliverySucceeded:
			me.Status, me.StatusText = 0, "success"
		case store.DeliveryFailed:
			me.Status, me.StatusText = 2, "fail"
		default:
			me.Status, me.StatusText = 1, "pending"
			if !d.NextAttemptAt.IsZero() {
				t := d.NextAttemptAt.UTC()
				me.NextAttempt = &t
			}
		}
		out = append(out, me)
	}
	if it := r.URL.Query().Get("iterator"); it != "" {
		if i := slices.IndexFunc(out, func(m MessageEndpoint) bool { return m.ID == it }); i >= 0 {
			out = out[i+1:]
		}
	}
	done := len(out) <= limit
	out = out[:min(limit, len(out))]
	var next *string
	if len(out) > 0 {
		next = &out[len(out)-1].ID
	}
	if out == nil {
		out = []MessageEndpoint{}
	}
	provider.WriteJSON(w, http.StatusOK, listPage{Data: out, Iterator: next, Done: done})
}
