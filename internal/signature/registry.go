package signature

import (
	"net/http"
	"strings"
	"time"
)

// entry is a registered scheme with its help text.
type entry struct {
	scheme Scheme
	desc   string
}

var registry = []entry{
	{standardScheme{}, "Standard Webhooks v1 (Svix): webhook-id/-timestamp/-signature, HMAC-SHA256 base64 of id.ts.body, whsec_ secret, 5 min"},
	{svixScheme{}, "Svix: the Standard Webhooks v1 signature as svix-id/-timestamp/-signature (Svix's default header names), whsec_ secret, 5 min"},
	{ed25519Scheme{}, "Standard Webhooks v1a: ed25519 signature of id.ts.body, sign with whsk_, verify with whpk_ (or whsk_), 5 min"},
	{stripeScheme{}, "Stripe-Signature: t=…,v1=<hex HMAC-SHA256 of t.body>, whole whsec_ string as key, 300 s past"},
	{bondScheme{}, "Bond-Signature: t=…,v1=<hex over Python json.dumps body>,v2=<hex over raw body>, 300 s"},
	{githubScheme{}, "X-Hub-Signature-256: sha256=<hex HMAC of body> (legacy sha1 accepted), X-GitHub-Delivery/Event, no timestamp"},
	{monoScheme{}, "mono-webhook-secret: <secret>, nothing signed, compared in constant time"},
	{mambuScheme{}, "nothing signed: optional HTTP Basic auth from a user:password secret, x-notifications-idempotency-key"},
	{paystackScheme{}, "x-paystack-signature: hex HMAC-SHA512 of the body, no timestamp"},
	{shopifyScheme{}, "X-Shopify-Hmac-Sha256: base64 HMAC-SHA256 of the body, no timestamp"},
	{slackScheme{}, "X-Slack-Signature: v0=<hex HMAC-SHA256 of v0:ts:body>, X-Slack-Request-Timestamp, 5 min"},
}

// Names lists the scheme names, in help order.
func Names() []string {
	names := make([]string, len(registry))
	for i, e := range registry {
		names[i] = e.scheme.Name()
	}
	return names
}

// Lookup returns a scheme by name (case-insensitive). "auto" is not a
// scheme: callers resolve it with Detect.
func Lookup(name string) (Scheme, error) {
	for _, e := range registry {
		if strings.EqualFold(e.scheme.Name(), name) {
			return e.scheme, nil
		}
	}
	return nil, &ErrUnknownScheme{Name: name}
}

// Describe returns a one-line description of a scheme for help text, or ""
// for an unknown name.
func Describe(name string) string {
	for _, e := range registry {
		if e.scheme.Name() == name {
			return e.desc
		}
	}
	return ""
}

// DefaultTolerance is the timestamp tolerance a scheme applies when
// VerifyInput.Tolerance is 0; 0 for schemes without a timestamp.
func DefaultTolerance(name string) time.Duration {
	switch name {
	case "standard", "svix", "standard-ed25519", "slack":
		return 5 * time.Minute
	case "stripe", "bond":
		return 300 * time.Second
	}
	return 0
}

// Detect guesses the scheme from the headers present. Signed schemes win
// over unsigned ones, in this order:
//
//  1. webhook-signature: standard; svix-signature alone: svix (the same
//     signature under Svix's names); either is standard-ed25519 when it
//     carries only v1a signatures
//  2. Stripe-Signature: stripe
//  3. Bond-Signature: bond
//  4. X-Hub-Signature-256 or X-Hub-Signature: github
//  5. X-Slack-Signature: slack
//  6. X-Shopify-Hmac-Sha256: shopify
//  7. x-paystack-signature: paystack
//  8. mono-webhook-secret: mono
//  9. x-notifications-idempotency-key: mambu (nothing signed, so last)
func Detect(h http.Header) (Scheme, bool) {
	if sig := get(h, hWebhookSignature); sig != "" || get(h, hSvixSignature) != "" {
		svix := sig == ""
		if svix {
			sig = get(h, hSvixSignature)
		}
		if onlyV1a(sig) {
			return ed25519Scheme{}, true
		}
		if svix {
			return svixScheme{}, true
		}
		return standardScheme{}, true
	}
	for _, d := range []struct {
		header string
		scheme Scheme
	}{
		{hStripe, stripeScheme{}},
		{hBond, bondScheme{}},
		{hHubSig256, githubScheme{}},
		{hHubSig, githubScheme{}},
		{hSlackSignature, slackScheme{}},
		{hShopifyHmac, shopifyScheme{}},
		{hPaystack, paystackScheme{}},
		{hMono, monoScheme{}},
		{hMambuIdempotency, mambuScheme{}},
	} {
		if get(h, d.header) != "" {
			return d.scheme, true
		}
	}
	return nil, false
}

// DetectHeaders lists the headers Detect looks for, for error messages.
func DetectHeaders() []string {
	return []string{"webhook-signature", "svix-signature", hStripe, hBond, hHubSig256, hHubSig,
		hSlackSignature, hShopifyHmac, HeaderName(hPaystack), HeaderName(hMono), HeaderName(hMambuIdempotency)}
}

func onlyV1a(sig string) bool {
	seen := false
	for f := range strings.FieldsSeq(sig) {
		if !strings.HasPrefix(f, "v1a,") {
			return false
		}
		seen = true
	}
	return seen
}

// ForProvider returns the scheme a provider profile signs with (the
// "default scheme" column of PROVIDERS.md): bond → bond, mono → mono,
// mambu → mambu, saas → stripe, standard → standard.
func ForProvider(provider string) (Scheme, bool) {
	name := map[string]string{"bond": "bond", "mono": "mono", "mambu": "mambu", "saas": "stripe", "standard": "standard", "stripe": "stripe", "github": "github"}[strings.ToLower(provider)]
	if name == "" {
		return nil, false
	}
	s, err := Lookup(name)
	return s, err == nil
}
