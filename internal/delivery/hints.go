package delivery

import (
	"fmt"
	"net"
	"net/url"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/hookctl/hookctl/internal/store"
	"github.com/hookctl/hookctl/internal/subscription"
)

// FailureHint says what to check when an attempt to target failed with
// errText (the attempt's error, as recorded): nothing listening, a host
// that does not resolve, a TLS certificate not trusted here, a port that
// does not speak TLS, hookctl listen's app not answering. "" when the
// error says nothing more specific than
// itself (a timeout, a reset, a status). The commands that send (trigger,
// replay, worker, check) take --insecure (-k), which the TLS hint names.
func FailureHint(target, errText string) string {
	host, hostPort := target, target
	if u, err := url.Parse(target); err == nil && u.Host != "" {
		host, hostPort = u.Hostname(), u.Host
		if u.Port() == "" {
			port := "80"
			if u.Scheme == "https" {
				port = "443"
			}
			hostPort = net.JoinHostPort(host, port)
		}
	}
	if strings.HasPrefix(errText, "HTTP ") {
		// An answer (its body follows the status): the receiver is up.
		// hookctl listen answers 502 when the app it forwards to does not.
		if strings.HasPrefix(errText, "HTTP 502 ") && strings.Contains(errText, `"error":"the app did not answer"`) {
			if strings.Contains(errText, "connection refused") {
				return "hookctl listen at " + hostPort + " could not reach the app it forwards to (connection refused): is your app running? (start it, then replay)"
			}
			// listen's reason, when its answer says it: what to change in
			// listen (a CI log may hold trigger's output, not listen's).
			if strings.Contains(errText, "x509: ") || strings.Contains(errText, "tls: failed to verify certificate") {
				return "hookctl listen at " + hostPort + " does not trust the TLS certificate of the app it forwards to: for a self-signed one, start listen with --skip-verify (then replay)"
			}
			const within = "did not answer within "
			if i := strings.Index(errText, within); i >= 0 {
				if d, _, ok := strings.Cut(errText[i+len(within):], " (--timeout)"); ok && len(d) < 20 {
					return "the app behind hookctl listen at " + hostPort + " did not answer within listen's --timeout (" + d + "): make it answer sooner (acknowledge first, then work), or start listen with a longer --timeout"
				}
			}
			return "hookctl listen at " + hostPort + " answered 502: the app it forwards to did not answer (see listen's log)"
		}
		return ""
	}
	switch {
	case strings.Contains(errText, "connect: connection refused"):
		return "nothing listens at " + hostPort + ": is the receiver running? (start it first; in CI, wait for its port)"
	case strings.Contains(errText, "dial tcp: lookup "), strings.Contains(errText, "no such host"):
		return "could not resolve " + host + ": check the URL"
	case strings.Contains(errText, "x509: certificate signed by unknown authority"):
		return "the receiver's TLS certificate is not trusted here: pass --insecure (-k) to accept a self-signed one, or point SSL_CERT_FILE at the CA that signed it"
	case strings.Contains(errText, "x509: "):
		return "the receiver's TLS certificate is refused here (see the error): pass --insecure (-k) to accept it anyway"
	case strings.Contains(errText, "server gave HTTP response to HTTPS client"),
		strings.Contains(errText, "first record does not look like a TLS handshake"):
		return "the receiver does not speak TLS on that port: use an http:// URL"
	}
	return ""
}

// FailureHints collects the distinct FailureHint of a run's failed
// attempts (Note from OnResult, from any goroutine), at most max, in the
// order first seen.
type FailureHints struct {
	Max int
	// The ids the hints name (a subscription's) are whole, on a terminal
	// too: a hint's command is copied, and a prefix unique among the ids
	// named may name another subscription of the store (the command would
	// fail as ambiguous).
	mu    sync.Mutex
	hints []string
}

// Note records r's hint when it is a failed attempt that was sent, or
// one not sent because its subscription is disabled.
func (h *FailureHints) Note(r Result) {
	if r.Attempt == nil || r.LeaseLost {
		return
	}
	if hint := subscriptionHint(r); hint != "" {
		h.add(hint)
		return
	}
	if r.NotSent {
		return
	}
	if hint := redirectHint(r.Attempt); hint != "" {
		h.add(hint)
		return
	}
	errText := r.Attempt.Error
	if errText == "" && r.Attempt.ResponseStatus == 502 && r.Delivery != nil {
		// An answer: the delivery's last error quotes its status and body
		// (hookctl listen's 502 when its app is down).
		errText = r.Delivery.LastError
	}
	if errText == "" {
		return
	}
	if hint := FailureHint(r.Attempt.RequestURL, errText); hint != "" {
		h.add(hint)
	}
}

// subscriptionHint says what to do when r's subscription is disabled:
// by this attempt's 410 Gone, or before it (nothing was sent). A replay
// of such a delivery is not sent either until the subscription is
// enabled again, so "replay after a fix" alone leads nowhere.
func subscriptionHint(r Result) string {
	if r.Delivery == nil || r.Delivery.SubscriptionID == "" {
		return ""
	}
	id := r.Delivery.SubscriptionID
	switch {
	case r.Disabled:
		return "its endpoint answered 410 Gone, so subscription " + id + " is disabled now: once the endpoint is back, hookctl subscriptions enable " + id + ", then replay"
	case r.NotSent && r.Final && r.Attempt.Error == errSubscriptionDisabled.Error() && r.StoppedListen != "":
		// Enabled by hand, it would send to a port nothing listens at.
		return "hookctl listen on " + r.StoppedListen + " stopped, so nothing was sent to its subscription " + id + ": start it again with the same settings (it takes its subscription back), then replay"
	case r.NotSent && r.Final && r.Attempt.Error == errSubscriptionDisabled.Error():
		// Final: a stopped listen's subscription (disabled until it
		// starts again) keeps its deliveries on their schedule instead.
		return "subscription " + id + " is disabled, so nothing was sent to it: hookctl subscriptions enable " + id + ", then replay"
	}
	return ""
}

// redirectHint names where a receiver redirected to: webhooks do not
// follow redirects (as the providers do not), so the delivery failed
// with a 3xx that alone does not say what to change.
func redirectHint(a *store.Attempt) string {
	if a.Error != "" || a.ResponseStatus < 300 || a.ResponseStatus > 399 {
		return ""
	}
	var loc string
	for k, vs := range a.ResponseHeaders {
		if strings.EqualFold(k, "Location") && len(vs) > 0 {
			loc = vs[0]
		}
	}
	if loc == "" {
		return ""
	}
	rawLoc := loc
	if u, err := url.Parse(a.RequestURL); err == nil {
		if l, err := u.Parse(loc); err == nil {
			loc = l.String()
		}
	}
	if !utf8.ValidString(loc) || strings.ContainsFunc(loc, unicode.IsControl) {
		return ""
	}
	if viaListen(a) {
		// The 3xx is the app's, passed on by listen as it came: a
		// relative Location is the app's path, not one of listen's.
		hostPort := a.RequestURL
		if u, err := url.Parse(a.RequestURL); err == nil && u.Host != "" {
			hostPort = u.Host
		}
		return fmt.Sprintf("hookctl listen at %s forwarded it to your app, which answered %d, redirecting to %s: webhooks do not follow redirects; point listen's --forward at the URL your app expects (listen's log names it)",
			hostPort, a.ResponseStatus, rawLoc)
	}
	if loc == a.RequestURL {
		// "send to that URL instead" named the URL it was sent to.
		return fmt.Sprintf("%s answered %d, redirecting to itself (a client that followed it would loop): webhooks do not follow redirects anyway; answer the request at this URL: look for what redirects it (a trailing-slash, HTTPS or login rule, a proxy)",
			subscription.MaskUserinfo(a.RequestURL), a.ResponseStatus)
	}
	return fmt.Sprintf("%s answered %d, redirecting to %s: webhooks do not follow redirects; send to that URL instead", subscription.MaskUserinfo(a.RequestURL), a.ResponseStatus, subscription.MaskUserinfo(loc))
}

// viaListen: the attempt went to a subscription hookctl listen made for
// itself (it carries the header only listen reads), so its answer is
// the app's behind listen.
func viaListen(a *store.Attempt) bool {
	for k := range a.RequestHeaders {
		if strings.EqualFold(k, ListenEventIDHeader) {
			return true
		}
	}
	return false
}

func (h *FailureHints) add(hint string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if len(h.hints) >= max(h.Max, 1) {
		return
	}
	for _, x := range h.hints {
		if x == hint {
			return
		}
	}
	h.hints = append(h.hints, hint)
}

// List is what was noted.
func (h *FailureHints) List() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]string(nil), h.hints...)
}
