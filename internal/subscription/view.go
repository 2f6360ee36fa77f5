package subscription

import (
	"time"

	"github.com/hookctl/hookctl/internal/store"
)

// View is a subscription as the provider's API shows it (Bond's field
// names), the stable JSON shape of `subscribe` and `subscriptions`.
type View struct {
	WebhookID               string            `json:"webhook_id"`
	CallbackURL             string            `json:"callback_url"`
	Description             string            `json:"description"`
	Events                  []string          `json:"events"`
	Status                  string            `json:"status"`
	Secret                  string            `json:"secret"`
	SecretMasked            bool              `json:"secret_masked"`
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

// NewView renders sub; secrets are masked unless reveal. A previous secret
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
	}
	return v
}
