package storetest

import (
	"context"
	"testing"

	"github.com/hookctl/hookctl/internal/store"
)

// SchemeCase is what a hookctl from before URL schemes were kept in lower
// case stored: a subscription typed as HTTP://…, its delivery (which
// copied the URL) and an ad hoc delivery to HTTPS://….
type SchemeCase struct{ SubID, SubDeliveryID, AdHocID string }

// SeedUpperCaseSchemes writes SchemeCase's records to s (as the store
// takes them: it checks no URL).
func SeedUpperCaseSchemes(t *testing.T, s store.Store) SchemeCase {
	t.Helper()
	ctx := context.Background()
	sub := newSub("HTTP://Example.test:3000/Hook?X=Y", "card.*")
	must(t, s.CreateSubscription(ctx, sub))
	d := newDelivery(sub.CallbackURL)
	d.SubscriptionID = sub.ID
	adhoc := newDelivery("HTTPS://Example.test/Other")
	must(t, s.CreateEvent(ctx, newEvent("evt_scheme_case", "card.created"), []*store.Delivery{d, adhoc}))
	return SchemeCase{SubID: sub.ID, SubDeliveryID: d.ID, AdHocID: adhoc.ID}
}

// CheckLowerCaseSchemes checks that the migration lowered the schemes of
// SchemeCase's URLs, and nothing else of them.
func CheckLowerCaseSchemes(t *testing.T, s store.Store, c SchemeCase) {
	t.Helper()
	ctx := context.Background()
	sub, err := s.GetSubscription(ctx, c.SubID)
	must(t, err)
	if sub.CallbackURL != "http://Example.test:3000/Hook?X=Y" {
		t.Errorf("subscription URL %q, want http://Example.test:3000/Hook?X=Y", sub.CallbackURL)
	}
	for id, want := range map[string]string{c.SubDeliveryID: "http://Example.test:3000/Hook?X=Y", c.AdHocID: "https://Example.test/Other"} {
		d, err := s.GetDelivery(ctx, id)
		must(t, err)
		if d.URL != want {
			t.Errorf("delivery URL %q, want %q", d.URL, want)
		}
	}
}
