package delivery

import (
	"net"
	"net/url"
	"strings"
	"sync"
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
	Max   int
	mu    sync.Mutex
	hints []string
}

// Note records r's hint when it is a failed attempt that was sent.
func (h *FailureHints) Note(r Result) {
	if r.Attempt == nil || r.NotSent || r.LeaseLost {
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
	hint := FailureHint(r.Attempt.RequestURL, errText)
	if hint == "" {
		return
	}
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
