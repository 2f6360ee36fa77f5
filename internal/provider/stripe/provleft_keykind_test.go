package stripe_test

import (
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"

	"github.com/hookctl/hookctl/internal/serve/servetest"
)

// TestProvleftWrongKindOfKey: Stripe refuses a publishable key (401
// secret_key_required) and a webhook signing secret (401 Invalid API
// Key) on its API, the two keys commonly sent in place of the secret
// key; serve took any key without --api-key, so the mix-up passed here
// and failed at Stripe. A secret or restricted key, test or live, is
// still taken.
func TestProvleftWrongKindOfKey(t *testing.T) {
	e := servetest.Start(t, nil)
	for _, tc := range []struct{ key, code, want string }{
		{"pk_test_51abcdefgh", "secret_key_required", "cannot be made with a publishable API key"},
		{"pk_live_51abcdefgh", "secret_key_required", "cannot be made with a publishable API key"},
		{"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "", "Invalid API Key provided: whsec_****LaSw"},
	} {
		for _, hdr := range []map[string]string{{"Authorization": "Bearer " + tc.key}, {"Authorization": "Basic " + basic(tc.key+":")}} {
			code, body := e.Do("GET", "/v1/webhook_endpoints", hdr, nil)
			var got struct {
				Error struct{ Type, Code, Message string }
			}
			json.Unmarshal(body, &got)
			if code != 401 || got.Error.Code != tc.code || got.Error.Type != "invalid_request_error" || !strings.Contains(got.Error.Message, tc.want) {
				t.Errorf("%s (%s): %d %s, want 401 %q", tc.key, hdr["Authorization"][:6], code, body, tc.want)
			}
		}
	}
	for _, key := range []string{"sk_test_abc", "rk_test_abc", "sk_live_abc"} {
		if code, body := e.Do("GET", "/v1/webhook_endpoints", map[string]string{"Authorization": "Bearer " + key}, nil); code != 200 {
			t.Errorf("%s: %d %s", key, code, body)
		}
	}
}

func basic(userpass string) string { return base64.StdEncoding.EncodeToString([]byte(userpass)) }
