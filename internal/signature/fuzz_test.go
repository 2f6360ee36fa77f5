package signature

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"testing"
	"time"
)

// Fuzz targets for every header parser, seeded with real headers. Run
// briefly in CI by .ci/fuzz. Properties: no panic; failures are
// *VerifyError with a known Reason; what we sign verifies.

var knownReasons = map[Reason]bool{ReasonMissingHeader: true, ReasonMalformedHeader: true, ReasonNoMatch: true,
	ReasonTooOld: true, ReasonTooNew: true, ReasonBadSecret: true}

func checkVerifyError(t *testing.T, err error) {
	t.Helper()
	if err == nil {
		return
	}
	var ve *VerifyError
	if !errors.As(err, &ve) || !knownReasons[ve.Reason] || ve.Msg == "" {
		t.Fatalf("not a proper *VerifyError: %#v", err)
	}
}

func fuzzVerify(t *testing.T, scheme string, h http.Header, body []byte) {
	t.Helper()
	s := mustLookup(t, scheme)
	checkVerifyError(t, s.Verify(VerifyInput{Secrets: []string{secretFor(scheme)}, Header: h, Body: body, Now: time.Unix(1614265330, 0)}))
	Detect(h)
	EventIDFromHeaders(h)
}

func FuzzStandardHeaders(f *testing.F) {
	f.Add("msg_p5jXN8AQM9LWM0D4loKWxJek", "1614265330", "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=", []byte(`{"test": 2432232314}`))
	f.Add("msg_loFOjxBNrRLzqYUf", "1731705121", "v1,rAvfW3dJ/X/qxhsaXPOyyCGmRKsaKWcsNccKXlIktD0= v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=", []byte(`{}`))
	f.Add("msg_p5jXN8AQM9LWM0D4loKWxJek", "1614265330", "v1a,hnO3f9T8Ytu9HwrXslvumlUpqtNVqkhqw/enGzPCXe5BdqzCInXqYXFymVJaA7AZdpXwVLPo3mNl8EM+m7TBAg==", []byte(`{"test": 2432232314}`))
	f.Add("", "", "", []byte(nil))
	f.Add("m", "99999999999999", "v1, ,v1 v1,,", []byte("x"))
	f.Fuzz(func(t *testing.T, id, ts, sig string, body []byte) {
		for _, p := range []string{"webhook-", "svix-"} {
			h := http.Header{}
			h.Set(p+"id", id)
			h.Set(p+"timestamp", ts)
			h.Set(p+"signature", sig)
			fuzzVerify(t, "standard", h, body)
			fuzzVerify(t, "standard-ed25519", h, body)
		}
		if id == "" {
			return
		}
		// Round trip with the fuzzed id and body.
		s := mustLookup(t, "standard")
		h, err := s.Sign(SignInput{Secrets: []string{secretFor("standard")}, ID: id, Timestamp: time.Unix(1614265330, 0), Body: body})
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Verify(VerifyInput{Secrets: []string{secretFor("standard")}, Header: h, Body: body, Now: time.Unix(1614265330, 0)}); err != nil && h.Get("webhook-id") == id {
			t.Fatalf("round trip: %v", err)
		}
	})
}

func FuzzPairHeader(f *testing.F) {
	f.Add("t=1614265330,v1=3c5817089d739023dd6190f70a3757e04f7a2fd8b5dab12c2e000f51970dccff")
	f.Add("t=1614265330,v1=3c58,v1=3c5817089d739023dd6190f70a3757e04f7a2fd8b5dab12c2e000f51970dccff,v0=6ffbb59b2300aae63f272406069a9788598b792a944a07aba816edb039989a39")
	f.Add("t=1598980451,v1=7a72e16377a8c6f1dc494a337aca5f5d1f2e4136fbd6999cb46579b76c39adcd,v2=555aae9a6ed57fd9a856c87df8bc2f025520dd0de0d4413b515e890f0a3a036e")
	f.Add("t=,v1==,,=")
	f.Fuzz(func(t *testing.T, header string) {
		p, bad := parsePairHeader(header)
		if bad == "" && !p.hasT {
			t.Fatal("parsed without a timestamp")
		}
		fuzzVerify(t, "stripe", hdr("Stripe-Signature", header), []byte(`{"id":"evt_test_webhook","object":"event"}`))
		fuzzVerify(t, "bond", hdr("Bond-Signature", header), []byte(`{"event":"x"}`))
	})
}

func FuzzGitHubHeader(f *testing.F) {
	f.Add("sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17", "sha1=01dc10d0c83e72ed246219cdd91669667fe2ca59")
	f.Add("sha256=", "sha1")
	f.Fuzz(func(t *testing.T, sig256, sig1 string) {
		fuzzVerify(t, "github", hdr("X-Hub-Signature-256", sig256, "X-Hub-Signature", sig1), []byte("Hello, World!"))
		fuzzVerify(t, "github", hdr("X-Hub-Signature", sig1), []byte("Hello, World!"))
	})
}

func FuzzSlackHeaders(f *testing.F) {
	f.Add("v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503", "1531420618")
	f.Add("v0=", "-1")
	f.Fuzz(func(t *testing.T, sig, ts string) {
		fuzzVerify(t, "slack", hdr("X-Slack-Signature", sig, "X-Slack-Request-Timestamp", ts), []byte("token=x"))
	})
}

func FuzzBodyMACHeaders(f *testing.F) {
	f.Add("bLvN8sgBbKhbUFQ7GejhIe8WE3lnvfo85mCXKSK6+us=", "93773bc7b17d3d79d723c76412576a2d7a70fd1cd9249881d820b5059d304a898342229e1e17836d1ccb9538ed37c36f009215c67bd241733f7e39525fc22999")
	f.Add("", "zz")
	f.Fuzz(func(t *testing.T, shopify, paystack string) {
		fuzzVerify(t, "shopify", hdr("X-Shopify-Hmac-Sha256", shopify), []byte("{}"))
		fuzzVerify(t, "paystack", hdr("x-paystack-signature", paystack), []byte("{}"))
	})
}

func FuzzMambuMonoHeaders(f *testing.F) {
	f.Add("5b4f3c9e-2f4a-4a0b-9d7e-1f0c8a6b2d3e", "Basic aG9va2N0bDpzM2NyZXQtcGFzc3dvcmQ=", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
	f.Add("k", "Basic", "")
	f.Fuzz(func(t *testing.T, key, auth, mono string) {
		fuzzVerify(t, "mambu", hdr("x-notifications-idempotency-key", key, "Authorization", auth), nil)
		fuzzVerify(t, "mono", hdr("mono-webhook-secret", mono), nil)
	})
}

func FuzzPythonJSON(f *testing.F) {
	f.Add([]byte(`{"event":"kyc.verification.success","customer_id":"931e2341-c3eb-4681-97d4-f6e09d90da14","occurred_at":"2021-10-20T10:27:20.154286+00:00"}`))
	f.Add([]byte(`{"a":[1.5e16,-0,"\ud83d\ude00 Zoë",null,true],"a":{}}`))
	f.Add([]byte(`[NaN,1e400,0.00001]`))
	f.Add([]byte(`{"a":1,"b":{"a":2,"a":[{"a":3}]},"a":4}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		// The streaming writer and the tree builder agree.
		tree, terr := pythonJSONTree(body)
		if stream, serr := pythonJSONStream(body); serr != errPyFallback {
			if (serr == nil) != (terr == nil) || !bytes.Equal(stream, tree) {
				t.Fatalf("stream %q (%v) != tree %q (%v)", stream, serr, tree, terr)
			}
		}
		out, err := PythonJSON(body)
		if (err == nil) != (terr == nil) || !bytes.Equal(out, tree) {
			t.Fatalf("PythonJSON %q (%v) != tree %q (%v)", out, err, tree, terr)
		}
		if err != nil {
			return
		}
		// The output is ASCII, and re-serialising it changes nothing.
		for _, c := range out {
			if c >= 0x80 {
				t.Fatalf("non-ASCII output %q", out)
			}
		}
		again, err := PythonJSON(out)
		if err != nil || !bytes.Equal(again, out) {
			t.Fatalf("not idempotent: %q -> %q (%v)", out, again, err)
		}
		// Standard JSON (no NaN/Infinity) stays valid JSON.
		if json.Valid(body) && !bytes.Contains(out, []byte("Infinity")) && !json.Valid(out) {
			t.Fatalf("invalid JSON output %q", out)
		}
	})
}
