package signature

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/google/uuid"
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
// The GitHub hook id is the webhook's (GitHubHookID): one subscription
// keeps one hook id, through a secret rotation too, as a GitHub webhook
// does. The installation target is what the payload names: a repository
// hook's repository (repository.id), else a GitHub App's (installation's
// app_id, type integration), else an organization's.
//
// X-Shopify-Event-Id is the event's id, the same for every subscription
// the event goes to; X-Shopify-Triggered-At is when the event happened
// (in.EventTime), the same on every retry.
func Envelope(scheme string, in SignInput) http.Header {
	switch scheme {
	case "stripe":
		return http.Header{
			"User-Agent":    {"Stripe/1.0 (+https://stripe.com/docs/webhooks)"},
			"Accept":        {"*/*; q=0.5, application/xml"},
			"Cache-Control": {"no-cache"},
		}
	case "github":
		hook := GitHubHookID(in.Endpoint, in.Secrets)
		typ, target := githubTarget(in.Body)
		if target == "" {
			typ, target = "repository", strconv.FormatUint(hook/7+100000000, 10)
		}
		return http.Header{
			"User-Agent":                             {"GitHub-Hookshot/044aadd"},
			"Accept":                                 {"*/*"},
			"X-Github-Hook-Id":                       {strconv.FormatUint(hook, 10)},
			"X-Github-Hook-Installation-Target-Type": {typ},
			"X-Github-Hook-Installation-Target-Id":   {target},
		}
	case "shopify":
		at := in.EventTime
		if at.IsZero() {
			at = in.Timestamp
		}
		// Microseconds, as a store keeps the event's time: a retry that
		// read the event back says what the first attempt said.
		at = at.Truncate(time.Microsecond)
		h := http.Header{
			"X-Shopify-Triggered-At": {at.UTC().Format(time.RFC3339Nano)},
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

// GitHubHookID is the X-GitHub-Hook-ID of a webhook: a stable 9-digit id
// derived from the subscription's id (endpoint), or for a delivery sent
// ad hoc (no subscription) from its secret. A ping's hook_id and hook.id
// name the same hook (catalog.SetGitHubHookID).
func GitHubHookID(endpoint string, secrets []string) uint64 {
	key := "hookctl hook id:"
	switch {
	case endpoint != "":
		key += "subscription " + endpoint
	case len(secrets) > 0:
		key += secrets[0]
	}
	sum := sha256.Sum256([]byte(key))
	return 100000000 + binary.BigEndian.Uint64(sum[:8])%900000000
}

// ShopifyWebhookID is the X-Shopify-Webhook-Id of a delivery: a UUID
// derived from the event's id and the subscription's (in.Endpoint), so
// that one event sent to two subscriptions carries two webhook ids (and
// one X-Shopify-Event-Id), and every retry and replay of one delivery
// the same, as Shopify sends them. Ad hoc (no subscription: one
// endpoint) it is the event's id.
func ShopifyWebhookID(in SignInput) string { return deliveryUUID("hookctl shopify webhook id:", in) }

// MambuNotificationKey is the x-notifications-idempotency-key of a
// delivery: Mambu's key names one notification, the message one webhook
// gets for an event (its communication history keeps one per webhook,
// and a manual resend sends that message again), so it is a UUID derived
// from the event's id and the subscription's (in.Endpoint): one event to
// two subscriptions carries two keys, every retry and resend of one
// delivery the same. Ad hoc (no subscription: one webhook) it is the
// event's id.
func MambuNotificationKey(in SignInput) string {
	return deliveryUUID("hookctl mambu notification key:", in)
}

// deliveryUUID is a version-4-shaped UUID derived from label, the
// subscription's id and the event's id; the event's id when there is no
// subscription.
func deliveryUUID(label string, in SignInput) string {
	if in.Endpoint == "" || in.ID == "" {
		return in.ID
	}
	sum := sha256.Sum256([]byte(label + in.Endpoint + "\x00" + in.ID))
	var u uuid.UUID
	copy(u[:], sum[:16])
	u[6] = u[6]&0x0f | 0x40 // version 4, as Shopify's look
	u[8] = u[8]&0x3f | 0x80 // RFC 4122 variant
	return u.String()
}

// githubTarget returns the X-GitHub-Hook-Installation-Target-Type and -ID
// a GitHub body implies, or "" when it names none (not JSON, a body of
// the caller's own). body may be the form encoding (payload=<json>).
func githubTarget(body []byte) (typ, id string) {
	if p, ok := bytes.CutPrefix(body, []byte("payload=")); ok {
		s, err := url.QueryUnescape(string(p))
		if err != nil {
			return "", ""
		}
		body = []byte(s)
	}
	var v struct {
		Repository *struct {
			ID json.Number `json:"id"`
		} `json:"repository"`
		Installation *struct {
			AppID json.Number `json:"app_id"`
		} `json:"installation"`
		Organization *struct {
			ID json.Number `json:"id"`
		} `json:"organization"`
	}
	if json.Unmarshal(body, &v) != nil {
		return "", ""
	}
	switch {
	case v.Repository != nil && isDigits(v.Repository.ID):
		return "repository", string(v.Repository.ID)
	case v.Installation != nil && isDigits(v.Installation.AppID):
		return "integration", string(v.Installation.AppID)
	case v.Organization != nil && isDigits(v.Organization.ID):
		return "organization", string(v.Organization.ID)
	}
	return "", ""
}

func isDigits(n json.Number) bool {
	if n == "" {
		return false
	}
	for _, c := range n {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}
