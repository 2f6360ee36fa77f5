// Package signature signs and verifies webhook requests the way real
// providers do. It is pure: no I/O, and the clock is passed in.
package signature

import (
	"fmt"
	"net/http"
	"time"
)

// Scheme is one provider's signing convention.
type Scheme interface {
	// Name is the scheme's name as given to --scheme (standard, stripe, …).
	Name() string
	// Sign returns the headers to add to a request carrying in.Body.
	// Several secrets produce several signatures where the scheme allows
	// it (secret rotation).
	Sign(in SignInput) (http.Header, error)
	// Verify checks a request's headers against its raw body; it returns
	// nil or a *VerifyError.
	Verify(in VerifyInput) error
}

// SignInput is what a scheme signs.
type SignInput struct {
	Secrets   []string // first is the current one
	ID        string   // message / event id (idempotency key)
	Timestamp time.Time
	Body      []byte
}

// VerifyInput is what a scheme verifies.
type VerifyInput struct {
	Secrets   []string // any may match
	Header    http.Header
	Body      []byte // raw bytes as received
	Now       time.Time
	Tolerance time.Duration // 0 = the scheme's default
}

// Reason classifies a verification failure.
type Reason string

// Verification failure reasons.
const (
	ReasonMissingHeader   Reason = "missing_header"
	ReasonMalformedHeader Reason = "malformed_header"
	ReasonNoMatch         Reason = "no_matching_signature"
	ReasonTooOld          Reason = "timestamp_too_old"
	ReasonTooNew          Reason = "timestamp_too_new"
	ReasonBadSecret       Reason = "invalid_secret"
)

// VerifyError is a typed verification failure with a human message.
type VerifyError struct {
	Reason Reason
	Scheme string
	Msg    string // human reason, e.g. `missing header "Bond-Signature"`
}

func (e *VerifyError) Error() string { return fmt.Sprintf("%s: %s", e.Scheme, e.Msg) }

// ErrUnknownScheme is returned by Lookup for a name that is not a scheme.
type ErrUnknownScheme struct{ Name string }

func (e *ErrUnknownScheme) Error() string { return fmt.Sprintf("unknown signature scheme %q", e.Name) }
