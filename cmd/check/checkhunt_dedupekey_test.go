package check_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/hookctl/hookctl/internal/check"
)

// TestCheckhuntDedupeKeyEveryEventShares: a receiver that de-duplicates
// by a header the provider does not send (Webhook-Id, where Svix sends
// Svix-Id: "" for every event) acts on the first event only and takes
// every later one for its duplicate. dedupes-duplicate passed it (the
// duplicate took no effect, as no event after the first did); it now
// sends one more new event, which must take effect, and fails naming
// the key. The receiver keyed by the header Svix sends still passes.
func TestCheckhuntDedupeKeyEveryEventShares(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		key  string
		fail bool
	}{{"Webhook-Id", true}, {"Svix-Id", false}} {
		t.Run(tc.key, func(t *testing.T) {
			t.Parallel()
			effect := filepath.Join(t.TempDir(), "processed.log")
			if err := os.WriteFile(effect, nil, 0o644); err != nil {
				t.Fatal(err)
			}
			var mu sync.Mutex
			seen := map[string]bool{}
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				id := r.Header.Get(tc.key)
				mu.Lock()
				dup := seen[id]
				seen[id] = true
				mu.Unlock()
				fmt.Fprintf(w, `{"received":true,"duplicate":%v}`, dup)
				if !dup {
					f, err := os.OpenFile(effect, os.O_APPEND|os.O_WRONLY, 0)
					if err == nil {
						fmt.Fprintln(f, id)
						f.Close()
					}
				}
			}))
			defer srv.Close()
			r := hookctl(t, nil, "check", srv.URL, "--scheme", "svix", "--secret", stdSecret, "--only", "accepts-valid,dedupes-duplicate",
				"--effect-cmd", "wc -l < "+effect, "--effect-wait", "1s", "-o", "json")
			if r.report == nil || len(r.report.Checks) != 2 {
				t.Fatalf("got\n%s", r.dump())
			}
			c := r.report.Checks[1]
			if !tc.fail {
				if r.code != 0 || c.Verdict != check.Pass || !strings.Contains(c.Detail, `then "2" after a new event`) {
					t.Fatalf("keyed by %s: want dedupes-duplicate PASS, the new event's effect in its detail; got\n%s", tc.key, r.dump())
				}
				return
			}
			if r.code != 1 || c.ID != check.DedupesDuplicate || c.Verdict != check.Fail {
				t.Fatalf("keyed by %s: want dedupes-duplicate FAIL, got\n%s", tc.key, r.dump())
			}
			if !strings.Contains(c.Detail, "a new event (id ") || !strings.Contains(c.Detail, `"duplicate":true`) ||
				!strings.Contains(c.Hint, "is its de-duplication key the same for every event") || !strings.Contains(c.Hint, "svix-id header") {
				t.Errorf("dedupes-duplicate: detail %q, hint %q: want the new event that took no effect and the key to use", c.Detail, c.Hint)
			}
		})
	}
}
