package signature

import (
	"testing"
	"time"
)

// During a rotation's grace period (Secrets: the new one, then the
// previous) every scheme's request verifies with the previous secret — a
// receiver that has not switched yet drops nothing, as `rotate-secret
// --grace` promises — and one that carries several signatures verifies
// with the new one too. Before, the schemes that carry one signature
// (github, bond, mono, paystack, shopify, slack, mambu) signed with the new
// secret at once, and a receiver still on the old one failed every
// delivery.
func TestRotationPreviousSecretKeepsSigning(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	for _, name := range Names() {
		t.Run(name, func(t *testing.T) {
			sch, err := Lookup(name)
			if err != nil {
				t.Fatal(err)
			}
			old, err := GenerateSecret(name)
			if err != nil {
				t.Fatal(err)
			}
			cur, err := GenerateSecret(name)
			if err != nil {
				t.Fatal(err)
			}
			body := []byte(`{"type":"card.created","data":{"id":"c_1"}}`)
			h, err := sch.Sign(SignInput{Secrets: []string{cur, old}, ID: "msg_1", Timestamp: now, Body: body, EventType: "card.created"})
			if err != nil {
				t.Fatal(err)
			}
			verify := func(secret string) error {
				return sch.Verify(VerifyInput{Secrets: []string{secret}, Header: h, Body: body, Now: now})
			}
			if err := verify(old); err != nil {
				t.Errorf("a receiver still on the previous secret: %v", err)
			}
			// After the grace period only the new one is given.
			h2, err := sch.Sign(SignInput{Secrets: []string{cur}, ID: "msg_2", Timestamp: now, Body: body, EventType: "card.created"})
			if err != nil {
				t.Fatal(err)
			}
			if err := sch.Verify(VerifyInput{Secrets: []string{cur}, Header: h2, Body: body, Now: now}); err != nil {
				t.Errorf("after the grace period, with the new secret: %v", err)
			}
		})
	}
}
