package delivery

import (
	"fmt"
	"net/http"
	"time"

	"github.com/hookctl/hookctl/internal/catalog"
	"github.com/hookctl/hookctl/internal/signature"
	"github.com/hookctl/hookctl/internal/store"
)

// SigningSecret is a secret a delivery's signature may have been made
// with, and what it is to the reader ("current secret", …).
type SigningSecret struct{ Name, Value string }

// SchemeOf is the scheme d's requests are signed with: its own (sent ad
// hoc), else its subscription's, else its provider's.
func SchemeOf(d *store.Delivery, sub *store.Subscription, e *store.Event) string {
	scheme := d.Scheme
	if scheme == "" && sub != nil {
		scheme = sub.Scheme
	}
	if scheme == "" || scheme == "auto" {
		scheme = catalog.SchemeFor(e.Provider)
	}
	return scheme
}

// SigningSecrets are the secrets d's requests may have been signed with,
// to try in order: its subscription's current and previous ones; with
// no subscription (trigger --url, or deleted) the secret the delivery
// kept.
func SigningSecrets(d *store.Delivery, sub *store.Subscription) []SigningSecret {
	var out []SigningSecret
	if sub != nil {
		out = append(out, SigningSecret{"current secret", sub.Secret})
		if sub.PreviousSecret != "" {
			out = append(out, SigningSecret{"previous secret", sub.PreviousSecret})
		}
	} else if d.Secret != "" {
		out = append(out, SigningSecret{"delivery's own secret", d.Secret})
	}
	return out
}

// SignedWith says which of secrets made the signature attempt a sent over
// body, checked as of when it was sent (no tolerance); ok false with the
// first secret's error when none did.
func SignedWith(sch signature.Scheme, secrets []SigningSecret, a *store.Attempt, body []byte) (s SigningSecret, ok bool, err error) {
	var firstErr error
	for _, c := range secrets {
		err := sch.Verify(signature.VerifyInput{Secrets: []string{c.Value}, Header: http.Header(a.RequestHeaders),
			Body: body, Now: a.StartedAt, Tolerance: signature.NoTolerance})
		if err == nil {
			return c, true, nil
		}
		if firstErr == nil {
			firstErr = err
		}
	}
	return SigningSecret{}, false, firstErr
}

// Resigned is a request's headers with a signature made now.
type Resigned struct {
	Headers   map[string][]string
	Tolerance time.Duration // the scheme's: how long a receiver accepts it
	Until     time.Time     // when a receiver starts refusing it
}

// Within is the tolerance as people say it: "5 min", "300 s".
func (r *Resigned) Within() string {
	if r.Tolerance%time.Minute == 0 {
		return fmt.Sprintf("%d min", int(r.Tolerance.Minutes()))
	}
	return fmt.Sprintf("%d s", int(r.Tolerance.Seconds()))
}

// ResignStale gives a request sent again (copy as curl, deliveries show
// --curl) a signature made now when the one signed at signedAt is older
// than its scheme's timestamp tolerance (bond's and Stripe's 300 s,
// Standard Webhooks' 5 min): the recorded one is refused as too old by
// every receiver that checks the timestamp, a different failure than the
// one being debugged. Only the headers the scheme signs are made again,
// with secret, the one the recorded signature verified with (SignedWith);
// nil when the recorded headers still do: no secret, a scheme without a
// timestamp, a signature still fresh.
func ResignStale(scheme, secret string, signedAt time.Time, d *store.Delivery, e *store.Event, headers map[string][]string, body []byte, now time.Time) *Resigned {
	tol := signature.DefaultTolerance(scheme)
	if secret == "" || tol <= 0 || now.Sub(signedAt) <= tol {
		return nil
	}
	sch, err := signature.Lookup(scheme)
	if err != nil {
		return nil
	}
	sh, err := sch.Sign(signature.SignInput{Secrets: []string{secret}, ID: e.ID, Timestamp: now, Body: body,
		Endpoint: d.SubscriptionID, EventTime: e.CreatedAt})
	if err != nil {
		return nil
	}
	out := make(map[string][]string, len(headers))
	for k, vs := range headers {
		if _, signed := sh[http.CanonicalHeaderKey(k)]; !signed {
			out[k] = vs
		}
	}
	for k, vs := range sh {
		out[k] = vs
	}
	return &Resigned{Headers: out, Tolerance: tol, Until: now.Add(tol)}
}

// ResignAttempt is ResignStale for attempt a of d, whose body sent was
// body: with the secret of d's (sub: its subscription, or nil) its
// signature verifies with. A forward of listen is left as recorded (as
// the inspector leaves it: listen's verdict, not a secret of hookctl's,
// says what it carries).
func ResignAttempt(d *store.Delivery, e *store.Event, sub *store.Subscription, a *store.Attempt, body []byte, now time.Time) *Resigned {
	if d.Kind == store.KindForward {
		return nil
	}
	scheme := SchemeOf(d, sub, e)
	if signature.DefaultTolerance(scheme) <= 0 || now.Sub(a.StartedAt) <= signature.DefaultTolerance(scheme) {
		return nil // still fresh, or a scheme without a timestamp: no need to verify
	}
	sch, err := signature.Lookup(scheme)
	if err != nil {
		return nil
	}
	s, ok, _ := SignedWith(sch, SigningSecrets(d, sub), a, e.Payload)
	if !ok {
		return nil
	}
	return ResignStale(scheme, s.Value, a.StartedAt, d, e, a.RequestHeaders, body, now)
}
