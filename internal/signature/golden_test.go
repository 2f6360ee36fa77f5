package signature

import (
	"errors"
	"net/http"
	"testing"
	"time"
)

// The golden vectors of docs/PROVIDERS.md.

func hdr(kv ...string) http.Header {
	h := http.Header{}
	for i := 0; i < len(kv); i += 2 {
		h.Set(kv[i], kv[i+1])
	}
	return h
}

func mustLookup(t testing.TB, name string) Scheme {
	t.Helper()
	s, err := Lookup(name)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func reasonOf(err error) Reason {
	var ve *VerifyError
	if errors.As(err, &ve) {
		return ve.Reason
	}
	return ""
}

func TestGoldenStandard(t *testing.T) {
	cases := []struct {
		secret, id string
		ts         int64
		body, sig  string
	}{
		{"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, `{"test": 2432232314}`, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="},
		{"whsec_plJ3nmyCDGBKInavdOK15jsl", "msg_loFOjxBNrRLzqYUf", 1731705121, `{"event_type":"ping","data":{"success":true}}`, "v1,rAvfW3dJ/X/qxhsaXPOyyCGmRKsaKWcsNccKXlIktD0="},
	}
	s := mustLookup(t, "standard")
	for _, c := range cases {
		h, err := s.Sign(SignInput{Secrets: []string{c.secret}, ID: c.id, Timestamp: time.Unix(c.ts, 0), Body: []byte(c.body)})
		if err != nil {
			t.Fatal(err)
		}
		if got := h.Get("webhook-signature"); got != c.sig {
			t.Errorf("sign %s: got %q, want %q", c.id, got, c.sig)
		}
		now := time.Unix(c.ts+10, 0)
		for _, prefix := range []string{"webhook-", "svix-"} {
			vh := hdr(prefix+"id", c.id, prefix+"timestamp", "1614265330", prefix+"signature", c.sig)
			vh.Set(prefix+"timestamp", h.Get("webhook-timestamp"))
			if err := s.Verify(VerifyInput{Secrets: []string{c.secret}, Header: vh, Body: []byte(c.body), Now: now}); err != nil {
				t.Errorf("verify %s with %s headers: %v", c.id, prefix, err)
			}
		}
		// The same signature with its last character changed must fail.
		bad := c.sig[:len(c.sig)-2] + "A="
		if bad == c.sig {
			bad = c.sig[:len(c.sig)-2] + "B="
		}
		h.Set("webhook-signature", bad)
		err = s.Verify(VerifyInput{Secrets: []string{c.secret}, Header: h, Body: []byte(c.body), Now: now})
		if reasonOf(err) != ReasonNoMatch {
			t.Errorf("tampered signature: got %v, want no match", err)
		}
	}
}

func TestGoldenStandardEd25519(t *testing.T) {
	s := mustLookup(t, "standard-ed25519")
	body := []byte(`{"test": 2432232314}`)
	h := hdr("webhook-id", "msg_p5jXN8AQM9LWM0D4loKWxJek", "webhook-timestamp", "1614265330",
		"webhook-signature", "v1a,hnO3f9T8Ytu9HwrXslvumlUpqtNVqkhqw/enGzPCXe5BdqzCInXqYXFymVJaA7AZdpXwVLPo3mNl8EM+m7TBAg==")
	pub := "whpk_1SiA4o9hyqTCpIqC5V9HUakiiaeACeqfZTInDBbOir4="
	now := time.Unix(1614265330, 0)
	if err := s.Verify(VerifyInput{Secrets: []string{pub}, Header: h, Body: body, Now: now}); err != nil {
		t.Fatalf("golden v1a: %v", err)
	}
	if d, ok := Detect(h); !ok || d.Name() != "standard-ed25519" {
		t.Errorf("Detect = %v, want standard-ed25519", d)
	}
	err := s.Verify(VerifyInput{Secrets: []string{pub}, Header: h, Body: []byte(`{"test": 2432232315}`), Now: now})
	if reasonOf(err) != ReasonNoMatch {
		t.Errorf("tampered body: got %v", err)
	}
}

func TestGoldenStripe(t *testing.T) {
	s := mustLookup(t, "stripe")
	body := []byte(`{"id":"evt_test_webhook","object":"event"}`)
	want := "t=1614265330,v1=3c5817089d739023dd6190f70a3757e04f7a2fd8b5dab12c2e000f51970dccff"
	h, err := s.Sign(SignInput{Secrets: []string{"whsec_test_secret"}, Timestamp: time.Unix(1614265330, 0), Body: body})
	if err != nil {
		t.Fatal(err)
	}
	if got := h.Get("Stripe-Signature"); got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	if err := s.Verify(VerifyInput{Secrets: []string{"whsec_test_secret"}, Header: hdr("Stripe-Signature", want), Body: body, Now: time.Unix(1614265330, 0)}); err != nil {
		t.Error(err)
	}
}

func TestGoldenBond(t *testing.T) {
	s := mustLookup(t, "bond")
	secret := "whsec_XqTEJtniwuEhp0A1c1cTJNsmpR/qgOfB"
	body := []byte(`{"event":"kyc.verification.success","customer_id":"931e2341-c3eb-4681-97d4-f6e09d90da14","occurred_at":"2021-10-20T10:27:20.154286+00:00"}`)
	v1 := "7a72e16377a8c6f1dc494a337aca5f5d1f2e4136fbd6999cb46579b76c39adcd"
	v2 := "555aae9a6ed57fd9a856c87df8bc2f025520dd0de0d4413b515e890f0a3a036e"
	h, err := s.Sign(SignInput{Secrets: []string{secret}, Timestamp: time.Unix(1598980451, 0), Body: body})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := h.Get("Bond-Signature"), "t=1598980451,v1="+v1+",v2="+v2; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	now := time.Unix(1598980451, 0)
	for _, header := range []string{"t=1598980451,v1=" + v1 + ",v2=" + v2, "t=1598980451,v2=" + v2, "t=1598980451,v1=" + v1} {
		if err := s.Verify(VerifyInput{Secrets: []string{secret}, Header: hdr("Bond-Signature", header), Body: body, Now: now}); err != nil {
			t.Errorf("%s: %v", header, err)
		}
	}
	// A wrong v2 fails even when v1 matches: v1 is only a fallback.
	bad := "t=1598980451,v1=" + v1 + ",v2=" + v1
	if err := s.Verify(VerifyInput{Secrets: []string{secret}, Header: hdr("Bond-Signature", bad), Body: body, Now: now}); reasonOf(err) != ReasonNoMatch {
		t.Errorf("wrong v2: got %v", err)
	}
}

func TestGoldenGitHub(t *testing.T) {
	s := mustLookup(t, "github")
	h, err := s.Sign(SignInput{Secrets: []string{"It's a Secret to Everybody"}, Body: []byte("Hello, World!"), ID: "d1", EventType: "push"})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := h.Get("X-Hub-Signature-256"), "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	if h.Get("X-GitHub-Event") != "push" || h.Get("X-GitHub-Delivery") != "d1" {
		t.Errorf("headers %v", h)
	}
	if err := s.Verify(VerifyInput{Secrets: []string{"It's a Secret to Everybody"}, Header: h, Body: []byte("Hello, World!")}); err != nil {
		t.Error(err)
	}
}

func TestGoldenSlack(t *testing.T) {
	s := mustLookup(t, "slack")
	body := []byte("token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c")
	secret := "8f742231b10e8888abcd99yyyzzz85a5"
	h, err := s.Sign(SignInput{Secrets: []string{secret}, Timestamp: time.Unix(1531420618, 0), Body: body})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := h.Get("X-Slack-Signature"), "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	if err := s.Verify(VerifyInput{Secrets: []string{secret}, Header: h, Body: body, Now: time.Unix(1531420618+60, 0)}); err != nil {
		t.Error(err)
	}
}

// Real signatures of "{}" computed with Python's hmac module, for the
// schemes PROVIDERS.md has no vector for.
func TestShopifyPaystackAgainstPython(t *testing.T) {
	secret := []string{"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"}
	h, _ := mustLookup(t, "shopify").Sign(SignInput{Secrets: secret, Body: []byte("{}")})
	if got := h.Get("X-Shopify-Hmac-Sha256"); got != "bLvN8sgBbKhbUFQ7GejhIe8WE3lnvfo85mCXKSK6+us=" {
		t.Errorf("shopify: %s", got)
	}
	h, _ = mustLookup(t, "paystack").Sign(SignInput{Secrets: secret, Body: []byte("{}")})
	if got := h.Get("x-paystack-signature"); got != "93773bc7b17d3d79d723c76412576a2d7a70fd1cd9249881d820b5059d304a898342229e1e17836d1ccb9538ed37c36f009215c67bd241733f7e39525fc22999" {
		t.Errorf("paystack: %s", got)
	}
	h, _ = mustLookup(t, "github").Sign(SignInput{Secrets: []string{"It's a Secret to Everybody"}, Body: []byte("Hello, World!")})
	if got := h.Get("X-Hub-Signature"); got != "sha1=01dc10d0c83e72ed246219cdd91669667fe2ca59" {
		t.Errorf("github sha1: %s", got)
	}
}
