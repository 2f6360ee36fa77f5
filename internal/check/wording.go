package check

import (
	"regexp"
	"strings"
	"sync"
	"time"
)

// The words of the checks for what the scheme's requests carry
// (Props.Auth): a signature made with a secret, the secret itself (Mono),
// or HTTP Basic credentials (Mambu's user:password). A receiver checking
// a password was told of requests "signed with another secret" and to
// "verify the signature over the raw body bytes": nothing is signed.

// credential is what authenticates a request, as a noun: "secret",
// "user:password".
func (r *runner) credential() string {
	if r.props.Auth == AuthBasic {
		return "user:password"
	}
	return "secret"
}

// sentWith is how a probe carries the other or the previous
// (which) credential: "signed with another
// secret", "carrying another secret in mono-webhook-secret", "with
// another password (HTTP Basic auth)".
func (r *runner) sentWith(which string) string {
	switch r.props.Auth {
	case AuthBasic:
		if which == "another" {
			return "with another password (HTTP Basic auth, same user)"
		}
		return "with the " + which + " user:password (HTTP Basic auth)"
	case AuthSecret:
		if which == "another" {
			return "carrying another secret in " + strings.Join(headerNames(r.props.SigHeaders), ", ")
		}
		return "carrying the " + which + " secret in " + strings.Join(headerNames(r.props.SigHeaders), ", ")
	}
	if which == "another" {
		return "signed with another secret"
	}
	return "signed with the " + which + " secret"
}

// validHint is accepts-valid's hint for a valid event that was not
// accepted (not refused as a failed verification).
func (r *runner) validHint() string {
	switch r.props.Auth {
	case AuthBasic:
		return "check the HTTP Basic auth user and password against the subscription's user:password, then answer 2xx"
	case AuthSecret:
		return "compare the " + strings.Join(headerNames(r.props.SigHeaders), ", ") + " header with the subscription's secret, then answer 2xx"
	case AuthNone:
		return "answer 2xx to a valid event"
	}
	return "verify the signature over the raw body bytes with the subscription's secret, then answer 2xx"
}

// refusedValidHint is accepts-valid's hint for a valid event refused
// with 400, 401 or 403: a failed verification.
func (r *runner) refusedValidHint() string {
	var hint string
	switch r.props.Auth {
	case AuthBasic:
		hint = "the receiver refused an event with the right HTTP Basic auth credentials: check that the receiver's user:password is the one the probes were sent with"
	case AuthSecret:
		hint = "the receiver refused an event carrying the right secret: check that the receiver's secret is the one the probes were sent with"
	case AuthNone:
		return "the receiver refused an event that carries no credentials (scheme " + r.props.Name + " sends none without a secret): if it expects HTTP Basic auth, give its user:password with --secret"
	default:
		if h := r.noRawBodyHint(); h != "" {
			return h
		}
		hint = "the receiver refused a correctly signed event: verify the signature over the raw body bytes, before any JSON parsing (a parsed and re-serialised body is not what was signed), then answer 2xx; and check that the receiver's secret is the one the probes were signed with"
	}
	if r.cfg.SecretFrom != "" {
		hint += " (" + r.cfg.SecretFrom + ")"
	}
	return hint
}

// noBodyWords are what a verification library says when it was given
// no body, or a parsed object, instead of the raw bytes: svix and
// standardwebhooks ("Expected payload to be of type string or Buffer.",
// "Cannot read properties of undefined (reading 'constructor')"),
// stripe ("Webhook payload must be provided as a string or a Buffer"),
// Node's crypto ("The \"data\" argument must be of type string or an
// instance of Buffer… Received undefined"). Compiled on first use.
var noBodyWords = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`(?i)expected payload|payload (must|should) be|string or (a |an instance of )?buffer|cannot read propert(y|ies) of (undefined|null)|received (undefined|an instance of object)`)
})

// noRawBodyHint is accepts-valid's hint when the refused (or failed)
// valid event's answer reads as the verification library's complaint
// that it got no raw body: Express's express.raw() without a type reads
// only application/octet-stream (req.body stays empty for the JSON a
// provider sends), and an express.json() before it leaves a parsed
// object. "verify … over the raw body bytes; check the secret" sent a
// developer whose code did both to compare secrets. "" otherwise.
func (r *runner) noRawBodyHint() string {
	o := r.refused
	if o == nil {
		o = r.first
	}
	if o == nil || r.props.Auth != AuthSignature {
		return ""
	}
	b := firstBytes(o.a.ResponseBody)
	if b == "" || !noBodyWords().MatchString(b) {
		return ""
	}
	return "the receiver's signature check got no raw body to verify (it answered " + b + "): hand the verify call the request's raw bytes (a string or Buffer), not a parsed object or nothing; in Express, express.raw({ type: \"application/json\" }) on the webhook route (express.raw() alone reads only application/octet-stream bodies, and an express.json() that runs first leaves a parsed object), then answer 2xx"
}

// wrongSecretHint is rejects-wrong-secret's hint when the probe was
// accepted.
func (r *runner) wrongSecretHint(answer string) string {
	cred, match := "signature", "check it against the subscription's secret"
	switch r.props.Auth {
	case AuthBasic:
		cred, match = "credentials", "compare the Basic auth user and password with the subscription's user:password"
	case AuthSecret:
		cred, match = "secret", "compare it with the subscription's secret"
	}
	if r.retired() {
		return "accepted a request " + r.sentWith("previous") + ", whose grace period ended " + r.cfg.PreviousUntil.UTC().Format(time.RFC3339) +
			": whoever still holds it (a leaked " + r.credential() + " is why one rotates) can send events; remove it from the receiver's configuration and " + answer + " when the " + cred + " does not match the current one"
	}
	return "accepted a request " + r.sentWith("another") + ": an attacker's request would be processed; " + match + " and " + answer + " when it does not match"
}

// rotatedHint is accepts-rotated-secret's hint for a scheme with one
// signature (or secret, or user:password) per request, in a rotation's
// grace period.
func (r *runner) rotatedHint(until string) string {
	switch r.props.Auth {
	case AuthBasic, AuthSecret:
		return "scheme " + r.props.Name + " sends one " + r.credential() + ", the previous one until " + until + " and the current one after: accept both until then"
	}
	return "scheme " + r.props.Name + " carries one signature, made with the previous secret until " + until + " and with the current one after: accept both until then"
}

// oneCredentialWhy is why accepts-rotated-secret does not apply outside
// a rotation's grace period.
func (r *runner) oneCredentialWhy() string {
	switch r.props.Auth {
	case AuthBasic, AuthSecret:
		return "scheme " + r.props.Name + " sends one " + r.credential() + " per request"
	case AuthNone:
		return "scheme " + r.props.Name + " sends no signature or secret"
	}
	return "scheme " + r.props.Name + " carries one signature per request"
}

// unsignedWhy is why the checks that alter a signature do not apply to a
// scheme that sends none (mambu's: unless a user:password --secret turns
// on HTTP Basic auth).
func (r *runner) unsignedWhy() string {
	why := "scheme " + r.props.Name + " sends no signature or secret"
	if r.props.Name == "mambu" {
		why += " (give a user:password --secret for HTTP Basic auth)"
	}
	return why
}
