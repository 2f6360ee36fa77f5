package web_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/store"
)

// TestSubleftLogFilterPrefixOfLiveAndDeleted: the log filtered by a
// prefix that starts a live subscription's id and a deleted one's (its
// deliveries keep it) says the prefix is ambiguous, naming each — live,
// deleted with its deliveries — over an empty log, as for two live ones.
// It listed the live one's deliveries alone, the deleted one's left out
// without a word. The live one's whole id lists its deliveries.
func TestSubleftLogFilterPrefixOfLiveAndDeleted(t *testing.T) {
	t.Parallel()
	_, srv, st := newHandler(t)
	ctx := context.Background()
	var subs []*store.Subscription
	for _, id := range []string{"5b1e7a00-0000-4000-8000-000000000001", "5b1e7b00-0000-4000-8000-000000000002"} {
		sub := &store.Subscription{ID: id, CallbackURL: "http://127.0.0.1:9/x", Events: []string{"*"}, Status: store.StatusEnabled,
			Secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", Scheme: "auto"}
		if err := st.CreateSubscription(ctx, sub); err != nil {
			t.Fatal(err)
		}
		subs = append(subs, sub)
	}
	live, gone := subs[0], subs[1]
	now := time.Now()
	ev := &store.Event{ID: "evt_subleft", Type: "card.created", Provider: "bond", Payload: []byte(`{}`), ContentType: "application/json",
		Source: "triggered", CreatedAt: now}
	ds := []*store.Delivery{
		{SubscriptionID: live.ID, URL: live.CallbackURL, Status: store.DeliveryFailed, MaxAttempts: 1, CreatedAt: now, UpdatedAt: now},
		{SubscriptionID: gone.ID, URL: gone.CallbackURL, Status: store.DeliveryFailed, MaxAttempts: 1, CreatedAt: now, UpdatedAt: now},
	}
	if err := st.CreateEvent(ctx, ev, ds); err != nil {
		t.Fatal(err)
	}
	if err := st.DeleteSubscription(ctx, gone.ID); err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest("GET", srv.URL+"/?subscription=5b1e7", nil)
	code, body, _ := send(t, req)
	if code != 200 || !strings.Contains(body, `data-testid="filter-error"`) || !strings.Contains(body, "is ambiguous") ||
		!strings.Contains(body, live.ID+" (live)") || !strings.Contains(body, gone.ID+" (deleted, 1 delivery)") ||
		strings.Contains(body, `data-delivery-id="`+ds[0].ID+`"`) || strings.Contains(body, `data-delivery-id="`+ds[1].ID+`"`) {
		t.Errorf("/?subscription=5b1e7 (a live one's prefix and a deleted one's): %d; want the filter said ambiguous, naming both, and no rows:\n%s", code, body)
	}
	req, _ = http.NewRequest("GET", srv.URL+"/?subscription="+live.ID, nil)
	code, body, _ = send(t, req)
	if code != 200 || strings.Contains(body, `data-testid="filter-error"`) ||
		!strings.Contains(body, `data-delivery-id="`+ds[0].ID+`"`) || strings.Contains(body, `data-delivery-id="`+ds[1].ID+`"`) {
		t.Errorf("/?subscription=%s (the live one's whole id): %d; want its delivery only, no filter error:\n%s", live.ID, code, body)
	}
}
