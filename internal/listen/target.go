package listen

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"path"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/hookctl/hookctl/internal/subscription"
)

// NormalizeTarget turns what developers type into a forward URL:
// "3000" → http://localhost:3000, "localhost:3000/webhooks" →
// http://localhost:3000/webhooks, ":3000" → http://localhost:3000; full
// http(s) URLs are kept.
func NormalizeTarget(s string) (*url.URL, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, fmt.Errorf("the forward target is empty")
	}
	// "3000" or "3000/webhooks": a port on localhost.
	port, rest, _ := strings.Cut(s, "/")
	if n, err := strconv.Atoi(port); err == nil && !strings.Contains(s, ":") {
		if n <= 0 || n > 65535 {
			return nil, fmt.Errorf("invalid forward port %d: want 1-65535", n)
		}
		s = "localhost:" + port
		if rest != "" || strings.HasSuffix(s, "/") {
			s += "/" + rest
		}
	}
	if strings.HasPrefix(s, ":") {
		s = "localhost" + s
	}
	if !strings.Contains(s, "://") {
		s = "http://" + s
	}
	// A scheme is case-insensitive: HTTP://localhost:3000 is http://, as
	// for every URL hookctl takes (subscription.LowerScheme; url.Parse
	// lowers it too, the messages below show it lowered).
	s = subscription.LowerScheme(s)
	u, err := url.Parse(s)
	if err != nil {
		return nil, fmt.Errorf("invalid forward target %q: %v", s, err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, fmt.Errorf("invalid forward target %q: the scheme must be http or https", s)
	}
	if u.Host == "" {
		return nil, fmt.Errorf("invalid forward target %q: no host", s)
	}
	if u.Hostname() == "" {
		// http://:3000 was taken, forwarded to http://:3000 (Go dials
		// the local host): what "http://$APP_HOST:3000" with the variable
		// unset gives, silently sent to this machine. The shorthand
		// ":3000" says localhost on purpose; a URL names its host.
		return nil, fmt.Errorf("invalid forward target %q: no host name before the port (an empty variable?)", s)
	}
	if strings.HasPrefix(u.Hostname(), "-") {
		// No host name starts with '-': this is a flag taken as the value
		// (listen --forward --help forwarded to http://--help).
		return nil, fmt.Errorf("invalid forward target %q: %q is not a host name (a flag given where the target belongs?)", strings.TrimPrefix(s, "http://"), u.Hostname())
	}
	if p := u.Port(); p != "" {
		if n, err := strconv.Atoi(p); err != nil || n <= 0 || n > 65535 {
			return nil, fmt.Errorf("invalid forward target %q: bad port %q", s, p)
		}
	}
	u.Fragment = ""
	return u, nil
}

// forwardURL is the target with the incoming request's path appended and
// both query strings kept (target's first). An incoming "/" adds nothing,
// so a subscription's callback "/" reaches the target path exactly.
func forwardURL(target *url.URL, path, rawQuery string) string {
	var b strings.Builder
	b.Grow(len(target.Scheme) + len(target.Host) + len(target.Path) + len(path) + len(rawQuery) + 8)
	b.WriteString(target.Scheme)
	b.WriteString("://")
	b.WriteString(target.Host)
	tp := target.EscapedPath()
	switch {
	case path == "" || path == "/":
		if tp == "" {
			tp = "/"
		}
		b.WriteString(tp)
	case tp == "" || tp == "/":
		b.WriteString(path)
	default:
		b.WriteString(strings.TrimSuffix(tp, "/"))
		if !strings.HasPrefix(path, "/") {
			b.WriteByte('/')
		}
		b.WriteString(path)
	}
	q := target.RawQuery
	if rawQuery != "" {
		if q != "" {
			q += "&"
		}
		q += rawQuery
	}
	if q != "" {
		b.WriteByte('?')
		b.WriteString(q)
	}
	return b.String()
}

// forwardTarget is where r is forwarded: the target, r's path appended
// (see forwardPath) and both query strings.
func (s *Server) forwardTarget(r *http.Request) (string, error) {
	p, err := forwardPath(s.cfg.Target, r.URL)
	if err != nil {
		return "", err
	}
	return forwardURL(s.cfg.Target, p, r.URL.RawQuery), nil
}

// forwardPath is the escaped path of u to append to the target. A path
// without dot segments is kept byte for byte. One with "." or ".."
// segments (also percent-encoded, or hidden behind an encoded slash) is
// resolved the way the app would resolve it; if the result is not under
// the target's own path the request is refused: the signature never
// covers the path, so a validly signed request must not reach
// /webhooks/../../admin. Dot segments that apps read differently
// ("..;x", "..\") are refused outright.
func forwardPath(target *url.URL, u *url.URL) (string, error) {
	esc := u.EscapedPath()
	if !strings.Contains(u.Path, ".") {
		return esc, nil // no dot segment: the common case, kept as is
	}
	dirty := false
	for _, seg := range strings.FieldsFunc(u.Path, func(r rune) bool { return r == '/' || r == '\\' }) {
		base, _, params := strings.Cut(seg, ";")
		if base != "." && base != ".." {
			continue
		}
		if params || strings.Contains(u.Path, "\\") {
			return "", fmt.Errorf("refused the path %q: a dot segment in a form apps read differently", esc)
		}
		dirty = true
	}
	if !dirty {
		return esc, nil
	}
	tp := path.Clean("/" + target.Path)
	joined := path.Clean(tp + "/" + u.Path)
	rel := joined
	if tp != "/" {
		if joined != tp && !strings.HasPrefix(joined, tp+"/") {
			return "", fmt.Errorf("refused the path %q: it leads out of the forward target's path %s", esc, tp)
		}
		rel = strings.TrimPrefix(joined, tp)
	}
	if rel == "" {
		rel = "/"
	}
	if strings.HasSuffix(u.Path, "/") && !strings.HasSuffix(rel, "/") {
		rel += "/"
	}
	return (&url.URL{Path: rel}).EscapedPath(), nil
}

// ForwardsToItself reports whether target is the listener itself, bound
// at host:port: a plain http target on port on this machine (localhost,
// a loopback address, or host), when the listener takes that address.
// Every event forwarded there would come back to be forwarded again.
// Port 0 (a free port, not known yet) is never the target.
func ForwardsToItself(target *url.URL, host string, port int) bool {
	if target == nil || port == 0 || target.Scheme != "http" {
		return false
	}
	tp := target.Port()
	if tp == "" {
		tp = "80"
	}
	if tp != strconv.Itoa(port) {
		return false
	}
	th := target.Hostname()
	if strings.EqualFold(th, host) {
		return true
	}
	local := strings.EqualFold(th, "localhost")
	if ip := net.ParseIP(th); ip != nil {
		local = ip.IsLoopback() || ip.IsUnspecified()
	}
	if !local {
		return false
	}
	// A loopback target reaches a listener bound to a loopback address
	// or to every address.
	hip := net.ParseIP(host)
	return strings.EqualFold(host, "localhost") || host == "" || hip != nil && (hip.IsLoopback() || hip.IsUnspecified())
}

// TargetDown says, for a forward target on this machine (localhost or a
// loopback address) where nothing listens yet, what the developer will
// see: "" when something accepts connections there, or when the target
// is elsewhere (no probe is sent off the machine: a slow DNS lookup or
// firewall would only delay listen's start).
func TargetDown(u *url.URL) string {
	if u == nil {
		return ""
	}
	host := u.Hostname()
	if ip := net.ParseIP(host); !(host == "localhost" || ip != nil && ip.IsLoopback()) {
		return ""
	}
	port := u.Port()
	if port == "" {
		port = "80"
		if u.Scheme == "https" {
			port = "443"
		}
	}
	addr := net.JoinHostPort(host, port)
	c, err := net.DialTimeout("tcp", addr, 300*time.Millisecond)
	if err != nil {
		if errors.Is(err, syscall.ECONNREFUSED) {
			return "nothing listens at " + addr + " yet: events get 502 until your app starts there (then resend them: hookctl replay --failed --yes)"
		}
		return ""
	}
	c.Close()
	return ""
}
