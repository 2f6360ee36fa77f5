package check_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tidwall/gjson"

	"github.com/hookctl/hookctl/internal/check"
	"github.com/hookctl/hookctl/internal/signature"
)

// TestFidelityOutOfOrderObjectTimes: the two events of tolerates-out-of-order
// describe one object whose creation time is one instant, that of the
// older event. A receiver that takes an object's creation time as fixed
// (and refuses, 422, an event contradicting what it knows) accepts both,
// and an object's update time in the newer event is later than in the
// older one. Before, the newer event's object was created when the newer
// event was built: Stripe's dispute said created T in
// charge.dispute.closed and T-1min in charge.dispute.created, GitHub's
// issue created_at likewise, and the check failed this correct receiver;
// Mono's account_updated said the account was created a minute after
// account_connected connected it.
func TestFidelityOutOfOrderObjectTimes(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ provider, scheme, secret, obj, created, updated string }{
		{"stripe", "stripe", stripeSecret, "data.object.id", "data.object.created", ""},
		{"github", "github", "It's a Secret to Everybody", "issue.id", "issue.created_at", "issue.updated_at"},
		{"mono", "mono", "mono_sec_0123456789abcdef", "data.account._id", "data.account.created_at", "data.account.updated_at"},
	} {
		t.Run(tc.provider, func(t *testing.T) {
			t.Parallel()
			sch, err := signature.Lookup(tc.scheme)
			if err != nil {
				t.Fatal(err)
			}
			var mu sync.Mutex
			created := map[string]string{}
			var bodies [][]byte
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				body, _ := io.ReadAll(r.Body)
				if err := sch.Verify(signature.VerifyInput{Secrets: []string{tc.secret}, Header: r.Header, Body: body, Now: time.Now()}); err != nil {
					http.Error(w, err.Error(), http.StatusUnauthorized)
					return
				}
				mu.Lock()
				defer mu.Unlock()
				bodies = append(bodies, body)
				obj, at := gjson.GetBytes(body, tc.obj).String(), gjson.GetBytes(body, tc.created).Raw
				if obj == "" || at == "" {
					w.WriteHeader(http.StatusOK)
					return
				}
				if known, ok := created[obj]; ok && known != at {
					http.Error(w, obj+" was created at "+known+", not "+at, http.StatusUnprocessableEntity)
					return
				}
				created[obj] = at
				w.WriteHeader(http.StatusOK)
			}))
			defer srv.Close()
			r := hookctl(t, nil, "check", srv.URL, "--provider", tc.provider, "--secret", tc.secret, "--only", check.ToleratesOutOfOrder, "-o", "json")
			if r.code != 0 || r.report == nil || len(r.report.Checks) != 1 || r.report.Checks[0].Verdict != check.Pass {
				t.Fatalf("want tolerates-out-of-order to pass a receiver that takes an object's creation time as fixed, got\n%s", r.dump())
			}
			mu.Lock()
			defer mu.Unlock()
			if len(bodies) < 2 {
				t.Fatalf("got %d requests, want the pair at least", len(bodies))
			}
			newer, older := bodies[len(bodies)-2], bodies[len(bodies)-1] // the pair comes last
			if tc.updated == "" {
				return
			}
			// The newer event's object: created as of the older event (a
			// minute before it), updated as of the newer one.
			c, err1 := time.Parse(time.RFC3339Nano, gjson.GetBytes(newer, tc.created).Str)
			u, err2 := time.Parse(time.RFC3339Nano, gjson.GetBytes(newer, tc.updated).Str)
			if err1 != nil || err2 != nil || u.Sub(c) != time.Minute {
				t.Errorf("newer event's object: created %s, updated %s: want created a minute before updated", gjson.GetBytes(newer, tc.created).Str, gjson.GetBytes(newer, tc.updated).Str)
			}
			if gjson.GetBytes(older, tc.updated).Exists() &&
				!strings.EqualFold(gjson.GetBytes(older, tc.updated).Str, gjson.GetBytes(newer, tc.created).Str) {
				t.Errorf("older event's object updated %s, want its creation %s", gjson.GetBytes(older, tc.updated).Str, gjson.GetBytes(newer, tc.created).Str)
			}
		})
	}
}
