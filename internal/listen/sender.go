package listen

import (
	"fmt"
	"strings"

	"github.com/hookctl/hookctl/internal/delivery"
	"github.com/hookctl/hookctl/internal/signature"
)

// Sender is a webhook provider recognised by the User-Agent it sends,
// for the hint a rejected request of a real provider gets: its events are
// signed with the secret of the endpoint set up at the provider, not with
// the listener's own.
type Sender struct {
	Provider string // hookctl's provider name: stripe, github
	Name     string // as people write it: Stripe, GitHub
	Scheme   string // the signature scheme it signs with
	// SecretArg is --secret's value as the hint writes it; Where says
	// where the provider shows that secret.
	SecretArg, Where string
	agent            string // User-Agent prefix
}

var senders = []Sender{
	{Provider: "stripe", Name: "Stripe", Scheme: "stripe", agent: "Stripe/", SecretArg: "whsec_…",
		Where: "the endpoint's signing secret: Stripe Dashboard → Developers → Webhooks → the endpoint; for the Stripe CLI, stripe listen --print-secret"},
	{Provider: "github", Name: "GitHub", Scheme: "github", agent: "GitHub-Hookshot/", SecretArg: "'<the webhook's secret>'",
		Where: "Settings → Webhooks → the webhook → Secret, in the repository or organization"},
}

// SenderOf returns the provider a User-Agent names (Stripe/1.0 …,
// GitHub-Hookshot/…), or nil. hookctl's own requests (trigger, replay,
// check's probes) carry the provider's User-Agent followed by hookctl's
// product token: they are hookctl's, and nil.
func SenderOf(userAgent string) *Sender {
	if delivery.FromHookctl(userAgent) {
		return nil
	}
	for i := range senders {
		if strings.HasPrefix(userAgent, senders[i].agent) {
			return &senders[i]
		}
	}
	return nil
}

// senderHint says which provider a rejected request looks like it came
// from and how to have listen verify that provider's events (its secret
// with --secret, and --scheme when listen verifies another scheme only);
// "" when the request failed for a reason no setting changes (a stale or
// malformed signature).
func (s *Server) senderHint(p *Sender, userAgent string, reason signature.Reason) string {
	if len(userAgent) > 60 {
		userAgent = userAgent[:60] + "…"
	}
	cmd := "hookctl listen"
	var problem string
	fixed := s.cfg.Scheme
	if fixed == "auto" {
		fixed = ""
	}
	switch {
	case fixed != "" && fixed != p.Scheme:
		cmd += " --scheme " + p.Scheme
		problem = fmt.Sprintf("%s signs with the %s scheme and this listener verifies %s only", p.Name, p.Scheme, fixed)
	case reason == signature.ReasonMissingHeader:
		problem = fmt.Sprintf("it carries no %s signature: give the webhook a secret at %s and listen the same", p.Name, p.Name)
	case reason == signature.ReasonNoMatch && len(s.cfg.ProviderSecrets) > 0:
		problem = fmt.Sprintf("no --secret given is the one %s signs with", p.Name)
	case reason == signature.ReasonNoMatch:
		problem = fmt.Sprintf("%s signs with its own secret, not this listener's", p.Name)
	default:
		return ""
	}
	return fmt.Sprintf("the request was sent by what looks like %s (User-Agent %q); %s: %s --secret %s (%s)",
		p.Name, userAgent, problem, cmd, p.SecretArg, p.Where)
}
