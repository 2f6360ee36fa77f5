package signature

import (
	"errors"
	"net/http"
)

// STUB: the signature issue replaces this file with the real registry.

var errNotImplemented = errors.New("signature schemes are not implemented yet")

// Names lists the scheme names, in help order.
func Names() []string {
	return []string{"standard", "standard-ed25519", "stripe", "bond", "github", "mono", "mambu", "paystack", "shopify", "slack"}
}

// Lookup returns a scheme by name.
func Lookup(name string) (Scheme, error) { return nil, &ErrUnknownScheme{Name: name} }

// Detect guesses the scheme from the headers present.
func Detect(h http.Header) (Scheme, bool) { return nil, false }

// GenerateSecret returns a fresh secret in the scheme's expected form
// (whsec_ + base64 of 32 random bytes for standard, stripe and bond, …).
func GenerateSecret(scheme string) (string, error) { return "", errNotImplemented }

// ValidateSecret checks that a user-supplied secret suits the scheme.
func ValidateSecret(scheme, secret string) error { return errNotImplemented }
