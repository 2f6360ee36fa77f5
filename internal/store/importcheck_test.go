package store

import (
	"strings"
	"testing"
)

// CheckImport refuses what PostgreSQL's indexes cannot hold, naming the
// field, and passes everything hookctl writes and any event id or type.
func TestCheckImport(t *testing.T) {
	long, longer := strings.Repeat("x", MaxKeyLen), strings.Repeat("x", MaxKeyLen+1)
	meta, metaOver := strings.Repeat("m", MaxMetaValueLen), strings.Repeat("m", MaxMetaValueLen+1)
	for _, tc := range []struct {
		r    Record
		want string // "" = accepted
	}{
		{Record{Subscription: &Subscription{ID: long, Metadata: map[string]string{"uid": meta, "svix_id": meta, "app_id": meta, "note": longer}}}, ""},
		{Record{Subscription: &Subscription{ID: longer}}, "subscription ID is 1025 bytes"},
		{Record{Subscription: &Subscription{ID: "s1", Metadata: map[string]string{"app_id": metaOver}}}, `subscription s1: metadata "app_id" is 257 bytes`},
		{Record{Subscription: &Subscription{ID: "s1", Metadata: map[string]string{"stripe_id": metaOver}}}, `metadata "stripe_id"`},
		{Record{Object: &Object{Kind: "svix.app", ID: "a", Key: longer}}, "object Key is 1025 bytes"},
		{Record{Object: &Object{Kind: strings.Repeat("k", 65), ID: "a"}}, "object Kind is 65 bytes"},
		{Record{Delivery: &Delivery{ID: "d", SubscriptionID: "s", RunID: longer}}, "delivery RunID is 1025 bytes"},
		{Record{Delivery: &Delivery{ID: "d", OriginID: longer}}, "delivery OriginID"},
		{Record{Attempt: &Attempt{DeliveryID: longer}}, "attempt DeliveryID"},
		{Record{Event: &Event{ID: longer + longer, Type: longer + longer}}, ""},
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
