package signature_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-github/v84/github"
	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"
	"github.com/stripe/stripe-go/v85/webhook"

	"github.com/hookctl/hookctl/internal/signature"
)

// Benchmarks of every scheme, and of the reference libraries on the same
// input (names ref-*): bench/signature.sh prints them side by side.

// benchBody is a realistic ~1 KiB event.
var benchBody = []byte(`{"type":"transactions","timestamp":"2024-05-01T12:00:00.154286+00:00","data":{"transaction":{"transaction_id":"7f0d2c1e-9a3b-4c5d-8e6f-0a1b2c3d4e5f","previous_transaction_id":null,"customer_id":"931e2341-c3eb-4681-97d4-f6e09d90da14","account_id":"b1c2d3e4-f5a6-4b7c-8d9e-0f1a2b3c4d5e","payment_type":"card","transaction_type":"POS Purchase","state":"completed","amount":"12.50","fee":"0.00","currency":"USD","created_time":"2024-05-01T11:59:58.000000+00:00","updated_time":"2024-05-01T12:00:00.000000+00:00","balances":{"prior_balance":"100.00","new_balance":"87.50"},"details":{"merchant_name":"Corner Coffee","merchant_category_code":"5814","merchant_city":"Brooklyn","merchant_state":"NY","merchant_country":"USA","card_id":"c8d9e0f1-a2b3-4c4d-9e5f-6a7b8c9d0e1f","last_four":"4242","authorization_code":"A1B2C3","network":"visa","entry_mode":"contactless","description":"Latte and croissant","memo":"","tags":["food","morning"]}}}}`)

const benchID = "msg_2mEVhHi4JtXkJ3c4Ep7v3Ad4zzk"

func benchSecret(name string) string {
	switch name {
	case "standard-ed25519":
		return "whsk_AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="
	case "mambu":
		return "hookctl:s3cret-password"
	}
	return "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
}

func BenchmarkSign(b *testing.B) {
	now := time.Now()
	for _, name := range signature.Names() {
		s, _ := signature.Lookup(name)
		in := signature.SignInput{Secrets: []string{benchSecret(name)}, ID: benchID, Timestamp: now, Body: benchBody, EventType: "transactions"}
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(benchBody)))
			for b.Loop() {
				if _, err := s.Sign(in); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	b.Run("ref-standard-webhooks", func(b *testing.B) {
		wh, _ := standardwebhooks.NewWebhook(benchSecret("standard"))
		b.ReportAllocs()
		b.SetBytes(int64(len(benchBody)))
		for b.Loop() {
			if _, err := wh.Sign(benchID, now, benchBody); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("ref-stripe-go", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(benchBody)))
		for b.Loop() {
			webhook.GenerateTestSignedPayload(&webhook.UnsignedPayload{Payload: benchBody, Secret: benchSecret("stripe"), Timestamp: now})
		}
	})
}

func BenchmarkVerify(b *testing.B) {
	now := time.Now()
	headers := map[string]http.Header{}
	for _, name := range signature.Names() {
		s, _ := signature.Lookup(name)
		h, err := s.Sign(signature.SignInput{Secrets: []string{benchSecret(name)}, ID: benchID, Timestamp: now, Body: benchBody, EventType: "transactions"})
		if err != nil {
			b.Fatal(err)
		}
		headers[name] = h
		in := signature.VerifyInput{Secrets: []string{benchSecret(name)}, Header: h, Body: benchBody, Now: now}
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(benchBody)))
			for b.Loop() {
				if err := s.Verify(in); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	// bond's legacy v1 path: re-serialise the body, then HMAC.
	b.Run("bond-v1-only", func(b *testing.B) {
		s, _ := signature.Lookup("bond")
		full := headers["bond"].Get("Bond-Signature")
		v1 := full[:strings.Index(full, ",v2=")]
		in := signature.VerifyInput{Secrets: []string{benchSecret("bond")}, Header: http.Header{"Bond-Signature": {v1}}, Body: benchBody, Now: now}
		b.ReportAllocs()
		b.SetBytes(int64(len(benchBody)))
		for b.Loop() {
			if err := s.Verify(in); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("ref-standard-webhooks", func(b *testing.B) {
		wh, _ := standardwebhooks.NewWebhook(benchSecret("standard"))
		h := headers["standard"]
		b.ReportAllocs()
		b.SetBytes(int64(len(benchBody)))
		for b.Loop() {
			if err := wh.Verify(benchBody, h); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("ref-stripe-go", func(b *testing.B) {
		sig := headers["stripe"].Get("Stripe-Signature")
		b.ReportAllocs()
		b.SetBytes(int64(len(benchBody)))
		for b.Loop() {
			if err := webhook.ValidatePayload(benchBody, sig, benchSecret("stripe")); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("ref-go-github", func(b *testing.B) {
		sig := headers["github"].Get("X-Hub-Signature-256")
		secret := []byte(benchSecret("github"))
		b.ReportAllocs()
		b.SetBytes(int64(len(benchBody)))
		for b.Loop() {
			if err := github.ValidateSignature(sig, benchBody, secret); err != nil {
				b.Fatal(err)
			}
		}
	})
}
