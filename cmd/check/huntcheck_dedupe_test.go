package check_test

import (
	"strings"
	"testing"

	"github.com/hookctl/hookctl/internal/check"
)

// TestDedupeHintNamesProviderKey: dedupes-duplicate's hint names what the
// provider's own requests identify an event by. For Bond it said "the
// event id in the body or the Idempotency-Key header": Bond's events have
// no id and Bond sends no Idempotency-Key (hookctl adds one), so a
// receiver keyed on it passed check and de-duplicated nothing against
// Bond. For Stripe it names the event's evt_ id.
func TestDedupeHintNamesProviderKey(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ provider, scheme, secret, want string }{
		{"bond", "bond", bondSecret, "de-duplicate by the event name and occurred_at in the body (Bond's events carry no id, and Bond sends no Idempotency-Key header) before acting"},
		{"stripe", "stripe", stripeSecret, "de-duplicate by the event's id in the body (evt_…) before acting"},
		{"standard", "standard", stdSecret, "de-duplicate by the event id (webhook-id header) before acting"},
	} {
		t.Run(tc.provider, func(t *testing.T) {
			t.Parallel()
			rc := newReceiver(t, tc.scheme, tc.secret, behaviour{doubleCount: true})
			r := hookctl(t, nil, "check", rc.srv.URL, "--provider", tc.provider, "--secret", tc.secret, "-o", "json",
				"--only", check.DedupesDuplicate+","+check.AcceptsValid, "--effect-cmd", "wc -l < "+rc.effect, "--effect-wait", "1s")
			if r.code != 1 || r.report == nil || len(r.verdicts(check.Fail)) != 1 {
				t.Fatalf("want dedupes-duplicate to fail, got\n%s", r.dump())
			}
			for _, c := range r.report.Checks {
				if c.ID == check.DedupesDuplicate && !strings.HasPrefix(c.Hint, tc.want) {
					t.Errorf("hint %q, want %q", c.Hint, tc.want)
				}
			}
		})
	}
}
