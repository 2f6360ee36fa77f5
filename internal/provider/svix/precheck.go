package svix

import (
	"net/http"

	"github.com/hookctl/hookctl/internal/provider"
	"github.com/hookctl/hookctl/internal/store"
)

// precheck is Svix's message.precheck (POST …/msg/precheck/active):
// {active: true} when an enabled endpoint of the application takes a
// message of eventType on those channels (its filterTypes and channels,
// as message.create picks the endpoints), else false. The body is
// checked as message.create checks those fields.
func (a *api) precheck(w http.ResponseWriter, r *http.Request) {
	var in struct {
		EventType string   `json:"eventType"`
		Channels  []string `json:"channels"`
	}
	if !a.decode(w, r, &in, false) {
		return
	}
	if !validEventType(w, in.EventType) {
		return
	}
	if !validMsgChannels(w, in.Channels) {
		return
	}
	app, ok := a.appOr404(w, r)
	if !ok {
		return
	}
	subs, err := a.endpointsOf(r.Context(), app, store.SubscriptionFilter{})
	if a.bad(w, err) {
		return
	}
	active := false
	for _, s := range subs {
		if matches(s, in.EventType, in.Channels) {
			active = true
			break
		}
	}
	provider.WriteJSON(w, http.StatusOK, map[string]bool{"active": active})
}
