package web_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/store"
)

// TestDelsubLogFilterDeletedSubscriptionWithDeliveries: the log filtered
// by a deleted subscription that had deliveries (by its id or a prefix)
// lists them — they keep its id — and says nothing is wrong with the
// filter; another subscription's delivery is not listed. Before, it said
// "no subscription …: deleted (its deliveries stay in the log, without
// it)" over an empty log.
func TestDelsubLogFilterDeletedSubscriptionWithDeliveries(t *testing.T) {
	t.Parallel()
	_, srv, st := newHandler(t)
	ctx := context.Background()
	var subs []*store.Subscription
	for range 2 {
		sub := &store.Subscription{CallbackURL: "http://127.0.0.1:9/x", Events: []string{"*"}, Status: store.StatusEnabled,
			Secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", Scheme: "auto"}
		if err := st.CreateSubscription(ctx, sub); err != nil {
			t.Fatal(err)
		}
		subs = append(subs, sub)
	}
	now := time.Now()
	ev := &store.Event{ID: "evt_delsub", Type: "card.created", Provider: "bond", Payload: []byte(`{}`), ContentType: "application/json",
		Source: "triggered", CreatedAt: now}
	ds := []*store.Delivery{
		{SubscriptionID: subs[0].ID, URL: subs[0].CallbackURL, Status: store.DeliveryFailed, MaxAttempts: 1, CreatedAt: now, UpdatedAt: now},
		{SubscriptionID: subs[1].ID, URL: subs[1].CallbackURL, Status: store.DeliveryFailed, MaxAttempts: 1, CreatedAt: now, UpdatedAt: now},
	}
	if err := st.CreateEvent(ctx, ev, ds); err != nil {
		t.Fatal(err)
	}
	if err := st.DeleteSubscription(ctx, subs[0].ID); err != nil {
		t.Fatal(err)
	}
	for _, sel := range []string{subs[0].ID, subs[0].ID[:8]} {
		req, _ := http.NewRequest("GET", srv.URL+"/?subscription="+sel, nil)
		code, body, _ := send(t, req)
		if code != 200 || strings.Contains(body, `data-testid="filter-error"`) ||
			!strings.Contains(body, `data-delivery-id="`+ds[0].ID+`"`) || strings.Contains(body, `data-delivery-id="`+ds[1].ID+`"`) {
			t.Errorf("/?subscription=%s (deleted, one delivery): %d; want its delivery only, no filter error:\n%s", sel, code, body)
		}
	}
}
