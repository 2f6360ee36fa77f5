package provider

import (
	"net/http/httptest"
	"testing"
)

// "Authorization: Bearer " with no token (a client whose key variable is
// empty) is no credential: it was taken for the key "Bearer", which a
// server without --api-key accepts.
func TestBearerToken(t *testing.T) {
	for h, want := range map[string]string{
		"":                  "",
		"Bearer ":           "",
		"bearer":            "",
		"BEARER   ":         "",
		"Bearer sk_test_1":  "sk_test_1",
		"bearer  tok ":      "tok",
		"sk_test_no_scheme": "sk_test_no_scheme",
	} {
		r := httptest.NewRequest("GET", "/", nil)
		if h != "" {
			r.Header.Set("Authorization", h)
		}
		if got := BearerToken(r); got != want {
			t.Errorf("Authorization %q: %q, want %q", h, got, want)
		}
	}
}

// A validation error's hints that name a CLI flag are not in an API's
// answer (Stripe's said "card.created is sent by bond: use --provider
// bond, or leave --provider out"); a hookctl command to run stays.
func TestInputMessageLeavesOutFlagHints(t *testing.T) {
	got := withHints("the event list is empty", []string{
		"subscribe to at least one event, e.g. --events 'card.*' (see hookctl events list)",
		"card.created is sent by bond: use --provider bond, or leave --provider out",
		`did you mean "card.created"?`,
		"see stripe's events: hookctl events list --provider stripe",
	})
	want := `the event list is empty; did you mean "card.created"?; see stripe's events: hookctl events list --provider stripe`
	if got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}
