package signature

import (
	"net/http"
)

// STUB: the signature issue replaces this file with the real registry.

// Names lists the scheme names, in help order.
func Names() []string {
	return []string{"standard", "standard-ed25519", "stripe", "bond", "github", "mono", "mambu", "paystack", "shopify", "slack"}
}

// Lookup returns a scheme by name.
func Lookup(name string) (Scheme, error) { return nil, &ErrUnknownScheme{Name: name} }

// Detect guesses the scheme from the headers present.
func Detect(h http.Header) (Scheme, bool) { return nil, false }
