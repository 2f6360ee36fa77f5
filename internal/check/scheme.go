package check

import (
	"errors"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/hookctl/hookctl/internal/signature"
)

// Props are what a signature scheme promises, found by asking the scheme
// itself (signing and verifying a sample), so a scheme added later is
// judged by what it does, not by a list here.
type Props struct {
	Name string
	// SigHeaders are the headers that carry the signature or secret: the
	// ones whose value changes with the secret. Empty: nothing is signed
	// (Mambu without a user:password secret).
	SigHeaders []string
	// SignsBody: a changed body fails verification.
	SignsBody bool
	// Timestamp: a signature 10 minutes old fails verification.
	Timestamp bool
	// BoundsFuture: a signature 10 minutes ahead fails verification.
	BoundsFuture bool
	// MultiSig: one request carries several signatures (rotation).
	MultiSig bool
	// Auth is what the SigHeaders carry, for the wording of the checks:
	// AuthSignature (made from the body and the secret), AuthSecret (the
	// secret itself, e.g. Mono's mono-webhook-secret), AuthBasic (HTTP
	// Basic credentials, Mambu's user:password), AuthNone (nothing).
	Auth string
}

// What a scheme's requests carry to authenticate them (Props.Auth).
const (
	AuthNone      = ""
	AuthSignature = "signature"
	AuthSecret    = "secret"
	AuthBasic     = "basic"
)

// probeSkew is how far outside the 5-minute tolerance stale and future
// probes are signed.
const probeSkew = 10 * time.Minute

// SchemeProps works out the properties of a scheme for a secret.
func SchemeProps(name, secret string) (Props, error) {
	sch, err := signature.Lookup(name)
	if err != nil {
		return Props{}, err
	}
	p := Props{Name: sch.Name()}
	other, err := OtherSecret(p.Name, secret)
	if err != nil {
		return p, err
	}
	now := time.Unix(1_800_000_000, 0)
	body := []byte(`{"probe":1}`)
	sign := func(secrets []string, at time.Time) http.Header {
		h, err := sch.Sign(signature.SignInput{Secrets: secrets, ID: "msg_probe", Timestamp: at, Body: body})
		if err != nil {
			return nil
		}
		return h
	}
	ok := func(h http.Header, b []byte, secrets ...string) bool {
		return h != nil && sch.Verify(signature.VerifyInput{Secrets: secrets, Header: h, Body: b, Now: now}) == nil
	}
	var secrets []string
	if secret != "" {
		secrets = []string{secret}
	}
	h1 := sign(secrets, now)
	if h1 == nil {
		return p, errors.New("the scheme cannot sign with this secret")
	}
	h2 := sign([]string{other}, now)
	for k, v := range h1 {
		if strings.Join(v, ",") != strings.Join(h2[k], ",") {
			p.SigHeaders = append(p.SigHeaders, k)
		}
	}
	if len(p.SigHeaders) == 0 {
		return p, nil // nothing signed: nothing more to learn
	}
	sort.Strings(p.SigHeaders) // evidence names them in a stable order
	p.SignsBody = !ok(h1, []byte(`{"probe":2}`), secrets...)
	switch {
	case p.SignsBody:
		p.Auth = AuthSignature
	case strings.HasPrefix(h1.Get("Authorization"), "Basic "):
		p.Auth = AuthBasic
	default:
		p.Auth = AuthSecret
	}
	p.Timestamp = !ok(sign(secrets, now.Add(-probeSkew)), body, secrets...)
	p.BoundsFuture = !ok(sign(secrets, now.Add(probeSkew)), body, secrets...)
	// Signed with both, each verifies it alone (a scheme that carries one
	// signature signs with one of them).
	both := sign([]string{other, secret}, now)
	p.MultiSig = ok(both, body, secret) && ok(both, body, other)
	return p, nil
}

// OtherSecret returns a secret in the scheme's format that is not secret
// (the "wrong secret" and the "old secret" of rotation).
func OtherSecret(scheme, secret string) (string, error) {
	if scheme == "mambu" {
		user, _, ok := strings.Cut(secret, ":")
		if !ok || user == "" {
			user = "hookctl"
		}
		s, err := signature.GenerateSecret(scheme)
		if err != nil {
			return "", err
		}
		_, pass, _ := strings.Cut(s, ":")
		return user + ":" + pass, nil
	}
	for range 3 {
		s, err := signature.GenerateSecret(scheme)
		if err != nil {
			return "", err
		}
		if s != secret {
			return s, nil
		}
	}
	return "", errors.New("cannot generate another secret")
}
