package signature

import (
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"hash"
	"math/rand/v2"
	"net/http"
	"strings"
	"testing"
	"time"
)

// secretFor returns a fixed valid secret of the scheme's form.
func secretFor(scheme string) string {
	switch scheme {
	case "standard-ed25519":
		return "whsk_" + "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=" // 32-byte seed 0..31
	case "mambu":
		return "hookctl:s3cret-password"
	}
	return "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
}

func otherSecretFor(scheme string) string {
	switch scheme {
	case "standard-ed25519":
		return "whsk_" + "HwAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="
	case "mambu":
		return "hookctl:wrong-password"
	}
	return "whsec_plJ3nmyCDGBKInavdOK15jsl"
}

var signedAt = time.Unix(1700000000, 0)

func signFor(t *testing.T, s Scheme, body string, secrets ...string) http.Header {
	t.Helper()
	if len(secrets) == 0 {
		secrets = []string{secretFor(s.Name())}
	}
	h, err := s.Sign(SignInput{Secrets: secrets, ID: "msg_2mEVhHi4JtXkJ3c4Ep7v3Ad4zzk", Timestamp: signedAt, Body: []byte(body), EventType: "card.created"})
	if err != nil {
		t.Fatalf("%s: sign: %v", s.Name(), err)
	}
	return h
}

func TestRoundTripEveryScheme(t *testing.T) {
	bodies := []string{`{"event":"card.created","card":{"id":"c_1","amount":12.5,"name":"Zoë ☃ 😀"}}`, "", "not json\n", "\x00\xff binary"}
	for _, name := range Names() {
		s := mustLookup(t, name)
		for _, body := range bodies {
			h := signFor(t, s, body)
			for _, now := range []time.Time{signedAt, signedAt.Add(4 * time.Minute), signedAt.Add(-4 * time.Minute)} {
				if err := s.Verify(VerifyInput{Secrets: []string{secretFor(name)}, Header: h, Body: []byte(body), Now: now}); err != nil {
					t.Errorf("%s body %q now %v: %v", name, body, now.Sub(signedAt), err)
				}
			}
			if d, ok := Detect(h); !ok || d.Name() != name {
				t.Errorf("%s: Detect(%v) = %v, %v", name, h, d, ok)
			}
			// Rotation: either secret verifies; the secret list order does not matter.
			if err := s.Verify(VerifyInput{Secrets: []string{otherSecretFor(name), secretFor(name)}, Header: h, Body: []byte(body), Now: signedAt}); err != nil {
				t.Errorf("%s rotation: %v", name, err)
			}
		}
	}
}

func TestSignSeveralSecretsForRotation(t *testing.T) {
	for _, name := range []string{"standard", "standard-ed25519", "stripe"} {
		s := mustLookup(t, name)
		h := signFor(t, s, "{}", otherSecretFor(name), secretFor(name))
		for _, secret := range []string{secretFor(name), otherSecretFor(name)} {
			if err := s.Verify(VerifyInput{Secrets: []string{secret}, Header: h, Body: []byte("{}"), Now: signedAt}); err != nil {
				t.Errorf("%s: secret %s: %v", name, secret, err)
			}
		}
	}
}

func TestRejections(t *testing.T) {
	body := `{"event":"card.created"}`
	for _, name := range Names() {
		s := mustLookup(t, name)
		h := signFor(t, s, body)
		check := func(what string, in VerifyInput, want Reason) {
			t.Helper()
			if in.Header == nil {
				in.Header = h
			}
			if in.Secrets == nil {
				in.Secrets = []string{secretFor(name)}
			}
			if in.Body == nil {
				in.Body = []byte(body)
			}
			if in.Now.IsZero() {
				in.Now = signedAt
			}
			err := s.Verify(in)
			if got := reasonOf(err); got != want {
				t.Errorf("%s %s: got %v (%v), want %s", name, what, got, err, want)
			}
		}
		signedBody := name != "mono" && name != "mambu"
		if signedBody {
			check("tampered body", VerifyInput{Body: []byte(`{"event":"card.created" }`)}, ReasonNoMatch)
			check("truncated body", VerifyInput{Body: []byte(body[:len(body)-1])}, ReasonNoMatch)
		}
		check("wrong secret", VerifyInput{Secrets: []string{otherSecretFor(name)}}, ReasonNoMatch)
		check("no headers", VerifyInput{Header: http.Header{}}, ReasonMissingHeader)
		switch name {
		case "standard", "svix", "standard-ed25519", "stripe", "bond", "slack":
			check("stale", VerifyInput{Now: signedAt.Add(time.Hour)}, ReasonTooOld)
			check("custom tolerance", VerifyInput{Now: signedAt.Add(time.Hour), Tolerance: 2 * time.Hour}, "")
			check("no tolerance", VerifyInput{Now: signedAt.Add(24 * time.Hour), Tolerance: NoTolerance}, "")
			if name == "stripe" { // Stripe checks the past only
				check("future", VerifyInput{Now: signedAt.Add(-time.Hour)}, "")
			} else {
				check("future", VerifyInput{Now: signedAt.Add(-time.Hour)}, ReasonTooNew)
			}
		default:
			check("no timestamp: old is fine", VerifyInput{Now: signedAt.Add(1000 * time.Hour)}, "")
		}
		// Every header the scheme sets, removed or garbled one at a time.
		for k := range h {
			if k == hGitHubEvent || k == hGitHubDelivery || k == hShopifyTopic || k == hShopifyWebhookID || k == hHubSig {
				continue // informational
			}
			hh := h.Clone()
			hh.Del(k)
			if k == hHubSig256 {
				// The legacy sha1 signature still verifies on its own.
				check("without "+k, VerifyInput{Header: hh}, "")
				hh.Del(hHubSig)
			}
			check("without "+k, VerifyInput{Header: hh}, ReasonMissingHeader)
		}
	}
}

func TestMalformedHeaders(t *testing.T) {
	cases := []struct {
		scheme string
		header http.Header
		want   Reason
	}{
		{"standard", hdr("webhook-id", "m", "webhook-timestamp", "soon", "webhook-signature", "v1,abc"), ReasonMalformedHeader},
		{"standard", hdr("webhook-id", "m", "webhook-timestamp", "1700000000", "webhook-signature", "garbage"), ReasonMalformedHeader},
		{"standard", hdr("webhook-id", "m", "webhook-timestamp", "1700000000", "webhook-signature", "v2,abc"), ReasonNoMatch},
		{"standard", hdr("webhook-id", "m", "webhook-timestamp", "-5", "webhook-signature", "v1,abc"), ReasonMalformedHeader},
		{"standard-ed25519", hdr("webhook-id", "m", "webhook-timestamp", "1700000000", "webhook-signature", "v1a"), ReasonMalformedHeader},
		{"stripe", hdr("Stripe-Signature", "v1=abcd"), ReasonMalformedHeader},
		{"stripe", hdr("Stripe-Signature", "t=1700000000"), ReasonMalformedHeader},
		{"stripe", hdr("Stripe-Signature", "t=now,v1=ab"), ReasonMalformedHeader},
		{"stripe", hdr("Stripe-Signature", "t=1700000000,v1"), ReasonMalformedHeader},
		{"stripe", hdr("Stripe-Signature", "t=1700000000,v1=zz"), ReasonNoMatch},
		{"bond", hdr("Bond-Signature", "t=1700000000"), ReasonMalformedHeader},
		{"github", hdr("X-Hub-Signature-256", "md5=abcd"), ReasonMalformedHeader},
		{"github", hdr("X-Hub-Signature-256", "sha256=xyz"), ReasonMalformedHeader},
		{"github", hdr("X-Hub-Signature", "sha1=abcd"), ReasonMalformedHeader},
		{"paystack", hdr("x-paystack-signature", "abcd"), ReasonMalformedHeader},
		{"shopify", hdr("X-Shopify-Hmac-Sha256", "not base64!"), ReasonMalformedHeader},
		{"slack", hdr("X-Slack-Signature", "v1=ab", "X-Slack-Request-Timestamp", "1700000000"), ReasonMalformedHeader},
		{"slack", hdr("X-Slack-Signature", "v0=ab", "X-Slack-Request-Timestamp", "x"), ReasonMalformedHeader},
		{"mambu", hdr("x-notifications-idempotency-key", "k", "Authorization", "Bearer x"), ReasonMalformedHeader},
		{"mambu", hdr("x-notifications-idempotency-key", "k", "Authorization", "Basic !!!"), ReasonMalformedHeader},
	}
	for _, c := range cases {
		err := mustLookup(t, c.scheme).Verify(VerifyInput{Secrets: []string{secretFor(c.scheme)}, Header: c.header, Body: []byte("{}"), Now: signedAt})
		if got := reasonOf(err); got != c.want {
			t.Errorf("%s %v: got %q (%v), want %q", c.scheme, c.header, got, err, c.want)
		}
	}
}

func TestStaleMessageSaysOtherwiseValid(t *testing.T) {
	s := mustLookup(t, "standard")
	h := signFor(t, s, "{}")
	err := s.Verify(VerifyInput{Secrets: []string{secretFor("standard")}, Header: h, Body: []byte("{}"), Now: signedAt.Add(2 * time.Hour)})
	ve, ok := err.(*VerifyError)
	if !ok || ve.Reason != ReasonTooOld || !ve.SignatureValid || ve.Skew != 2*time.Hour-5*time.Minute {
		t.Fatalf("got %#v", err)
	}
	want := "timestamp too old: signed 2h ago (2023-11-14T22:13:20Z), 1h55m beyond the 5m tolerance; the signature is otherwise valid"
	if ve.Msg != want {
		t.Errorf("message\n got %q\nwant %q", ve.Msg, want)
	}
	// A stale message with a wrong signature reports the mismatch first:
	// fixing the clock would not help.
	err = s.Verify(VerifyInput{Secrets: []string{otherSecretFor("standard")}, Header: h, Body: []byte("{}"), Now: signedAt.Add(2 * time.Hour)})
	if reasonOf(err) != ReasonNoMatch {
		t.Errorf("got %v", err)
	}
}

func TestHumanDuration(t *testing.T) {
	for d, want := range map[time.Duration]string{0: "0s", 45 * time.Second: "45s", 5 * time.Minute: "5m",
		270 * time.Second: "4m30s", 5*time.Hour + 3*time.Minute: "5h3m", 3 * time.Hour: "3h",
		50 * time.Hour: "2 days 2h", 72 * time.Hour: "3 days"} {
		if got := humanDuration(d); got != want {
			t.Errorf("%v: got %q, want %q", d, got, want)
		}
	}
}

func TestBadSecrets(t *testing.T) {
	cases := []struct{ scheme, secret, msg string }{
		{"standard", "whsec_not*base64", "whsec_ followed by base64"},
		{"standard", "", "empty"},
		{"standard", "whsec_abc def", "whsec_ followed by base64"},
		{"github", " secret", "whitespace"},
		{"stripe", "whsec_x\n", "line break"},
		{"standard-ed25519", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "whsk_"},
		{"standard-ed25519", "whpk_AAAA", "32 bytes"},
		{"mambu", ":password", "user is empty"},
	}
	for _, c := range cases {
		err := ValidateSecret(c.scheme, c.secret)
		if reasonOf(err) != ReasonBadSecret || !strings.Contains(err.Error(), c.msg) {
			t.Errorf("ValidateSecret(%s, %q) = %v, want %q", c.scheme, c.secret, err, c.msg)
		}
	}
	// Verify reports a bad secret the same way.
	s := mustLookup(t, "standard")
	h := signFor(t, s, "{}")
	if err := s.Verify(VerifyInput{Secrets: []string{"whsec_***"}, Header: h, Body: []byte("{}"), Now: signedAt}); reasonOf(err) != ReasonBadSecret {
		t.Errorf("got %v", err)
	}
	// A secret that will sign: the whpk_ public key verifies but cannot.
	pk := "whpk_1SiA4o9hyqTCpIqC5V9HUakiiaeACeqfZTInDBbOir4="
	if err := ValidateSecret("standard-ed25519", pk); err != nil {
		t.Errorf("ValidateSecret(whpk_) = %v", err)
	}
	if err := ValidateSigningSecret("standard-ed25519", pk); reasonOf(err) != ReasonBadSecret || !strings.Contains(err.Error(), "a whpk_ public key verifies but cannot sign") {
		t.Errorf("ValidateSigningSecret(whpk_) = %v", err)
	}
	if err := ValidateSigningSecret("standard", "whsec_not*base64"); reasonOf(err) != ReasonBadSecret {
		t.Errorf("ValidateSigningSecret(standard) = %v", err)
	}
	// Signing with the public key is refused with a clear message.
	_, err := mustLookup(t, "standard-ed25519").Sign(SignInput{Secrets: []string{"whpk_1SiA4o9hyqTCpIqC5V9HUakiiaeACeqfZTInDBbOir4="}, ID: "m", Body: nil})
	if err == nil || !strings.Contains(err.Error(), "private key") {
		t.Errorf("got %v", err)
	}
}

func TestGenerateSecretFitsScheme(t *testing.T) {
	for _, name := range append(Names(), "auto") {
		a, err := GenerateSecret(name)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := GenerateSecret(name)
		if a == b {
			t.Errorf("%s: two secrets are equal", name)
		}
		if err := ValidateSecret(name, a); err != nil {
			t.Errorf("%s: generated %q is invalid: %v", name, a, err)
		}
		if name == "auto" {
			continue
		}
		s := mustLookup(t, name)
		h, err := s.Sign(SignInput{Secrets: []string{a}, ID: "m", Timestamp: signedAt, Body: []byte("x")})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		verifyWith := a
		if name == "standard-ed25519" {
			if verifyWith, err = PublicKey(a); err != nil || !strings.HasPrefix(verifyWith, "whpk_") {
				t.Fatalf("PublicKey: %q %v", verifyWith, err)
			}
		}
		if err := s.Verify(VerifyInput{Secrets: []string{verifyWith}, Header: h, Body: []byte("x"), Now: signedAt}); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	if s, _ := GenerateSecret("standard"); !strings.HasPrefix(s, "whsec_") || len(s) != 6+44 {
		t.Errorf("standard secret %q", s)
	}
}

func TestPooledHMACMatchesCryptoHMAC(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, c := range []struct {
		algo *macAlgo
		h    func() hash.Hash
	}{{hmacSHA256, sha256.New}, {hmacSHA512, sha512.New}, {hmacSHA1, sha1.New}} {
		for _, klen := range []int{0, 1, 24, 63, 64, 65, 127, 128, 129, 300} {
			key := make([]byte, klen)
			msg := make([]byte, r.IntN(500))
			for i := range key {
				key[i] = byte(r.Uint32())
			}
			for i := range msg {
				msg[i] = byte(r.Uint32())
			}
			want := hmac.New(c.h, key)
			want.Write(msg)
			st := c.algo.get()
			got := bodyMAC(c.algo, st, string(key), msg)
			if !hmac.Equal(got, want.Sum(nil)) {
				t.Errorf("key %d bytes: mismatch", klen)
			}
			c.algo.put(st)
		}
	}
}

func TestIDHeaderAndEventID(t *testing.T) {
	for _, name := range Names() {
		s := mustLookup(t, name)
		h := signFor(t, s, "{}")
		id := IDHeader(name)
		got := EventIDFromHeaders(h)
		if id == "" {
			if got != "" {
				t.Errorf("%s: no id header, but EventIDFromHeaders = %q", name, got)
			}
			continue
		}
		if h.Get(id) != "msg_2mEVhHi4JtXkJ3c4Ep7v3Ad4zzk" || got != "msg_2mEVhHi4JtXkJ3c4Ep7v3Ad4zzk" {
			t.Errorf("%s: id header %q = %q, EventIDFromHeaders = %q", name, id, h.Get(id), got)
		}
	}
	if got := EventIDFromHeaders(hdr("svix-id", "msg_1")); got != "msg_1" {
		t.Errorf("svix-id: %q", got)
	}
	if got := EventIDFromHeaders(hdr("Idempotency-Key", "k1")); got != "k1" {
		t.Errorf("Idempotency-Key: %q", got)
	}
	if got := EventIDFromHeaders(http.Header{"webhook-id": {"raw"}}); got != "raw" {
		t.Errorf("non-canonical map: %q", got)
	}
}

func TestLookupDescribeDetect(t *testing.T) {
	for _, name := range Names() {
		if Describe(name) == "" {
			t.Errorf("%s has no description", name)
		}
	}
	if _, err := Lookup("STRIPE"); err != nil {
		t.Error(err)
	}
	_, err := Lookup("stripey")
	if ue, ok := err.(*ErrUnknownScheme); !ok || len(ue.Hints()) != 2 || ue.Hints()[0] != `did you mean "stripe"?` ||
		!strings.Contains(ue.Hints()[1], "standard-ed25519") {
		t.Errorf("got %v", err)
	}
	if _, ok := Detect(http.Header{"Content-Type": {"application/json"}}); ok {
		t.Error("detected a scheme from no signature headers")
	}
	// A mambu idempotency key next to a real signature does not win.
	h := hdr("x-notifications-idempotency-key", "k", "Stripe-Signature", "t=1,v1=00")
	if d, _ := Detect(h); d.Name() != "stripe" {
		t.Errorf("got %s", d.Name())
	}
	if d, _ := Detect(hdr("svix-signature", "v1,abc")); d.Name() != "svix" {
		t.Errorf("got %s", d.Name())
	}
	if d, _ := Detect(hdr("svix-signature", "v1,abc", "webhook-signature", "v1,abc")); d.Name() != "standard" {
		t.Errorf("both sets: got %s", d.Name())
	}
}

func TestForProvider(t *testing.T) {
	for p, want := range map[string]string{"bond": "bond", "mono": "mono", "mambu": "mambu", "saas": "stripe", "standard": "standard"} {
		if s, ok := ForProvider(p); !ok || s.Name() != want {
			t.Errorf("%s: got %v", p, s)
		}
	}
	if _, ok := ForProvider("acme"); ok {
		t.Error("unknown provider has a scheme")
	}
}

// A pair header with whitespace between its pairs is refused: Stripe's
// libraries (node, python, go) match "v1" exactly, ignore " v1=…" and fail,
// so accepting it would pass a sender that real receivers reject.
func TestPairHeaderWhitespaceRefused(t *testing.T) {
	body := []byte(`{"id":"evt_1","object":"event"}`)
	now := time.Unix(1614265330, 0)
	for _, name := range []string{"stripe", "bond"} {
		s, err := Lookup(name)
		if err != nil {
			t.Fatal(err)
		}
		secret := secretFor(name)
		h, err := s.Sign(SignInput{Secrets: []string{secret}, Body: body, Timestamp: now})
		if err != nil {
			t.Fatal(err)
		}
		hname := map[string]string{"stripe": "Stripe-Signature", "bond": "Bond-Signature"}[name]
		good := h.Get(hname)
		if err := s.Verify(VerifyInput{Secrets: []string{secret}, Header: hdr(hname, good), Body: body, Now: now}); err != nil {
			t.Fatalf("%s: the signed header does not verify: %v", name, err)
		}
		spaced := strings.ReplaceAll(good, ",", ", ")
		err = s.Verify(VerifyInput{Secrets: []string{secret}, Header: hdr(hname, spaced), Body: body, Now: now})
		if err == nil || !strings.Contains(err.Error(), "whitespace around") {
			t.Fatalf("%s: %q verified or said something else: %v", name, spaced, err)
		}
	}
}
