package svix

import (
	"bytes"
	"net/http"
	"slices"
	"time"

	"github.com/hookctl/hookctl/internal/provider"
	"github.com/hookctl/hookctl/internal/store"
)

// appPortalAccess answers Svix's app portal (or legacy dashboard) access
// link for an application: {url, token}. An app embedding Svix's portal
// asks for one on every page view, so a 404 here broke that page. The url
// is hookctl's web inspector on this server (there is no Svix portal to
// link to) and the token is not checked anywhere. As in Svix, an
// application the path does not name is created from the body's
// "application" when its uid is the path's.
func (a *api) appPortalAccess(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Application *appIn `json:"application"`
	}
	if !a.decode(w, r, &in, true) {
		return
	}
	app, err := a.app(r.Context(), r.PathValue("app_id"))
	if provider.IsNotFound(err) && in.Application != nil && in.Application.UID != nil && *in.Application.UID == r.PathValue("app_id") {
		created := &answer{header: http.Header{}, status: http.StatusOK}
		if a.createAppFrom(created, r, *in.Application, true); created.failed(w) {
			return
		}
		app, err = a.app(r.Context(), r.PathValue("app_id"))
		if a.bad(w, err) {
			return
		}
	} else if a.bad(w, err) {
		return
	}
	token := newID("appsk_")
	provider.WriteJSON(w, http.StatusOK, map[string]string{
		"token": token,
		"url":   "http://" + r.Host + "/#key=" + token + "&app=" + app.ID,
	})
}

// answer is an answer kept to be sent on only if it is an error.
type answer struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (a *answer) Header() http.Header         { return a.header }
func (a *answer) WriteHeader(status int)      { a.status = status }
func (a *answer) Write(b []byte) (int, error) { return a.body.Write(b) }

// failed sends the kept answer on to w when it is an error, and reports
// whether it was.
func (a *answer) failed(w http.ResponseWriter) bool {
	if a.status < 300 {
		return false
	}
	for k, v := range a.header {
		w.Header()[k] = v
	}
	w.WriteHeader(a.status)
	w.Write(a.body.Bytes())
	return true
}

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
