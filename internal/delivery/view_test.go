package delivery

import (
	"strings"
	"testing"
)

// What subscriptions get masks, deliveries show and trigger -o json mask
// too: Proxy-Authorization and X-Api-Key were printed in full there.
func TestMaskHeadersCredentials(t *testing.T) {
	h := map[string][]string{
		"Authorization":       {"Bearer sk_live_abcdefghijklmnop"},
		"Proxy-Authorization": {"Basic dXNlcjpwYXNzd29yZA=="},
		"X-Api-Key":           {"sk_live_abcdefghijklmnop"},
		"X-Auth-Token":        {"tok_abcdefghijklmnop"},
		"Mono-Webhook-Secret": {"sk_mono_abcdefghijklmnop"},
		"Cookie":              {"session=abcdefghijklmnop"},
		"Idempotency-Key":     {"0b6f5c3e-1c1d-4f4e-9a55-3d1f2c5b7a90"},
		"Content-Type":        {"application/json"},
	}
	got := MaskHeaders(h)
	for k, vs := range h {
		masked := got[k][0] != vs[0]
		want := k != "Idempotency-Key" && k != "Content-Type"
		if masked != want {
			t.Errorf("%s: %q → %q (masked %v, want %v)", k, vs[0], got[k][0], masked, want)
		}
		if masked && strings.Contains(got[k][0], "abcdefghijklmnop") {
			t.Errorf("%s: %q still shows the credential", k, got[k][0])
		}
	}
	if h["X-Api-Key"][0] != "sk_live_abcdefghijklmnop" {
		t.Error("MaskHeaders changed its input")
	}
}
