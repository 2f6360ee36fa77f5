package replay

import (
	"errors"
	"testing"

	"github.com/hookctl/hookctl/internal/store"
)

// notPutBack counts what no try put back: a delivery put back by a try
// that failed for others stays put back when the next try fails too (it
// is no longer leased to the replay, so that try does not name it), and a
// try that succeeds clears what earlier ones failed to put back.
func TestFlakehunt2NotPutBackCountsWhatNoTryPutBack(t *testing.T) {
	ds := []*store.Delivery{{ID: "a"}, {ID: "b"}, {ID: "c"}}
	locked := errors.New("database is locked")
	var n notPutBack
	if k, err := n.left(); k != 0 || err != nil {
		t.Fatalf("nothing tried: %d left (%v)", k, err)
	}
	n.note(ds, []string{"a"}, locked) // a restored, b and c not
	n.note(ds, nil, locked)           // nothing this time
	if k, err := n.left(); k != 2 || err != locked {
		t.Fatalf("after two failed tries: %d left (%v), want 2 (b, c) and the store's error", k, err)
	}
	n.note(ds, []string{"b", "c"}, nil)
	if k, _ := n.left(); k != 0 {
		t.Fatalf("after a try that succeeded: %d left, want 0", k)
	}
}
