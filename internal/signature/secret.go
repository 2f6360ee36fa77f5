package signature

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strings"
)

// Secret prefixes.
const (
	// SecretPrefix is the prefix of generated HMAC secrets (Standard
	// Webhooks, Stripe and Bond all use it).
	SecretPrefix = "whsec_"
	// PrivateKeyPrefix and PublicKeyPrefix mark Standard Webhooks v1a
	// (ed25519) keys: whsk_ + base64 of the 64-byte ed25519 private key
	// (seed followed by public key, Go's and libsodium's form; a bare
	// 32-byte seed is accepted too), whpk_ + base64 of the 32-byte public key.
	PrivateKeyPrefix = "whsk_"
	PublicKeyPrefix  = "whpk_"
)

// BondSecretBytes is how many random bytes a generated Bond secret holds:
// Bond issues whsec_ and 32 base64 characters (24 bytes). Secrets of
// another length (hookctl's older 44-character ones) sign and verify the
// same: Bond's scheme keys the HMAC with the whole string.
const BondSecretBytes = 24

// maxKeyLen is the largest decoded key handled without allocating.
const maxKeyLen = 96

// GenerateSecret returns a fresh secret in the scheme's expected form, read
// from crypto/rand:
//
//   - standard, stripe, github, mono, "auto" and "": whsec_ + base64
//     of 32 random bytes (one secret then works for every HMAC scheme)
//   - bond: whsec_ + base64 of 24 random bytes, 32 characters, the form
//     Bond issues (its docs' whsec_XqTEJtniwuEhp0A1c1cTJNsmpR/qgOfB); it
//     is a Standard Webhooks secret too (24 to 64 bytes)
//   - standard-ed25519: a whsk_ private key (PublicKey gives its whpk_)
//   - paystack: sk_test_ + 40 hex digits, like Paystack's secret keys
//   - slack: 32 hex digits, like Slack signing secrets
//   - shopify: 64 hex digits
//   - mambu: "hookctl:<random password>" for HTTP Basic auth
func GenerateSecret(scheme string) (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("generating secret: %w", err)
	}
	switch scheme {
	case "standard-ed25519":
		priv := ed25519.NewKeyFromSeed(b)
		return PrivateKeyPrefix + base64.StdEncoding.EncodeToString(priv), nil
	case "paystack":
		return "sk_test_" + hex.EncodeToString(b[:20]), nil
	case "slack":
		return hex.EncodeToString(b[:16]), nil
	case "shopify":
		return hex.EncodeToString(b), nil
	case "mambu":
		return "hookctl:" + base64.RawURLEncoding.EncodeToString(b[:24]), nil
	case "bond":
		return SecretPrefix + base64.StdEncoding.EncodeToString(b[:BondSecretBytes]), nil
	}
	return SecretPrefix + base64.StdEncoding.EncodeToString(b), nil
}

// ValidateSecret checks that a user-supplied secret suits the scheme
// ("auto" and unknown names get only the generic checks). The error is a
// *VerifyError with ReasonBadSecret.
func ValidateSecret(scheme, secret string) error {
	if strings.TrimSpace(secret) == "" {
		return badSecret(scheme, "the secret is empty")
	}
	if strings.TrimSpace(secret) != secret || strings.ContainsAny(secret, "\r\n") {
		// Inner spaces are fine (GitHub's own example secret has them);
		// surrounding whitespace and line breaks are copy-paste accidents.
		return badSecret(scheme, "the secret has leading or trailing whitespace or a line break")
	}
	switch scheme {
	case "standard", "svix":
		var kb [maxKeyLen]byte
		if _, err := decodeStandardKey(kb[:], secret); err != nil {
			return err
		}
	case "standard-ed25519":
		if strings.HasPrefix(secret, PublicKeyPrefix) {
			_, err := decodeEd25519Public(secret)
			return err
		}
		_, err := decodeEd25519Private(secret)
		return err
	case "mambu":
		if user, _, ok := strings.Cut(secret, ":"); ok && user == "" {
			return badSecret(scheme, `the secret must be "user:password" for HTTP Basic auth; the user is empty`)
		}
	}
	return nil
}

// ValidateSigningSecret is ValidateSecret for a secret that will sign
// (a subscription's, trigger's, check's, sign's): for standard-ed25519
// that is the whsk_ private key, not the whpk_ public key, which verifies
// but cannot sign.
func ValidateSigningSecret(scheme, secret string) error {
	if err := ValidateSecret(scheme, secret); err != nil {
		return err
	}
	if scheme == "standard-ed25519" {
		_, err := decodeEd25519Private(secret)
		return err
	}
	return nil
}

// DecodeStandardSecret returns the HMAC key of a Standard Webhooks secret:
// the base64-decoded bytes after the whsec_ prefix (the prefix is optional,
// as in the reference library; unpadded base64 is accepted).
func DecodeStandardSecret(secret string) ([]byte, error) {
	key, err := decodeStandardKey(nil, secret)
	if err != nil {
		return nil, err
	}
	return append([]byte(nil), key...), nil
}

// decodeStandardKey decodes a whsec_ secret into dst when it fits (no
// allocation), else into a new slice.
func decodeStandardKey(dst []byte, secret string) ([]byte, error) {
	s := strings.TrimPrefix(secret, SecretPrefix)
	enc := base64.StdEncoding
	if len(s)%4 != 0 && !strings.HasSuffix(s, "=") {
		enc = base64.RawStdEncoding
	}
	if n := enc.DecodedLen(len(s)); n > len(dst) {
		dst = make([]byte, n)
	}
	var src [maxKeyLen * 2]byte
	var in []byte
	if len(s) <= len(src) {
		in = src[:copy(src[:], s)]
	} else {
		in = []byte(s)
	}
	n, err := enc.Decode(dst, in)
	if err != nil || n == 0 {
		return nil, badSecret("standard", "the secret must be whsec_ followed by base64 (e.g. one made by \"hookctl subscribe\")")
	}
	return dst[:n], nil
}

func decodeEd25519Private(secret string) (ed25519.PrivateKey, error) {
	const scheme = "standard-ed25519"
	if strings.HasPrefix(secret, PublicKeyPrefix) {
		return nil, badSecret(scheme, "signing needs the whsk_ private key: a whpk_ public key verifies but cannot sign")
	}
	if !strings.HasPrefix(secret, PrivateKeyPrefix) {
		return nil, badSecret(scheme, "the key must be whsk_ (private, to sign) or whpk_ (public, to verify) followed by base64")
	}
	b, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, PrivateKeyPrefix))
	if err != nil {
		return nil, badSecret(scheme, "the whsk_ key is not valid base64")
	}
	switch len(b) {
	case ed25519.SeedSize:
		return ed25519.NewKeyFromSeed(b), nil
	case ed25519.PrivateKeySize:
		priv := ed25519.NewKeyFromSeed(b[:ed25519.SeedSize])
		if !ctEqual(priv[ed25519.SeedSize:], b[ed25519.SeedSize:]) {
			return nil, badSecret(scheme, "the whsk_ key's public half does not match its seed")
		}
		return priv, nil
	}
	return nil, badSecret(scheme, "the whsk_ key must decode to 64 bytes (or a 32-byte seed), got %d", len(b))
}

func decodeEd25519Public(secret string) (ed25519.PublicKey, error) {
	const scheme = "standard-ed25519"
	if strings.HasPrefix(secret, PrivateKeyPrefix) {
		priv, err := decodeEd25519Private(secret)
		if err != nil {
			return nil, err
		}
		return priv.Public().(ed25519.PublicKey), nil
	}
	if !strings.HasPrefix(secret, PublicKeyPrefix) {
		return nil, badSecret(scheme, "the key must be whpk_ (public) or whsk_ (private) followed by base64")
	}
	b, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, PublicKeyPrefix))
	if err != nil {
		return nil, badSecret(scheme, "the whpk_ key is not valid base64")
	}
	if len(b) != ed25519.PublicKeySize {
		return nil, badSecret(scheme, "the whpk_ key must decode to 32 bytes, got %d", len(b))
	}
	return ed25519.PublicKey(b), nil
}

// PublicKey returns the whpk_ public key of a whsk_ private key (to hand to
// receivers of standard-ed25519 webhooks).
func PublicKey(privateKey string) (string, error) {
	pub, err := decodeEd25519Public(privateKey)
	if err != nil {
		return "", err
	}
	return PublicKeyPrefix + base64.StdEncoding.EncodeToString(pub), nil
}
