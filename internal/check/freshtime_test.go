package check

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/catalog"
	"github.com/tidwall/gjson"
)

// TestBurstEventsDistinctByNameAndTime: check tells a Bond receiver to
// recognise an event by its name and occurred_at (Bond sends no id). A
// burst's events built within one microsecond (here a clock that does
// not move) carried the same occurred_at, so a receiver doing just that
// answered 500 "duplicate" to events it had never seen, and check failed
// survives-burst for a receiver that follows its own advice. Fresh
// probes now carry distinct times.
func TestBurstEventsDistinctByNameAndTime(t *testing.T) {
	cat, err := catalog.Load(catalog.Options{})
	if err != nil {
		t.Fatal(err)
	}
	et, err := cat.Lookup("card.created", "bond")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	seen := map[string]bool{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		key := gjson.GetBytes(body, "event").String() + " " + gjson.GetBytes(body, "occurred_at").String()
		mu.Lock()
		dup := seen[key]
		seen[key] = true
		mu.Unlock()
		if dup {
			http.Error(w, "duplicate key value violates unique constraint", http.StatusInternalServerError)
			return
		}
		w.Write([]byte(`{"ok":true}`))
	}))
	defer srv.Close()
	still := time.Date(2026, 12, 6, 5, 0, 0, 0, time.UTC)
	rep, err := Run(context.Background(), Config{URL: srv.URL, Scheme: "bond", Secret: "whsec_XqTEJtniwuEhp0A1c1cTJNsmpR/qgOfB", Provider: "bond",
		Catalog: cat, Event: et, Burst: 10, Now: func() time.Time { return still },
		Selected: map[string]bool{AcceptsValid: true, SurvivesBurst: true}})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range rep.Checks {
		if c.Verdict != Pass {
			t.Errorf("%s %s: %s", c.ID, c.Verdict, c.Detail)
		}
	}
	if len(seen) != 11 {
		t.Errorf("the receiver saw %d distinct events, want 11 (one valid, a burst of 10)", len(seen))
	}
}
