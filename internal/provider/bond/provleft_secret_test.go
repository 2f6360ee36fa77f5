package bond_test

import (
	"encoding/base64"
	"strings"
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/serve/servetest"
	"github.com/hookctl/hookctl/internal/store"
)

// TestProvleftSecretsLookLikeBonds: Bond issues whsec_ and 32 base64
// characters (24 bytes; its docs show whsec_XqTEJtniwuEhp0A1c1cTJNsmpR/qgOfB);
// serve's Bond API issued hookctl's 44 (32 bytes). A subscription stored
// with a 44-character secret by an older serve keeps it: GET shows it and
// its deliveries are signed with it.
func TestProvleftSecretsLookLikeBonds(t *testing.T) {
	e := servetest.Start(t, nil)
	bondLike := func(where, secret string) {
		t.Helper()
		rest, ok := strings.CutPrefix(secret, "whsec_")
		b, err := base64.StdEncoding.DecodeString(rest)
		if !ok || len(rest) != 32 || err != nil || len(b) != 24 {
			t.Errorf("%s: secret %q (%d characters after whsec_), want whsec_ and 32 base64 characters as Bond issues", where, secret, len(rest))
		}
	}
	code, body := e.Do("POST", "/api/v0/webhooks/", auth, map[string]any{"events": []string{"kyc.verification.success"}, "callback_url": e.Recv.URL})
	if code != 200 {
		t.Fatalf("v0 create: %d %s", code, body)
	}
	v0 := servetest.JSON(t, body)
	bondLike("v0 create", v0["secret"].(string))
	code, body = e.Do("POST", "/api/v0.1/webhooks", auth, map[string]any{"events": []string{"card.*"}, "url": e.Recv.URL + "/v01"})
	if code != 201 {
		t.Fatalf("v0.1 create: %d %s", code, body)
	}
	bondLike("v0.1 create", servetest.JSON(t, body)["webhook_subscription"].(map[string]any)["secret"].(string))

	// An older serve's 44-character secret goes on working.
	id := v0["webhook_id"].(string)
	const old = "whsec_bmV3c2VjcmV0bmV3c2VjcmV0bmV3c2VjcmV0MTIzNDU2Nzg5MA=="
	if _, err := store.UpdateSubscriptionFunc(t.Context(), e.Store, id, func(s *store.Subscription) error { s.Secret = old; return nil }); err != nil {
		t.Fatal(err)
	}
	code, body = e.Do("GET", "/api/v0/webhooks/"+id, auth, nil)
	if code != 200 || servetest.JSON(t, body)["secret"] != old {
		t.Fatalf("get after the secret was an older serve's: %d %s", code, body)
	}
	code, body = e.Do("POST", "/api/v0.1/simulate/kyc-pass", auth, map[string]string{"customer_id": "cust-old", "program_id": "p"})
	if code != 200 {
		t.Fatalf("simulate: %d %s", code, body)
	}
	got := e.Recv.Next(t, 10*time.Second)
	verifyBond(t, got.Header, got.Body, old)
}
