package subscription

import (
	"bytes"
	"encoding/json"
	"strings"
	"time"

	"github.com/hookctl/hookctl/internal/signature"
	"github.com/hookctl/hookctl/internal/store"
)

// View is a subscription as the provider's API shows it (Bond's field
// names), the stable JSON shape of `subscribe` and `subscriptions`.
type View struct {
	WebhookID    string   `json:"webhook_id"`
	CallbackURL  string   `json:"callback_url"`
	Description  string   `json:"description"`
	Events       []string `json:"events"`
	Status       string   `json:"status"`
	Secret       string   `json:"secret"`
	SecretMasked bool     `json:"secret_masked"`
	// PublicKey is what receivers verify a standard-ed25519
	// subscription's deliveries with: the whpk_ of its whsk_ secret (not
	// secret, so never masked).
	PublicKey               string            `json:"public_key,omitempty"`
	PreviousSecret          string            `json:"previous_secret,omitempty"`
	PreviousSecretExpiresAt *time.Time        `json:"previous_secret_expires_at,omitempty"`
	DateCreated             time.Time         `json:"date_created"`
	UpdatedAt               time.Time         `json:"updated_at"`
	Provider                string            `json:"provider"`
	Scheme                  string            `json:"scheme"`
	Method                  string            `json:"method"`
	Headers                 map[string]string `json:"headers"`
	Metadata                map[string]string `json:"metadata,omitempty"`
}

// MarshalJSON writes v with its header names and values that are not
// UTF-8 (obs-text given with --header) as "\u0001base64:" and their bytes
// in base64 (store.EncodeHeaderMap), as the export file and the other
// commands' -o json write headers: JSON cannot hold the bytes, and U+FFFD
// in their place lost them. The rest as encoding/json writes it (HTML
// characters as the caller's encoder escapes them).
func (v View) MarshalJSON() ([]byte, error) {
	type plain View
	p := plain(v)
	p.Headers = store.EncodeHeaderMap(v.Headers)
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(p); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}

// NewView renders sub; secrets (and a password in its callback URL) are
// masked unless reveal. A previous secret
// whose grace period ended at now is left out.
func NewView(sub *store.Subscription, reveal bool, now time.Time) View {
	v := View{
		WebhookID:    sub.ID,
		CallbackURL:  sub.CallbackURL,
		Description:  sub.Description,
		Events:       sub.Events,
		Status:       sub.Status,
		Secret:       sub.Secret,
		SecretMasked: !reveal,
		DateCreated:  sub.CreatedAt.UTC(),
		UpdatedAt:    sub.UpdatedAt.UTC(),
		Provider:     sub.Provider,
		Scheme:       sub.Scheme,
		Method:       sub.Method,
		Headers:      sub.Headers,
		Metadata:     sub.Metadata,
	}
	if v.Events == nil {
		v.Events = []string{}
	}
	if v.Headers == nil {
		v.Headers = map[string]string{}
	}
	if v.Scheme == "" {
		v.Scheme = DefaultScheme
	}
	if v.Scheme == "standard-ed25519" {
		v.PublicKey, _ = signature.PublicKey(sub.Secret)
	}
	if v.Method == "" {
		v.Method = "POST"
	}
	if sub.PreviousSecret != "" && now.Before(sub.PreviousSecretExpiresAt) {
		v.PreviousSecret = sub.PreviousSecret
		exp := sub.PreviousSecretExpiresAt.UTC()
		v.PreviousSecretExpiresAt = &exp
	}
	if !reveal {
		v.Secret = MaskSecret(v.Secret)
		v.PreviousSecret = MaskSecret(v.PreviousSecret)
		v.Headers = MaskCredentialHeaders(v.Headers)
		v.CallbackURL = MaskUserinfo(v.CallbackURL)
	}
	return v
}

// IsCredentialHeader reports whether a header carries a credential
// (Authorization, Cookie, X-Api-Key, anything with token, secret, password
// or key in its name).
func IsCredentialHeader(name string) bool {
	n := strings.ToLower(name)
	switch n {
	case "authorization", "proxy-authorization", "cookie":
		return true
	}
	for _, w := range []string{"token", "secret", "password", "passwd", "api-key", "apikey", "api_key", "auth"} {
		if strings.Contains(n, w) {
			return true
		}
	}
	return false
}

// MaskCredentialHeaders returns h with the values of credential headers
// masked (an auth scheme word such as Bearer is kept): what --reveal shows.
func MaskCredentialHeaders(h map[string]string) map[string]string {
	out := make(map[string]string, len(h))
	for k, val := range h {
		if IsCredentialHeader(k) {
			val = MaskCredential(val)
		}
		out[k] = val
	}
	return out
}

// MaskCredential masks the value of a credential header (IsCredentialHeader)
// wherever one is shown (a subscription's headers, a delivery's request, the
// inspector): a scheme word (Bearer, Basic) is kept, and of the credential
// at most its first 4 characters, none when it has 8 or fewer.
func MaskCredential(val string) string {
	scheme, cred, ok := strings.Cut(val, " ")
	if ok && scheme != "" && !strings.ContainsAny(scheme, "=:") {
		return scheme + " " + maskValue(strings.TrimSpace(cred))
	}
	return maskValue(val)
}

// maskValue keeps at most the first 4 characters of a credential.
func maskValue(s string) string {
	r := []rune(s)
	if len(r) <= 8 {
		return "****"
	}
	return string(r[:4]) + "…"
}
