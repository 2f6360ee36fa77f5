package svix_test

import (
	"strings"
	"testing"

	"github.com/hookctl/hookctl/internal/serve/servetest"
)

// TestProvleftSigningSecretAsToken: an endpoint's signing secret (whsec_…)
// sent as the API token is refused, 401 authentication_failed, as Svix
// refuses it, and so is HTTP Basic auth (curl -u TOKEN:), which Svix does
// not take; serve took any token without --api-key ("Basic …" whole), so
// the mix-up passed here and failed at Svix.
func TestProvleftSigningSecretAsToken(t *testing.T) {
	e := servetest.Start(t, nil)
	code, body := e.Do("GET", "/api/v1/app/", map[string]string{"Authorization": "Bearer whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"}, nil)
	if code != 401 || !strings.Contains(string(body), `"code":"authentication_failed"`) || !strings.Contains(string(body), "signing secret") {
		t.Errorf("whsec_ as the token: %d %s, want 401 authentication_failed naming the mix-up", code, body)
	}
	// curl -u TOKEN: sends HTTP Basic auth, which Svix does not take.
	code, body = e.Do("GET", "/api/v1/app/", map[string]string{"Authorization": "Basic dGVzdHNrX2FiYzo="}, nil)
	if code != 401 || !strings.Contains(string(body), "Bearer") {
		t.Errorf("Basic auth: %d %s, want 401 naming Bearer", code, body)
	}
	if code, body := e.Do("GET", "/api/v1/app/", map[string]string{"Authorization": "Bearer testsk_abc"}, nil); code != 200 {
		t.Errorf("testsk_ token: %d %s", code, body)
	}
}
