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
