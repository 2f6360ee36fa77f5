package sqlite

import (
	"context"
	"testing"

	"github.com/hookctl/hookctl/internal/store"
)

// TestLivehubChangeMarkSQLite: the change mark (PRAGMA data_version on a
// connection of its own) stays while nothing is committed, whatever the
// store reads (the inspector's tabs read through the same pool), and
// moves when this store's writer commits and when another store on the
// file (another process's connections) does.
func TestLivehubChangeMarkSQLite(t *testing.T) {
	ctx := context.Background()
	s := openTemp(t)
	defer s.Close()
	other, err := OpenStore(ctx, s.path)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	mark := func() string {
		t.Helper()
		m, err := s.ChangeMark(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	m0 := mark()
	if _, err := s.InspectDeliveries(ctx, store.InspectQuery{Limit: 10}); err != nil {
		t.Fatal(err)
	}
	if _, err := other.MaxEventSeq(ctx); err != nil {
		t.Fatal(err)
	}
	if m := mark(); m != m0 {
		t.Errorf("mark moved from %q to %q with nothing committed", m0, m)
	}
	ev := &store.Event{Type: "card.created", Provider: "bond", Payload: []byte(`{}`), ContentType: "application/json"}
	if err := s.CreateEvent(ctx, ev, nil); err != nil {
		t.Fatal(err)
	}
	m1 := mark()
	if m1 == m0 {
		t.Errorf("mark stayed %q after this store's writer committed", m1)
	}
	ev2 := &store.Event{Type: "card.updated", Provider: "bond", Payload: []byte(`{}`), ContentType: "application/json"}
	if err := other.CreateEvent(ctx, ev2, nil); err != nil {
		t.Fatal(err)
	}
	if m := mark(); m == m1 {
		t.Errorf("mark stayed %q after another store on the file committed", m)
	}
}
