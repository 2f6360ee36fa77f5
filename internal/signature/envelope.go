package signature

import (
	"crypto/sha256"
	"encoding/binary"
	"net/http"
	"strconv"
	"time"
)

// Envelope returns the headers a provider sends with every webhook besides
// its signature (Sign's headers): the User-Agent it identifies itself
// with and the metadata headers its receivers' libraries read. Schemes
// with none documented return nil (the sender's own User-Agent stays).
//
//	stripe   User-Agent: Stripe/1.0 (+https://stripe.com/docs/webhooks), Accept, Cache-Control
//	github   User-Agent: GitHub-Hookshot/…, X-GitHub-Hook-ID, X-GitHub-Hook-Installation-Target-Type/-ID, Accept
//	shopify  X-Shopify-Triggered-At, X-Shopify-Event-Id, X-Shopify-API-Version, X-Shopify-Shop-Domain
//
// The GitHub hook id is derived from the secret, so one subscription
// keeps one hook id, as a GitHub webhook does.
func Envelope(scheme string, in SignInput) http.Header {
	switch scheme {
	case "stripe":
		return http.Header{
			"User-Agent":    {"Stripe/1.0 (+https://stripe.com/docs/webhooks)"},
			"Accept":        {"*/*; q=0.5, application/xml"},
			"Cache-Control": {"no-cache"},
		}
	case "github":
		hook := hookID(in.Secrets)
		return http.Header{
			"User-Agent":                             {"GitHub-Hookshot/044aadd"},
			"Accept":                                 {"*/*"},
			"X-Github-Hook-Id":                       {strconv.FormatUint(hook, 10)},
			"X-Github-Hook-Installation-Target-Type": {"repository"},
			"X-Github-Hook-Installation-Target-Id":   {strconv.FormatUint(hook/7+100000000, 10)},
		}
	case "shopify":
		h := http.Header{
			"X-Shopify-Triggered-At": {in.Timestamp.UTC().Format(time.RFC3339Nano)},
			"X-Shopify-Api-Version":  {"2025-10"},
			"X-Shopify-Shop-Domain":  {"hookctl-dev.myshopify.com"},
		}
		if in.ID != "" {
			h.Set(hShopifyEventID, in.ID)
		}
		return h
	}
	return nil
}

// hookID is a stable 9-digit id for a secret.
func hookID(secrets []string) uint64 {
	var s string
	if len(secrets) > 0 {
		s = secrets[0]
	}
	sum := sha256.Sum256([]byte("hookctl hook id:" + s))
	return 100000000 + binary.BigEndian.Uint64(sum[:8])%900000000
}
