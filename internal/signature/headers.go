package signature

import (
	"net/http"
	"strings"
)

// Canonical header keys (as http.Header stores them) and the spelling each
// provider documents, used for display.
const (
	hWebhookID        = "Webhook-Id"
	hWebhookTimestamp = "Webhook-Timestamp"
	hWebhookSignature = "Webhook-Signature"
	hSvixID           = "Svix-Id"
	hSvixTimestamp    = "Svix-Timestamp"
	hSvixSignature    = "Svix-Signature"
	hStripe           = "Stripe-Signature"
	hBond             = "Bond-Signature"
	hHubSig256        = "X-Hub-Signature-256"
	hHubSig           = "X-Hub-Signature"
	hGitHubEvent      = "X-Github-Event"
	hGitHubDelivery   = "X-Github-Delivery"
	hMono             = "Mono-Webhook-Secret"
	hMambuIdempotency = "X-Notifications-Idempotency-Key"
	hAuthorization    = "Authorization"
	hPaystack         = "X-Paystack-Signature"
	hShopifyHmac      = "X-Shopify-Hmac-Sha256"
	hShopifyWebhookID = "X-Shopify-Webhook-Id"
	hShopifyEventID   = "X-Shopify-Event-Id"
	hShopifyTopic     = "X-Shopify-Topic"
	hSlackSignature   = "X-Slack-Signature"
	hSlackTimestamp   = "X-Slack-Request-Timestamp"
	hIdempotencyKey   = "Idempotency-Key"
)

// signing holds the canonical keys of every scheme's signature and
// signing-time headers: what a fresh signature replaces.
var signing = map[string]bool{
	hWebhookSignature: true, hWebhookTimestamp: true, hSvixSignature: true, hSvixTimestamp: true,
	hStripe: true, hBond: true, hHubSig256: true, hHubSig: true, hMono: true, hPaystack: true,
	hShopifyHmac: true, hSlackSignature: true, hSlackTimestamp: true,
}

// IsSigningHeader reports whether a canonical header key is a signature
// (or the signing time) of any scheme: a request signed afresh must not
// carry an old one beside the new (a received event's headers replayed).
func IsSigningHeader(key string) bool { return signing[key] }

var spelling = map[string]string{
	hWebhookID:                               "webhook-id",
	hWebhookTimestamp:                        "webhook-timestamp",
	hWebhookSignature:                        "webhook-signature",
	hSvixID:                                  "svix-id",
	hSvixTimestamp:                           "svix-timestamp",
	hSvixSignature:                           "svix-signature",
	hGitHubEvent:                             "X-GitHub-Event",
	hGitHubDelivery:                          "X-GitHub-Delivery",
	"X-Github-Hook-Id":                       "X-GitHub-Hook-ID",
	"X-Github-Hook-Installation-Target-Id":   "X-GitHub-Hook-Installation-Target-ID",
	"X-Github-Hook-Installation-Target-Type": "X-GitHub-Hook-Installation-Target-Type",
	"X-Shopify-Api-Version":                  "X-Shopify-API-Version",
	hMono:                                    "mono-webhook-secret",
	hMambuIdempotency:                        "x-notifications-idempotency-key",
	hPaystack:                                "x-paystack-signature",
}

// HeaderName returns the spelling a provider documents for a header
// (webhook-id, X-GitHub-Event, …) given any spelling; unknown names come
// back canonicalised. HTTP header names are case-insensitive: this is for
// display only.
func HeaderName(name string) string {
	c := http.CanonicalHeaderKey(name)
	if s, ok := spelling[c]; ok {
		return s
	}
	return c
}

// get returns the first value of a header given its canonical key, without
// allocating; it falls back to a case-insensitive scan for header maps
// built by hand with non-canonical keys.
func get(h http.Header, key string) string {
	if v := h[key]; len(v) > 0 {
		return v[0]
	}
	for k, v := range h {
		if len(v) > 0 && len(k) == len(key) && strings.EqualFold(k, key) {
			return v[0]
		}
	}
	return ""
}

// IDHeader returns the header in which the scheme carries the message id
// (the receiver's idempotency key), or "" when the scheme's provider sends
// none (stripe, bond, mono, paystack, slack: the id, where there is one,
// is in the body), and then no id header is sent.
func IDHeader(scheme string) string {
	switch scheme {
	case "standard", "standard-ed25519":
		return HeaderName(hWebhookID)
	case "svix":
		return HeaderName(hSvixID)
	case "github":
		return HeaderName(hGitHubDelivery)
	case "mambu":
		return HeaderName(hMambuIdempotency)
	case "shopify":
		return hShopifyWebhookID
	}
	return ""
}

// idHeaders are the headers EventIDFromHeaders looks at, in order.
// Shopify's event id comes before its webhook id: the webhook id names
// one delivery of the event (one per subscription), the event id the
// event.
var idHeaders = []string{hWebhookID, hSvixID, hGitHubDelivery, hMambuIdempotency, hShopifyEventID, hShopifyWebhookID, hIdempotencyKey}

// EventIDFromHeaders returns the message id a request carries in any
// scheme's id header (webhook-id, svix-id, X-GitHub-Delivery,
// x-notifications-idempotency-key, X-Shopify-Event-Id,
// X-Shopify-Webhook-Id, then Idempotency-Key), or "".
func EventIDFromHeaders(h http.Header) string {
	for _, k := range idHeaders {
		if v := strings.TrimSpace(get(h, k)); v != "" {
			return v
		}
	}
	return ""
}
