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

// orderedReceiver verifies each event and keeps, per object, the time of
// the newest event it took about it (Bond: card.card_id and occurred_at;
// Stripe: data.object.id and created). An event older than that is
// refused with 409 when refuseOlder, else acknowledged and ignored (what
// a correct receiver does).
func orderedReceiver(t *testing.T, scheme, secret string, refuseOlder bool) *httptest.Server {
	t.Helper()
	sch, err := signature.Lookup(scheme)
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	newest := map[string]time.Time{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if err := sch.Verify(signature.VerifyInput{Secrets: []string{secret}, Header: r.Header, Body: body, Now: time.Now()}); err != nil {
			http.Error(w, err.Error(), http.StatusUnauthorized)
			return
		}
		var obj string
		var at time.Time
		switch scheme {
		case "bond":
			obj = gjson.GetBytes(body, "card.card_id").Str
			at, _ = time.Parse(time.RFC3339Nano, gjson.GetBytes(body, "occurred_at").Str)
		case "stripe":
			obj = gjson.GetBytes(body, "data.object.id").Str
			at = time.Unix(gjson.GetBytes(body, "created").Int(), 0)
		}
		if obj == "" || at.IsZero() {
			w.WriteHeader(http.StatusOK) // not an object this app follows
			return
		}
		mu.Lock()
		defer mu.Unlock()
		if prev, ok := newest[obj]; ok && at.Before(prev) {
			if refuseOlder {
				http.Error(w, "stale: "+obj+" has a newer event", http.StatusConflict)
			} else {
				w.WriteHeader(http.StatusOK) // already past it: acknowledged, ignored
			}
			return
		}
		newest[obj] = at
		w.WriteHeader(http.StatusOK)
	}))
	t.Cleanup(srv.Close)
	return srv
}

// TestOutOfOrderOlderEventIsOlder: the older event of
// tolerates-out-of-order is about the same object as the newer one and
// older by its own times, so a receiver that refuses an event older than
// the newest it has seen of that object fails the check, and one that
// acknowledges it passes. Before, the older event was built after the
// newer one (its occurred_at or created said it happened later), and the
// Stripe pair was charge.updated then charge.dispute.created, about two
// unrelated objects: the refusing receivers passed.
func TestOutOfOrderOlderEventIsOlder(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ provider, scheme, secret, pair string }{
		{"bond", "bond", bondSecret, "card.status.active then card.created"},
		{"stripe", "stripe", stripeSecret, "charge.dispute.closed then charge.dispute.created"},
	} {
		for _, refuse := range []bool{true, false} {
			name := tc.provider + "/acknowledges-older"
			if refuse {
				name = tc.provider + "/refuses-older"
			}
			t.Run(name, func(t *testing.T) {
				t.Parallel()
				srv := orderedReceiver(t, tc.scheme, tc.secret, refuse)
				r := hookctl(t, nil, "check", srv.URL, "--provider", tc.provider, "--secret", tc.secret,
					"--only", check.ToleratesOutOfOrder, "-o", "json")
				if r.report == nil || len(r.report.Checks) != 1 {
					t.Fatalf("got %s", r.dump())
				}
				c := r.report.Checks[0]
				if !strings.HasPrefix(c.Detail, tc.pair+": ") {
					t.Errorf("evidence = %q, want the pair %q", c.Detail, tc.pair)
				}
				if !refuse {
					if r.code != 0 || c.Verdict != check.Pass {
						t.Fatalf("a receiver acknowledging the older event: want PASS, exit 0; got\n%s", r.dump())
					}
					return
				}
				if r.code != 1 || c.Verdict != check.Fail || c.Status != http.StatusConflict {
					t.Fatalf("a receiver refusing the older event: want FAIL on its 409, exit 1; got\n%s", r.dump())
				}
				if !strings.Contains(c.Hint, "accept an older event after a newer one") {
					t.Errorf("hint = %q", c.Hint)
				}
			})
		}
	}
}

// TestOutOfOrderMonoSameAccount: Mono's pair is an account's
// account_updated, then its account_connected, about the same account
// (account_connected names it data.id, account_updated
// data.account._id). A receiver refusing to connect an account it
// already knows (409) fails; before, the two events were about two
// unrelated accounts and it passed.
func TestOutOfOrderMonoSameAccount(t *testing.T) {
	t.Parallel()
	const secret = "mono_sec_0123456789abcdef"
	sch, err := signature.Lookup("mono")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	known := map[string]bool{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if err := sch.Verify(signature.VerifyInput{Secrets: []string{secret}, Header: r.Header, Body: body, Now: time.Now()}); err != nil {
			http.Error(w, err.Error(), http.StatusUnauthorized)
			return
		}
		mu.Lock()
		defer mu.Unlock()
		switch gjson.GetBytes(body, "event").Str {
		case "mono.events.account_updated":
			known[gjson.GetBytes(body, "data.account._id").Str] = true
		case "mono.events.account_connected":
			if id := gjson.GetBytes(body, "data.id").Str; known[id] {
				http.Error(w, "account "+id+" is already connected", http.StatusConflict)
				return
			}
		}
		w.WriteHeader(http.StatusOK)
	}))
	defer srv.Close()
	r := hookctl(t, nil, "check", srv.URL, "--provider", "mono", "--secret", secret, "--only", check.ToleratesOutOfOrder, "-o", "json")
	if r.code != 1 || r.report == nil || len(r.report.Checks) != 1 || r.report.Checks[0].Status != http.StatusConflict {
		t.Fatalf("want tolerates-out-of-order to fail on the 409 of the same account, got\n%s", r.dump())
	}
	if d := r.report.Checks[0].Detail; !strings.HasPrefix(d, "mono.events.account_updated then mono.events.account_connected: ") {
		t.Errorf("evidence %q", d)
	}
}
