// Package signature signs and verifies webhook requests the way real
// providers do. It is pure: no I/O, and the clock is passed in (the only
// exceptions are GenerateSecret and NewID, which read crypto/rand).
//
// Every scheme verifies over the raw body bytes, compares in constant time,
// accepts any of several secrets (rotation) and reports failures as a
// *VerifyError whose Reason callers can switch on.
package signature

import (
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/hookctl/hookctl/internal/textdist"
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
	// Secrets: the current one first; during a rotation's grace period
	// the previous one after it. A scheme that carries several
	// signatures signs with each; one that carries a single signature
	// signs with the last (oneSecret).
	Secrets   []string
	ID        string // message / event id (idempotency key)
	Timestamp time.Time
	Body      []byte
	// EventType is sent where the scheme has a header for it
	// (X-GitHub-Event, X-Shopify-Topic); optional.
	EventType string
	// Endpoint names the webhook the request is sent to (a subscription's
	// id; "" for one sent ad hoc, which its secret then stands for): the
	// provider headers that name the webhook or the delivery derive from
	// it (Envelope: X-GitHub-Hook-ID; X-Shopify-Webhook-Id), so they stay
	// the same on every retry and replay. Optional.
	Endpoint string
	// EventTime is when the event happened (X-Shopify-Triggered-At: the
	// same on every retry); zero = Timestamp.
	EventTime time.Time
}

// VerifyInput is what a scheme verifies.
type VerifyInput struct {
	Secrets   []string // any may match
	Header    http.Header
	Body      []byte        // raw bytes as received
	Now       time.Time     // time of receipt; required by schemes with a timestamp
	Tolerance time.Duration // 0 = the scheme's default; NoTolerance = do not check the timestamp
}

// NoTolerance as VerifyInput.Tolerance skips the timestamp check (for
// checking an old recorded request).
const NoTolerance time.Duration = -1

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
	// Header is the header concerned (missing or malformed), if any.
	Header string
	// Skew is how far outside the tolerance the timestamp is (too old or
	// too new), and SignatureValid whether the signature matched anyway.
	Skew           time.Duration
	SignatureValid bool
}

func (e *VerifyError) Error() string { return fmt.Sprintf("%s: %s", e.Scheme, e.Msg) }

// ErrUnknownScheme is returned by Lookup for a name that is not a scheme.
type ErrUnknownScheme struct {
	Name string
	// Auto: the command also takes "auto" (detect, or sign as each
	// provider does), so the hints name it too.
	Auto bool
}

// UnknownScheme is the error of every --scheme (and scheme setting) that
// names no scheme: "unknown signature scheme", did you mean, the valid
// names (auto among them when the command takes it).
func UnknownScheme(name string, auto bool) *ErrUnknownScheme {
	return &ErrUnknownScheme{Name: name, Auto: auto}
}

func (e *ErrUnknownScheme) Error() string { return fmt.Sprintf("unknown signature scheme %q", e.Name) }

// Hints suggest the closest name and list the valid ones.
func (e *ErrUnknownScheme) Hints() []string {
	names := Names()
	if e.Auto {
		names = append([]string{"auto"}, names...)
	}
	var h []string
	if s := textdist.Closest(e.Name, names); s != "" {
		h = append(h, fmt.Sprintf("did you mean %q?", s))
	}
	return append(h, "valid schemes: "+strings.Join(names, ", "))
}

func missing(scheme, header string) *VerifyError {
	return &VerifyError{Reason: ReasonMissingHeader, Scheme: scheme, Header: header,
		Msg: fmt.Sprintf("missing header %q", header)}
}

func malformed(scheme, header, format string, args ...any) *VerifyError {
	return &VerifyError{Reason: ReasonMalformedHeader, Scheme: scheme, Header: header,
		Msg: fmt.Sprintf("malformed header %q: %s", header, fmt.Sprintf(format, args...))}
}

func noMatch(scheme, what string) *VerifyError {
	return &VerifyError{Reason: ReasonNoMatch, Scheme: scheme,
		Msg: "no matching signature: " + what}
}

func badSecret(scheme, format string, args ...any) *VerifyError {
	return &VerifyError{Reason: ReasonBadSecret, Scheme: scheme, Msg: fmt.Sprintf(format, args...)}
}

// timeWindow says how a scheme checks its timestamp.
type timeWindow struct {
	tolerance time.Duration
	future    bool // also reject timestamps too far in the future
}

// check returns the timestamp error, if any, for a request signed at ts
// and received at now; valid says whether the signature matched, for the
// message.
func (w timeWindow) check(scheme string, in VerifyInput, ts int64, valid bool) error {
	tol := in.Tolerance
	if tol < 0 {
		return nil
	}
	if tol == 0 {
		tol = w.tolerance
	}
	now := in.Now.Unix()
	// Whole seconds, as the timestamps are; clamped so that absurd
	// timestamps cannot overflow a Duration.
	const maxSec = 1 << 33
	d := min(max(now-ts, -maxSec), maxSec)
	age := time.Duration(d) * time.Second
	tail := "; the signature is otherwise valid"
	if !valid {
		tail = ""
	}
	switch {
	case age > tol:
		return &VerifyError{Reason: ReasonTooOld, Scheme: scheme, Skew: age - tol, SignatureValid: valid,
			Msg: fmt.Sprintf("timestamp too old: signed %s ago (%s), %s beyond the %s tolerance%s",
				humanDuration(age), time.Unix(ts, 0).UTC().Format(time.RFC3339), humanDuration(age-tol), humanDuration(tol), tail)}
	case w.future && -age > tol:
		return &VerifyError{Reason: ReasonTooNew, Scheme: scheme, Skew: -age - tol, SignatureValid: valid,
			Msg: fmt.Sprintf("timestamp too new: signed %s in the future (%s), %s beyond the %s tolerance%s",
				humanDuration(-age), time.Unix(ts, 0).UTC().Format(time.RFC3339), humanDuration(-age-tol), humanDuration(tol), tail)}
	}
	return nil
}

// humanDuration writes d the way a person reads it: "45s", "4m30s",
// "5h3m", "12 days 3h".
func humanDuration(d time.Duration) string {
	d = d.Round(time.Second)
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%ds", int(d.Seconds()))
	case d < time.Hour:
		m, s := int(d/time.Minute), int(d%time.Minute/time.Second)
		if s == 0 {
			return fmt.Sprintf("%dm", m)
		}
		return fmt.Sprintf("%dm%ds", m, s)
	case d < 48*time.Hour:
		h, m := int(d/time.Hour), int(d%time.Hour/time.Minute)
		if m == 0 {
			return fmt.Sprintf("%dh", h)
		}
		return fmt.Sprintf("%dh%dm", h, m)
	}
	days, h := int(d/(24*time.Hour)), int(d%(24*time.Hour)/time.Hour)
	if h == 0 {
		return fmt.Sprintf("%d days", days)
	}
	return fmt.Sprintf("%d days %dh", days, h)
}

// parseUnix parses a decimal unix timestamp without allocating.
func parseUnix(s string) (int64, bool) {
	if s == "" || len(s) > 12 {
		return 0, false
	}
	var n int64
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	return n, true
}

// oneSecret is the secret a scheme that carries a single signature signs
// with: the last given. During a rotation's grace period (Secrets: the new
// one, then the previous) the previous one goes on signing until the
// period ends, as `rotate-secret --grace` promises, and the new one signs
// after it: a receiver accepts both meanwhile and switches when it is
// ready. (Signing with the new one at once, as before, failed every
// delivery to a receiver still on the old secret.)
func (in SignInput) oneSecret() string { return in.Secrets[len(in.Secrets)-1] }
