package listen

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
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
