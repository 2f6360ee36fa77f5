package delivery

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/hookctl/hookctl/internal/catalog"
	"github.com/hookctl/hookctl/internal/signature"
	"github.com/hookctl/hookctl/internal/store"
)

// MaxResponseBody is how much of a response body an attempt records.
const MaxResponseBody = 64 << 10

// DefaultTimeout is the total timeout of one attempt.
const DefaultTimeout = 10 * time.Second

// SkipTLSVerify makes a client from NewHTTPClient accept any certificate
// (hookctl check --insecure, against a receiver with a self-signed one).
func SkipTLSVerify(c *http.Client) {
	t := c.Transport
	if h1, ok := t.(*h1Transport); ok {
		t = h1.fallback
	}
	if tr, ok := t.(*http.Transport); ok {
		if tr.TLSClientConfig == nil {
			tr.TLSClientConfig = &tls.Config{}
		}
		tr.TLSClientConfig.InsecureSkipVerify = true
	}
}

// NewHTTPClient returns the client deliveries are sent with: connect
// timeout and total timeout, redirects never followed, enough idle
// connections per host for concurrency workers.
func NewHTTPClient(timeout time.Duration, concurrency int) *http.Client {
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	connect := min(timeout, 10*time.Second)
	tr := &http.Transport{
		Proxy:                  nil, // local webhooks: never through a proxy
		DialContext:            (&net.Dialer{Timeout: connect, KeepAlive: 30 * time.Second}).DialContext,
		MaxIdleConns:           max(100, concurrency*2),
		MaxIdleConnsPerHost:    max(8, concurrency),
		IdleConnTimeout:        90 * time.Second,
		TLSHandshakeTimeout:    connect,
		ResponseHeaderTimeout:  timeout,
		ExpectContinueTimeout:  time.Second,
		DisableCompression:     true,
		MaxResponseHeaderBytes: MaxResponseHeaderBytes,
	}
	return &http.Client{
		Transport: newH1Transport(connect, max(8, concurrency), tr),
		Timeout:   timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
}

// Target is everything about where and how one attempt is sent.
type Target struct {
	URL     string
	Method  string            // "" = POST
	Scheme  string            // effective scheme name; "" = not signed
	Secrets []string          // current first, then a previous one in its grace period
	Headers map[string]string // subscription's and delivery's custom headers
	// Endpoint is the subscription's id ("" ad hoc): the provider headers
	// that name the webhook or the delivery derive from it
	// (signature.SignInput.Endpoint), the same on every attempt.
	Endpoint string
	// Alter, when set, may change the signed request before it is sent:
	// edit the headers in place and return the body to send (hookctl
	// check's negative probes: a signature removed, a body tampered with).
	Alter func(h http.Header, body []byte) []byte
}

// Sender signs and sends one attempt.
type Sender struct {
	Client *http.Client
	// UserAgent is "hookctl/VERSION", the whole User-Agent, or added after
	// the provider's when the scheme sends one (signature.Envelope).
	UserAgent string
	// Lookup finds a signature scheme (signature.Lookup by default).
	Lookup func(name string) (signature.Scheme, error)
	Now    func() time.Time
	// ReadBody, when set, reads the response body in place of Send:
	// r is the body's first MaxResponseBody bytes, size its
	// Content-Length (-1: not said), and what it returns is the
	// attempt's ResponseBody. The attempt's Duration includes it, as it
	// includes reading the body. (hookctl check writes a burst's
	// answers to a spool file as they arrive and keeps only their
	// start: thousands of answers read at once were all in memory at
	// once.)
	ReadBody func(r io.Reader, size int64) ([]byte, error)
}

// FromHookctl reports whether a User-Agent is one hookctl sends with:
// hookctl/VERSION alone, or after the provider's own when the scheme sends
// one (Stripe/1.0 (+https://stripe.com/docs/webhooks) hookctl/VERSION).
func FromHookctl(userAgent string) bool {
	for _, tok := range strings.Fields(userAgent) {
		if strings.HasPrefix(tok, "hookctl/") {
			return true
		}
	}
	return false
}

// parsedURL is a target URL as http.NewRequest parsed it.
type parsedURL struct {
	raw  string
	u    *url.URL
	host string // the request's Host, as http.NewRequest sets it
}

// hop-by-hop and transport headers never copied from a received request.
var skipHeaders = map[string]bool{
	"Connection": true, "Keep-Alive": true, "Proxy-Authenticate": true, "Proxy-Authorization": true,
	"Te": true, "Trailer": true, "Transfer-Encoding": true, "Upgrade": true, "Content-Length": true,
	"Host": true, "Accept-Encoding": true,
}

// Send signs (afresh: new timestamp, same event id) and sends ev to t, and
// returns the attempt as recorded plus the response headers (nil when no
// response came back). prepErr is set when the request could not even be
// built (unknown scheme, no secret, bad URL): retrying cannot help.
func (s *Sender) Send(ctx context.Context, ev *store.Event, t Target) (a *store.Attempt, respHeader http.Header, prepErr error) {
	now := s.now()
	method := strings.ToUpper(t.Method)
	if method == "" {
		method = http.MethodPost
	}
	a = &store.Attempt{StartedAt: now, RequestURL: t.URL, RequestMethod: method}
	h, body, err := s.request(ev, t, now)
	if err != nil {
		a.Error = err.Error()
		return a, nil, err
	}
	if t.Alter != nil {
		body = t.Alter(h, body)
	}
	a.RequestHeaders = h
	req, err := s.newRequest(ctx, method, t.URL, body)
	if err != nil {
		a.Error = fmt.Sprintf("invalid request: %v", err)
		return a, nil, err
	}
	// The attempt records the same map: a client never modifies a
	// request's headers (it forks the request when it must).
	req.Header = h
	if host := h.Get("Host"); host != "" {
		req.Host = host
	}
	start := time.Now()
	var resp *http.Response
	if h1, ok := s.Client.Transport.(*h1Transport); ok && req.URL.Scheme == "http" {
		// Plain HTTP: the exchange runs here, bounded by the total
		// timeout as a connection deadline (no per-request timer or
		// context). Redirects are never followed either way.
		var deadline time.Time
		if s.Client.Timeout > 0 {
			deadline = start.Add(s.Client.Timeout)
		}
		basicAuthFromURL(req)
		resp, err = h1.roundTrip(req, deadline)
	} else {
		resp, err = s.Client.Do(req)
	}
	if err != nil {
		a.Duration = time.Since(start)
		a.Error = describeError(err, s.Client.Timeout)
		if closedEarly(err) {
			// A receiver that hangs up without a word (it crashed on the
			// request, or a proxy dropped it): "unexpected EOF" alone
			// reads like hookctl's fault. listen's forwards say the same.
			a.Error = "the receiver closed the connection without an HTTP answer (" + a.Error + ")"
		}
		return a, nil, nil
	}
	var respBody []byte
	var rerr error
	if s.ReadBody != nil {
		respBody, rerr = s.ReadBody(io.LimitReader(resp.Body, MaxResponseBody), resp.ContentLength)
	} else {
		respBody, rerr = readResponseBody(resp)
	}
	// Drain a little more so the connection can be reused, then close.
	io.Copy(io.Discard, io.LimitReader(resp.Body, 256<<10))
	resp.Body.Close()
	a.Duration = time.Since(start)
	a.ResponseStatus = resp.StatusCode
	a.ResponseHeaders = resp.Header
	a.ResponseBody = respBody
	if rerr != nil {
		a.Error = "reading response: " + describeError(rerr, s.Client.Timeout)
		if closedEarly(rerr) {
			a.Error = "reading response: the receiver closed the connection before the end of its answer (" + describeError(rerr, s.Client.Timeout) + ")"
		}
	}
	return a, resp.Header, nil
}

// basicAuthFromURL does what http.Client does for a URL with userinfo
// (http://alice:PASSWORD@host/, a subscription stored by an older
// hookctl): an Authorization Basic header, unless the request has one.
// The lean transport skips the client, so such a delivery went out
// without its credentials over plain HTTP (over HTTPS the client added
// them). As the client does, the header is set on a copy: the attempt
// records the headers without it.
func basicAuthFromURL(req *http.Request) {
	u := req.URL.User
	if u == nil || req.Header.Get("Authorization") != "" {
		return
	}
	pass, _ := u.Password()
	req.Header = req.Header.Clone()
	if req.Header == nil {
		req.Header = http.Header{}
	}
	req.Header.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(u.Username()+":"+pass)))
}

// readResponseBody reads the first MaxResponseBody bytes of resp's body
// into one buffer of the size the answer gives (its Content-Length, up to
// MaxResponseBody): io.ReadAll grew its buffer by appending, leaving up
// to twice the answer in garbage and a buffer larger than the answer
// (with hookctl check's burst, thousands of answers are read at once).
func readResponseBody(resp *http.Response) ([]byte, error) {
	lr := io.LimitReader(resp.Body, MaxResponseBody)
	if resp.ContentLength <= 0 {
		return io.ReadAll(lr) // chunked, or no length said
	}
	buf := make([]byte, min(resp.ContentLength, MaxResponseBody))
	// An answer shorter than its Content-Length is the body reader's
	// io.ErrUnexpectedEOF (a connection closed early), as with ReadAll.
	n, err := io.ReadFull(lr, buf)
	return buf[:n], err
}

// newRequest is http.NewRequestWithContext for a body in memory. A
// request that cannot be cancelled (the engine's sends are bounded by the
// timeout alone) over the lean transport reuses the URL it parsed for the
// previous one to the same target: the request never modifies it. The
// caller sets the header.
func (s *Sender) newRequest(ctx context.Context, method, rawURL string, body []byte) (*http.Request, error) {
	h1, ok := s.Client.Transport.(*h1Transport)
	if ctx.Done() != nil || !ok {
		return http.NewRequestWithContext(ctx, method, rawURL, bytes.NewReader(body))
	}
	p := h1.lastURL.Load()
	if p == nil || p.raw != rawURL {
		req, err := http.NewRequestWithContext(ctx, method, rawURL, bytes.NewReader(body))
		if err != nil {
			return nil, err
		}
		u := *req.URL
		h1.lastURL.Store(&parsedURL{raw: rawURL, u: &u, host: req.Host})
		return req, nil
	}
	req := &http.Request{Method: method, URL: p.u, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Host: p.host, ContentLength: int64(len(body)), Body: http.NoBody,
		GetBody: func() (io.ReadCloser, error) { return http.NoBody, nil }}
	if len(body) > 0 {
		req.Body = io.NopCloser(bytes.NewReader(body))
		req.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
	}
	return req, nil
}

func (s *Sender) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// FormContent is the Content-Type a subscription's headers ask for to get
// a JSON event form-encoded as payload=<json>, as GitHub sends it to a
// webhook whose content type is "application/x-www-form-urlencoded".
const FormContent = "application/x-www-form-urlencoded"

// request builds the request headers and body: a received event's
// original headers (forwards), Content-Type, User-Agent, the signature
// with the provider's other headers (Envelope; the event type where the
// scheme has a header for it), the idempotency key and the custom
// headers. The body is the payload, or payload=<payload> form-encoded
// when the custom headers ask for form content and the payload is JSON.
func (s *Sender) request(ev *store.Event, t Target, now time.Time) (http.Header, []byte, error) {
	body := ev.Payload
	if wantsForm(t.Headers) && isJSON(ev.ContentType) {
		body = formBody(ev.Payload)
	}
	h, err := s.headers(ev, t, now, body)
	return h, body, err
}

func formBody(payload []byte) []byte { return []byte("payload=" + url.QueryEscape(string(payload))) }

// SentBody is the body a request with these headers (an attempt's
// RequestHeaders) carried for ev, as request builds it: the payload, or
// payload=<payload> form-encoded when the headers ask for form content
// and the payload is JSON. An attempt keeps its headers, not its body.
// (A check probe that alters the body records what it sent as its event's
// payload.)
func SentBody(ev *store.Event, reqHeaders map[string][]string) []byte {
	for k, vs := range reqHeaders {
		if strings.EqualFold(k, "Content-Type") && len(vs) > 0 {
			if wantsForm(map[string]string{k: vs[0]}) && isJSON(ev.ContentType) {
				return formBody(ev.Payload)
			}
			break
		}
	}
	return ev.Payload
}

func wantsForm(headers map[string]string) bool {
	for k, v := range headers {
		if strings.EqualFold(k, "Content-Type") {
			mt, _, _ := strings.Cut(v, ";")
			return strings.EqualFold(strings.TrimSpace(mt), FormContent)
		}
	}
	return false
}

func isJSON(ct string) bool {
	mt, _, _ := strings.Cut(ct, ";")
	mt = strings.TrimSpace(mt)
	return mt == "" || mt == "application/json" || strings.HasSuffix(mt, "+json")
}

// eventHeaderType is the event type a scheme's event header carries: for
// GitHub's own events the event name without the action
// (pull_request.opened → pull_request), else the type.
func eventHeaderType(ev *store.Event) string {
	if ev.Provider == "github" {
		return catalog.GitHubEventHeader(ev.Type)
	}
	return ev.Type
}

func (s *Sender) headers(ev *store.Event, t Target, now time.Time, body []byte) (http.Header, error) {
	h := http.Header{}
	received := ev.Source == store.SourceReceived
	if received {
		// A received event is sent again as its sender sent it (its
		// Content-Encoding, routing headers, User-Agent…), with a fresh
		// signature in place of the old one when it is signed.
		for k, vs := range ev.Headers {
			ck := http.CanonicalHeaderKey(k)
			if skipHeaders[ck] || (t.Scheme != "" && signature.IsSigningHeader(ck)) {
				continue
			}
			h[ck] = append([]string(nil), vs...)
		}
	}
	ct := ev.ContentType
	if ct == "" && !received {
		ct = "application/json"
	}
	if ct != "" && h.Get("Content-Type") == "" { // a received request that had none gets none
		h.Set("Content-Type", ct)
	}
	if s.UserAgent != "" && (!received || h.Get("User-Agent") == "") {
		h.Set("User-Agent", s.UserAgent)
	}
	if t.Scheme != "" {
		lookup := s.Lookup
		if lookup == nil {
			lookup = signature.Lookup
		}
		sch, err := lookup(t.Scheme)
		if err != nil {
			return nil, err
		}
		secrets := nonEmpty(t.Secrets)
		if len(secrets) == 0 && t.Scheme != "mambu" {
			return nil, fmt.Errorf("no secret to sign with (scheme %s)", t.Scheme)
		}
		in := signature.SignInput{Secrets: secrets, ID: ev.ID, Timestamp: now, Body: body, EventType: eventHeaderType(ev),
			Endpoint: t.Endpoint, EventTime: ev.CreatedAt}
		sh, err := sch.Sign(in)
		if err != nil {
			return nil, fmt.Errorf("signing with %s: %w", t.Scheme, err)
		}
		env := signature.Envelope(t.Scheme, in)
		for k, vs := range env {
			h[http.CanonicalHeaderKey(k)] = vs
		}
		if ua := env.Get("User-Agent"); ua != "" && s.UserAgent != "" {
			// The provider's User-Agent, then hookctl's own product
			// token (Stripe/1.0 (+https://…) hookctl/1.4.0): a receiver
			// that looks for the provider's still finds it first, and
			// listen knows the request is hookctl's, not the provider's.
			h.Set("User-Agent", ua+" "+s.UserAgent)
		}
		for k, vs := range sh {
			h[http.CanonicalHeaderKey(k)] = vs
		}
		// The event id goes in the scheme's own id header, and only
		// there: a scheme whose provider sends none (Stripe, Bond, Mono,
		// Paystack, Slack) gets none, as from the provider, so that a
		// receiver keyed on a header the provider never sends fails here
		// and not in production. Such a receiver finds the event's
		// identity in the body (check's dedupes-duplicate names where).
		if idh := IDHeader(t.Scheme); idh != "" && h.Get(idh) == "" {
			h.Set(idh, ev.ID)
		}
	}
	for k, v := range t.Headers {
		h.Set(k, v)
	}
	return h, nil
}

func nonEmpty(ss []string) []string {
	out := ss[:0:0]
	for _, s := range ss {
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}

// closedEarly: the connection ended before an answer (or its end) came.
func closedEarly(err error) bool {
	return errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF)
}

// describeError turns a client error into one readable line.
func describeError(err error, timeout time.Duration) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	var ne net.Error
	switch {
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &ne) && ne.Timeout():
		if timeout > 0 {
			return fmt.Sprintf("timeout after %s", timeout)
		}
		return "timeout"
	case errors.Is(err, context.Canceled):
		return "canceled"
	}
	return err.Error()
}
