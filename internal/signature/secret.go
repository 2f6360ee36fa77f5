package signature

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strings"
)

// SecretPrefix is the prefix of generated HMAC secrets (Standard Webhooks,
// Stripe and Bond all use it).
const SecretPrefix = "whsec_"

// GenerateSecret returns a fresh secret in the scheme's expected form:
// whsec_ + base64 of 32 random bytes for standard, stripe, bond and "auto"
// (and every scheme that takes a raw string secret, so one secret works
// for all), read from crypto/rand.
func GenerateSecret(scheme string) (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("generating secret: %w", err)
	}
	switch scheme {
	case "paystack", "slack":
		return hex.EncodeToString(b), nil
	}
	return SecretPrefix + base64.StdEncoding.EncodeToString(b), nil
}

// ValidateSecret checks that a user-supplied secret suits the scheme.
func ValidateSecret(scheme, secret string) error {
	if strings.TrimSpace(secret) == "" {
		return &VerifyError{Reason: ReasonBadSecret, Scheme: scheme, Msg: "the secret is empty"}
	}
	if strings.ContainsAny(secret, " \t\r\n") {
		return &VerifyError{Reason: ReasonBadSecret, Scheme: scheme, Msg: "the secret contains whitespace"}
	}
	switch scheme {
	case "standard":
		if _, err := DecodeStandardSecret(secret); err != nil {
			return err
		}
	}
	return nil
}

// DecodeStandardSecret returns the HMAC key of a Standard Webhooks secret:
// the base64-decoded bytes after the whsec_ prefix.
func DecodeStandardSecret(secret string) ([]byte, error) {
	s := strings.TrimPrefix(secret, SecretPrefix)
	key, err := base64.StdEncoding.DecodeString(s)
	if err != nil || len(key) == 0 {
		return nil, &VerifyError{Reason: ReasonBadSecret, Scheme: "standard",
			Msg: "the secret must be whsec_ followed by base64 (e.g. one made by 'hookctl subscribe')"}
	}
	return key, nil
}
