package listen

import (
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/store"
)

// TestSmallfixCodecInsecure: a forward's attempt sent with --skip-verify
// (Attempt.Insecure) comes back from the journal so (a listen that crashed
// is imported by another process, which knows nothing of its flags), and a
// record without it is encoded byte for byte as before the flag was kept
// (a delivery flagged 1), so journals of either kind read the same.
func TestSmallfixCodecInsecure(t *testing.T) {
	now := time.Date(2026, 12, 6, 4, 0, 0, 0, time.UTC)
	rec := func(insecure bool) *Record {
		return &Record{
			Event:    store.Event{ID: "e1", Type: "a.b", Payload: []byte(`{}`), Source: "received", CreatedAt: now},
			Delivery: &store.Delivery{ID: "d1", Kind: store.KindForward, URL: "https://x/y", Method: "POST", MaxAttempts: 1, Schedule: "0s", CreatedAt: now},
			Attempt:  &store.Attempt{Number: 1, StartedAt: now, RequestURL: "https://x/y", RequestMethod: "POST", ResponseStatus: 200, Insecure: insecure},
			Update:   store.DeliveryUpdate{Status: "succeeded", LastStatus: 200},
		}
	}
	plain, insecure := appendRecord(nil, rec(false)), appendRecord(nil, rec(true))
	if len(plain) != len(insecure) {
		t.Fatalf("encodings: %q\n%q", plain, insecure)
	}
	diff := -1
	for k := range plain {
		if plain[k] != insecure[k] {
			if diff >= 0 {
				t.Fatalf("encodings differ at %d and %d:\n%q\n%q", diff, k, plain, insecure)
			}
			diff = k
		}
	}
	if diff < 0 || plain[diff] != 1 || insecure[diff] != 2 {
		t.Fatalf("the delivery flag: %d in %q, %q", diff, plain, insecure)
	}
	for _, want := range []bool{false, true} {
		got, err := decodeRecord(appendRecord(nil, rec(want)))
		if err != nil {
			t.Fatal(err)
		}
		if got.Attempt == nil || got.Attempt.Insecure != want {
			t.Errorf("decoded insecure=%v: %+v", want, got.Attempt)
		}
	}
}
