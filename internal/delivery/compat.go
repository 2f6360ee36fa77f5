package delivery

import (
	"github.com/hookctl/hookctl/internal/catalog"
	"github.com/hookctl/hookctl/internal/signature"
)

// IDHeader is the header a scheme carries the event id in (its
// idempotency key); "" means the scheme's provider sends none, and
// neither does hookctl.
func IDHeader(scheme string) string { return signature.IDHeader(scheme) }

// SchemeFor is the scheme a provider signs its events with (subscriptions
// with scheme "auto").
func SchemeFor(provider string) string { return catalog.SchemeFor(provider) }
