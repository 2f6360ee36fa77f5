package signature

import (
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// monoScheme is Mono's: the secret itself in mono-webhook-secret, nothing
// signed, compared in constant time.
type monoScheme struct{}

func (monoScheme) Name() string { return "mono" }

func (s monoScheme) Sign(in SignInput) (http.Header, error) {
	if err := checkSecrets(s.Name(), in.Secrets); err != nil {
		return nil, err
	}
	h := http.Header{}
	h.Set(hMono, in.oneSecret())
	return h, nil
}

func (s monoScheme) Verify(in VerifyInput) error {
	got := get(in.Header, hMono)
	if got == "" {
		return missing(s.Name(), HeaderName(hMono))
	}
	if err := checkSecrets(s.Name(), in.Secrets); err != nil {
		return err
	}
	valid := false
	for _, secret := range in.Secrets {
		if ctEqualStrings(got, secret) {
			valid = true
		}
	}
	if !valid {
		return noMatch(s.Name(), `"mono-webhook-secret" is not the expected secret`)
	}
	return nil
}

// ctEqualStrings compares two strings in time that depends only on their
// lengths.
func ctEqualStrings(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	var v byte
	for i := 0; i < len(a); i++ {
		v |= a[i] ^ b[i]
	}
	return subtle.ConstantTimeByteEq(v, 0) == 1
}

// mambuScheme is Mambu's: nothing is signed. The notification's key
// (MambuNotificationKey: one per event and webhook) goes in
// x-notifications-idempotency-key; a "user:password" secret adds HTTP Basic
// auth, checked in constant time on verify. Any other secret means no auth.
type mambuScheme struct{}

func (mambuScheme) Name() string { return "mambu" }

func (s mambuScheme) Sign(in SignInput) (http.Header, error) {
	h := http.Header{}
	if key := MambuNotificationKey(in); key != "" {
		h.Set(hMambuIdempotency, key)
	}
	if len(in.Secrets) > 0 {
		secret := in.oneSecret()
		if err := ValidateSecret(s.Name(), secret); err != nil {
			return nil, err
		}
		if strings.Contains(secret, ":") {
			h.Set(hAuthorization, "Basic "+base64.StdEncoding.EncodeToString([]byte(secret)))
		}
	}
	return h, nil
}

func (s mambuScheme) Verify(in VerifyInput) error {
	if get(in.Header, hMambuIdempotency) == "" {
		return missing(s.Name(), HeaderName(hMambuIdempotency))
	}
	wantAuth := false
	for _, secret := range in.Secrets {
		if strings.Contains(secret, ":") {
			wantAuth = true
		}
	}
	if !wantAuth {
		return nil // nothing signed, no Basic auth configured
	}
	auth := get(in.Header, hAuthorization)
	if auth == "" {
		e := missing(s.Name(), hAuthorization)
		e.Msg = `missing header "Authorization" (HTTP Basic auth is expected for a user:password secret)`
		return e
	}
	scheme, cred, ok := strings.Cut(strings.TrimSpace(auth), " ")
	if !ok || !strings.EqualFold(scheme, "Basic") {
		return malformed(s.Name(), hAuthorization, `want "Basic <base64 of user:password>"`)
	}
	dec, err := base64.StdEncoding.DecodeString(strings.TrimSpace(cred))
	if err != nil || !strings.Contains(string(dec), ":") {
		return malformed(s.Name(), hAuthorization, "the Basic credentials are not base64 of user:password")
	}
	valid := false
	for _, secret := range in.Secrets {
		if strings.Contains(secret, ":") && ctEqualStrings(string(dec), secret) {
			valid = true
		}
	}
	if !valid {
		return noMatch(s.Name(), "the Basic auth user or password is wrong")
	}
	return nil
}

// paystackScheme is Paystack's: hex HMAC-SHA512 of the body keyed with the
// secret key, in x-paystack-signature. No timestamp.
type paystackScheme struct{}

func (paystackScheme) Name() string { return "paystack" }

func (s paystackScheme) Sign(in SignInput) (http.Header, error) {
	if err := checkSecrets(s.Name(), in.Secrets); err != nil {
		return nil, err
	}
	st := hmacSHA512.get()
	defer hmacSHA512.put(st)
	h := http.Header{}
	h.Set(hPaystack, hex.EncodeToString(bodyMAC(hmacSHA512, st, in.oneSecret(), in.Body)))
	return h, nil
}

func (s paystackScheme) Verify(in VerifyInput) error {
	sig := strings.TrimSpace(get(in.Header, hPaystack))
	if sig == "" {
		return missing(s.Name(), HeaderName(hPaystack))
	}
	var b [64]byte
	if n, ok := decodeHex(b[:], sig); !ok || n != 64 {
		return malformed(s.Name(), HeaderName(hPaystack), "want 128 hex digits, got %q", clip(sig))
	}
	return verifyBodyMAC(s.Name(), in, hmacSHA512, b[:])
}

func verifyBodyMAC(scheme string, in VerifyInput, algo *macAlgo, want []byte) error {
	if err := checkSecrets(scheme, in.Secrets); err != nil {
		return err
	}
	st := algo.get()
	valid := false
	for _, secret := range in.Secrets {
		if ctEqual(want, bodyMAC(algo, st, secret, in.Body)) {
			valid = true
			break
		}
	}
	algo.put(st)
	if !valid {
		return noMatch(scheme, signatureMismatch(len(in.Secrets), 1))
	}
	return nil
}

// shopifyScheme is Shopify's: base64 HMAC-SHA256 of the body in
// X-Shopify-Hmac-Sha256; X-Shopify-Webhook-Id carries the delivery's id
// (ShopifyWebhookID) and X-Shopify-Topic the event type. No timestamp.
// The event's own id goes in X-Shopify-Event-Id (Envelope).
type shopifyScheme struct{}

func (shopifyScheme) Name() string { return "shopify" }

func (s shopifyScheme) Sign(in SignInput) (http.Header, error) {
	if err := checkSecrets(s.Name(), in.Secrets); err != nil {
		return nil, err
	}
	st := hmacSHA256.get()
	defer hmacSHA256.put(st)
	h := http.Header{}
	h.Set(hShopifyHmac, base64.StdEncoding.EncodeToString(bodyMAC(hmacSHA256, st, in.oneSecret(), in.Body)))
	if id := ShopifyWebhookID(in); id != "" {
		h.Set(hShopifyWebhookID, id)
	}
	if in.EventType != "" {
		h.Set(hShopifyTopic, in.EventType)
	}
	return h, nil
}

func (s shopifyScheme) Verify(in VerifyInput) error {
	sig := strings.TrimSpace(get(in.Header, hShopifyHmac))
	if sig == "" {
		return missing(s.Name(), hShopifyHmac)
	}
	var b [33]byte
	var src [48]byte
	if len(sig) != 44 {
		return malformed(s.Name(), hShopifyHmac, "want 44 characters of base64, got %q", clip(sig))
	}
	n, err := base64.StdEncoding.Decode(b[:], src[:copy(src[:], sig)])
	if err != nil || n != 32 {
		return malformed(s.Name(), hShopifyHmac, "want base64 of 32 bytes, got %q", clip(sig))
	}
	return verifyBodyMAC(s.Name(), in, hmacSHA256, b[:n])
}

// slackScheme is Slack's: "v0=<hex HMAC-SHA256 of v0:{ts}:{body}>" in
// X-Slack-Signature with X-Slack-Request-Timestamp; 5 minutes either way.
type slackScheme struct{}

func (slackScheme) Name() string { return "slack" }

var slackWindow = timeWindow{tolerance: 5 * time.Minute, future: true}

func slackMAC(st *macState, secret string, ts int64, body []byte) []byte {
	st.msg = append(st.msg[:0], "v0:"...)
	st.msg = strconv.AppendInt(st.msg, ts, 10)
	st.msg = append(st.msg, ':')
	begin(hmacSHA256, st, secret)
	st.h.Write(st.msg)
	st.h.Write(body)
	return hmacSHA256.finish(st)
}

func (s slackScheme) Sign(in SignInput) (http.Header, error) {
	if err := checkSecrets(s.Name(), in.Secrets); err != nil {
		return nil, err
	}
	ts := in.Timestamp.Unix()
	st := hmacSHA256.get()
	defer hmacSHA256.put(st)
	h := http.Header{}
	h.Set(hSlackTimestamp, strconv.FormatInt(ts, 10))
	h.Set(hSlackSignature, "v0="+hex.EncodeToString(slackMAC(st, in.oneSecret(), ts, in.Body)))
	return h, nil
}

func (s slackScheme) Verify(in VerifyInput) error {
	sig := strings.TrimSpace(get(in.Header, hSlackSignature))
	if sig == "" {
		return missing(s.Name(), hSlackSignature)
	}
	tsv := strings.TrimSpace(get(in.Header, hSlackTimestamp))
	if tsv == "" {
		return missing(s.Name(), hSlackTimestamp)
	}
	ts, ok := parseUnix(tsv)
	if !ok {
		return malformed(s.Name(), hSlackTimestamp, "want unix seconds, got %q", clip(tsv))
	}
	hexSig, ok := strings.CutPrefix(sig, "v0=")
	var b [32]byte
	if n, hexOK := decodeHex(b[:], hexSig); !ok || !hexOK || n != 32 {
		return malformed(s.Name(), hSlackSignature, `want "v0=" followed by 64 hex digits, got %q`, clip(sig))
	}
	if err := checkSecrets(s.Name(), in.Secrets); err != nil {
		return err
	}
	st := hmacSHA256.get()
	valid := false
	for _, secret := range in.Secrets {
		if ctEqual(b[:], slackMAC(st, secret, ts, in.Body)) {
			valid = true
			break
		}
	}
	hmacSHA256.put(st)
	if !valid {
		return noMatch(s.Name(), signatureMismatch(len(in.Secrets), 1))
	}
	return slackWindow.check(s.Name(), in, ts, true)
}
