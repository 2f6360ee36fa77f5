package delivery

// IDHeader is the header a scheme carries the event id in (its
// idempotency key); "" means the scheme has none and Idempotency-Key is
// used.
func IDHeader(scheme string) string {
	switch scheme {
	case "standard", "standard-ed25519":
		return "webhook-id"
	case "github":
		return "X-GitHub-Delivery"
	case "mambu":
		return "x-notifications-idempotency-key"
	case "shopify":
		return "X-Shopify-Webhook-Id"
	}
	return ""
}

// SchemeFor is the scheme a provider signs its events with ("auto").
func SchemeFor(provider string) string {
	switch provider {
	case "bond", "mono", "mambu", "standard":
		return provider
	case "saas":
		return "stripe"
	}
	return "standard"
}
