package signature_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-github/v84/github"
	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"
	"github.com/stripe/stripe-go/v85/webhook"

	"github.com/hookctl/hookctl/internal/signature"
)

// Cross-checks against the providers' reference libraries, both ways: what
// hookctl signs, they verify; what they sign, hookctl verifies. The
// libraries read the real clock, so these use the current time.

var crossBodies = []string{
	`{"type":"invoice.paid","timestamp":"2024-05-01T12:00:00Z","data":{"id":"in_1","amount":1250}}`,
	`{"test": 2432232314}`,
	"",
	"plain text\nwith a trailing newline\n",
	"{\"name\":\"Zoë ☃\"}",
}

func TestCrossStandardWebhooks(t *testing.T) {
	s, _ := signature.Lookup("standard")
	for _, secret := range []string{"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "whsec_plJ3nmyCDGBKInavdOK15jsl", mustSecret(t, "standard")} {
		ref, err := standardwebhooks.NewWebhook(secret)
		if err != nil {
			t.Fatal(err)
		}
		for i, body := range crossBodies {
			now := time.Now()
			id := fmt.Sprintf("msg_%d", i)
			// hookctl signs, the library verifies.
			h, err := s.Sign(signature.SignInput{Secrets: []string{secret}, ID: id, Timestamp: now, Body: []byte(body)})
			if err != nil {
				t.Fatal(err)
			}
			if err := ref.Verify([]byte(body), h); err != nil {
				t.Errorf("library rejects hookctl's signature: %v", err)
			}
			if err := ref.Verify([]byte(body+"x"), h); err == nil {
				t.Error("library accepts a tampered body")
			}
			// The library signs, hookctl verifies (webhook-* and svix-* names).
			sig, err := ref.Sign(id, now, []byte(body))
			if err != nil {
				t.Fatal(err)
			}
			if sig != h.Get("webhook-signature") {
				t.Errorf("signatures differ: library %q, hookctl %q", sig, h.Get("webhook-signature"))
			}
			for _, p := range []string{"webhook-", "svix-"} {
				rh := http.Header{}
				rh.Set(p+"id", id)
				rh.Set(p+"timestamp", fmt.Sprint(now.Unix()))
				rh.Set(p+"signature", "v1,bm90IHRoaXMgb25l "+sig) // rotation: one stale entry first
				if err := s.Verify(signature.VerifyInput{Secrets: []string{secret}, Header: rh, Body: []byte(body), Now: now}); err != nil {
					t.Errorf("hookctl rejects the library's signature (%s): %v", p, err)
				}
			}
		}
	}
}

func TestCrossStripe(t *testing.T) {
	s, _ := signature.Lookup("stripe")
	for _, secret := range []string{"whsec_test_secret", mustSecret(t, "stripe")} {
		for _, body := range crossBodies {
			now := time.Now()
			h, err := s.Sign(signature.SignInput{Secrets: []string{secret}, Timestamp: now, Body: []byte(body)})
			if err != nil {
				t.Fatal(err)
			}
			if err := webhook.ValidatePayload([]byte(body), h.Get("Stripe-Signature"), secret); err != nil {
				t.Errorf("stripe-go rejects hookctl's signature: %v", err)
			}
			if err := webhook.ValidatePayload([]byte(body), h.Get("Stripe-Signature"), secret+"x"); err == nil {
				t.Error("stripe-go accepts a wrong secret")
			}
			p := webhook.GenerateTestSignedPayload(&webhook.UnsignedPayload{Payload: []byte(body), Secret: secret, Timestamp: now})
			if p.Header != h.Get("Stripe-Signature") {
				t.Errorf("headers differ: stripe-go %q, hookctl %q", p.Header, h.Get("Stripe-Signature"))
			}
			rh := http.Header{}
			rh.Set("Stripe-Signature", p.Header+",v0=6ffbb59b2300aae63f272406069a9788598b792a944a07aba816edb039989a39")
			if err := s.Verify(signature.VerifyInput{Secrets: []string{secret}, Header: rh, Body: []byte(body), Now: now}); err != nil {
				t.Errorf("hookctl rejects stripe-go's signature: %v", err)
			}
		}
	}
	// A full Stripe event goes through ConstructEventWithOptions too.
	body := []byte(`{"id":"evt_1","object":"event","type":"invoice.paid","api_version":"2020-08-27","data":{"object":{}}}`)
	now := time.Now()
	h, _ := s.Sign(signature.SignInput{Secrets: []string{"whsec_test_secret"}, Timestamp: now, Body: body})
	ev, err := webhook.ConstructEventWithOptions(body, h.Get("Stripe-Signature"), "whsec_test_secret", webhook.ConstructEventOptions{IgnoreAPIVersionMismatch: true})
	if err != nil || ev.ID != "evt_1" {
		t.Errorf("ConstructEventWithOptions: %v %v", ev.ID, err)
	}
	// Both sides treat an old timestamp alike.
	old := now.Add(-10 * time.Minute)
	h, _ = s.Sign(signature.SignInput{Secrets: []string{"whsec_test_secret"}, Timestamp: old, Body: body})
	if err := webhook.ValidatePayload(body, h.Get("Stripe-Signature"), "whsec_test_secret"); err != webhook.ErrTooOld {
		t.Errorf("stripe-go: %v", err)
	}
	if err := webhook.ValidatePayloadIgnoringTolerance(body, h.Get("Stripe-Signature"), "whsec_test_secret"); err != nil {
		t.Errorf("stripe-go ignoring tolerance: %v", err)
	}
	err = s.Verify(signature.VerifyInput{Secrets: []string{"whsec_test_secret"}, Header: h, Body: body, Now: now})
	if ve, ok := err.(*signature.VerifyError); !ok || ve.Reason != signature.ReasonTooOld {
		t.Errorf("hookctl: %v", err)
	}
}

func TestCrossGitHub(t *testing.T) {
	s, _ := signature.Lookup("github")
	for _, secret := range []string{"It's a Secret to Everybody", mustSecret(t, "github")} {
		for _, body := range crossBodies {
			h, err := s.Sign(signature.SignInput{Secrets: []string{secret}, ID: "72d3162e-cc78-11e3-81ab-4c9367dc0958", EventType: "push", Body: []byte(body)})
			if err != nil {
				t.Fatal(err)
			}
			for _, name := range []string{github.SHA256SignatureHeader, github.SHA1SignatureHeader} {
				if err := github.ValidateSignature(h.Get(name), []byte(body), []byte(secret)); err != nil {
					t.Errorf("go-github rejects hookctl's %s: %v", name, err)
				}
			}
			if err := github.ValidateSignature(h.Get(github.SHA256SignatureHeader), []byte(body+" "), []byte(secret)); err == nil {
				t.Error("go-github accepts a tampered body")
			}
			// go-github has no signer: hookctl verifies what the protocol
			// sends (sha256 and legacy sha1), checked by go-github above,
			// and requests built for go-github's ValidatePayload.
			req, _ := http.NewRequest("POST", "http://127.0.0.1/", strings.NewReader(body))
			req.Header = h.Clone()
			req.Header.Set("Content-Type", "application/json")
			if _, err := github.ValidatePayload(req, []byte(secret)); err != nil {
				t.Errorf("go-github ValidatePayload: %v", err)
			}
			if github.DeliveryID(req) != "72d3162e-cc78-11e3-81ab-4c9367dc0958" || github.WebHookType(req) != "push" {
				t.Errorf("go-github reads delivery %q type %q", github.DeliveryID(req), github.WebHookType(req))
			}
			sha1Only := http.Header{}
			sha1Only.Set(github.SHA1SignatureHeader, h.Get(github.SHA1SignatureHeader))
			if err := s.Verify(signature.VerifyInput{Secrets: []string{secret}, Header: sha1Only, Body: []byte(body)}); err != nil {
				t.Errorf("legacy sha1: %v", err)
			}
		}
	}
}

func mustSecret(t *testing.T, scheme string) string {
	t.Helper()
	s, err := signature.GenerateSecret(scheme)
	if err != nil {
		t.Fatal(err)
	}
	return s
}
