package storetest

import (
	"testing"

	"github.com/hookctl/hookctl/internal/store"
)

func init() {
	expungeTests = append(expungeTests, struct {
		name string
		fn   func(t *testing.T, s store.Store)
	}{"ExpungeMark", testExpungeMark})
}

// testExpungeMark: the store's expunge mark (store.ExpungeMarker) is 0
// before any expunge and changes with every event expunged, in the
// expunge's transaction; expunging an expunged event again, or an
// attempt's body, leaves it as it is.
func testExpungeMark(t *testing.T, s store.Store) {
	m, ok := s.(store.ExpungeMarker)
	x, ok2 := s.(store.ContentExpunger)
	if !ok || !ok2 {
		t.Skip("the store is no store.ExpungeMarker")
	}
	mark := func() int64 {
		t.Helper()
		v, err := m.ExpungeMark(ctx)
		must(t, err)
		return v
	}
	if v := mark(); v != 0 {
		t.Fatalf("mark before any expunge: %d, want 0", v)
	}
	sub := newSub("http://127.0.0.1/a", "*")
	must(t, s.CreateSubscription(ctx, sub))
	var ids []string
	for _, id := range []string{"evt_mark1", "evt_mark2"} {
		d := newDelivery(sub.CallbackURL)
		d.SubscriptionID = sub.ID
		must(t, s.CreateEvent(ctx, newEvent(id, "card.created"), []*store.Delivery{d}))
		ids = append(ids, id)
	}
	// Expunged within one clock tick of each other: the mark still moves.
	must(t, x.ExpungeEvent(ctx, ids[0], base))
	one := mark()
	must(t, x.ExpungeEvent(ctx, ids[1], base))
	two := mark()
	if one == 0 || two == one {
		t.Errorf("marks after two expunges: %d then %d, want two different, not 0", one, two)
	}
	must(t, x.ExpungeEvent(ctx, ids[1], base))
	if v := mark(); v != two {
		t.Errorf("mark after an expunge that changed nothing: %d, want %d", v, two)
	}
}
