package store

import (
	"strings"
	"testing"
	"time"
)

// CheckImport refuses what PostgreSQL's indexes cannot hold, naming the
// field, and passes everything hookctl writes and any event id or type.
func TestCheckImport(t *testing.T) {
	long, longer := strings.Repeat("x", MaxKeyLen), strings.Repeat("x", MaxKeyLen+1)
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	meta, metaOver := strings.Repeat("m", MaxMetaValueLen), strings.Repeat("m", MaxMetaValueLen+1)
	for _, tc := range []struct {
		r    Record
		want string // "" = accepted
	}{
		{Record{Subscription: &Subscription{ID: long, Metadata: map[string]string{"uid": meta, "svix_id": meta, "app_id": meta, "note": longer}, CreatedAt: at, UpdatedAt: at}}, ""},
		{Record{Subscription: &Subscription{ID: longer}}, "subscription ID is 1025 bytes"},
		{Record{Subscription: &Subscription{ID: "s1", Metadata: map[string]string{"app_id": metaOver}}}, `subscription s1: metadata "app_id" is 257 bytes`},
		{Record{Subscription: &Subscription{ID: "s1", Metadata: map[string]string{"stripe_id": metaOver}}}, `metadata "stripe_id"`},
		{Record{Object: &Object{Kind: "svix.app", ID: "a", Key: longer}}, "object Key is 1025 bytes"},
		{Record{Object: &Object{Kind: strings.Repeat("k", 65), ID: "a"}}, "object Kind is 65 bytes"},
		{Record{Delivery: &Delivery{ID: "d", SubscriptionID: "s", RunID: longer}}, "delivery RunID is 1025 bytes"},
		{Record{Delivery: &Delivery{ID: "d", OriginID: longer}}, "delivery OriginID"},
		{Record{Attempt: &Attempt{DeliveryID: longer}}, "attempt DeliveryID"},
		{Record{Event: &Event{ID: longer + longer, Type: longer + longer, CreatedAt: at}}, ""},
		{Record{Delivery: &Delivery{ID: "d", EventID: "e", Status: DeliveryFailed, CreatedAt: at, UpdatedAt: at}}, ""},
		{Record{Attempt: &Attempt{DeliveryID: "d", Number: 1, StartedAt: at}}, ""},
	} {
		err := CheckImport(tc.r)
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%+v refused: %v", tc.r, err)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("want an error with %q, got %v", tc.want, err)
		}
	}
}

// CheckImport refuses a record no command could have written: an empty
// id or reference (a subscription with no ID received every event and
// could be neither disabled nor deleted), a zero time (it was SQLite's
// "NOT NULL constraint failed: subscriptions.created_at" with exit 1) or
// a delivery status outside the enum.
func TestCheckImportRequired(t *testing.T) {
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		r    Record
		want string
	}{
		{Record{Subscription: &Subscription{CreatedAt: at, UpdatedAt: at}}, "subscription ID is empty"},
		{Record{Subscription: &Subscription{}}, "subscription ID is empty"},
		{Record{Subscription: &Subscription{ID: "s1", UpdatedAt: at}}, "subscription s1: CreatedAt is missing"},
		{Record{Subscription: &Subscription{ID: "s1", CreatedAt: at}}, "subscription s1: UpdatedAt is missing"},
		{Record{Event: &Event{}}, "event ID is empty"},
		{Record{Event: &Event{ID: "e1"}}, "event e1: CreatedAt is missing"},
		{Record{Delivery: &Delivery{EventID: "e", Status: DeliveryPending, CreatedAt: at, UpdatedAt: at}}, "delivery ID is empty"},
		{Record{Delivery: &Delivery{ID: "d", Status: DeliveryPending, CreatedAt: at, UpdatedAt: at}}, "delivery d: EventID is empty"},
		{Record{Delivery: &Delivery{ID: "d", EventID: "e", Status: DeliveryPending, UpdatedAt: at}}, "delivery d: CreatedAt is missing"},
		{Record{Delivery: &Delivery{ID: "d", EventID: "e", Status: "weird", CreatedAt: at, UpdatedAt: at}}, `delivery d: invalid Status "weird": want pending, succeeded or failed`},
		{Record{Attempt: &Attempt{Number: 1, StartedAt: at}}, "attempt DeliveryID is empty"},
		{Record{Attempt: &Attempt{DeliveryID: "d", Number: 1}}, "attempt 1 of delivery d: StartedAt is missing"},
		{Record{Attempt: &Attempt{DeliveryID: "d", StartedAt: at}}, "attempt 0 of delivery d: its Number must be 1 or more"},
	} {
		if err := CheckImport(tc.r); err == nil || err.Error() != tc.want {
			t.Errorf("want %q, got %v", tc.want, err)
		}
	}
}
