// Package listen is hookctl's local receiver: it verifies each webhook
// request, forwards the good ones byte-for-byte to the developer's app,
// returns the app's answer to the sender, and records everything.
package listen

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/tidwall/gjson"

	"github.com/hookctl/hookctl/internal/delivery"
	"github.com/hookctl/hookctl/internal/httplimit"
	"github.com/hookctl/hookctl/internal/signature"
	"github.com/hookctl/hookctl/internal/store"
)

// DefaultMaxBody is the default --max-body.
const DefaultMaxBody = 1 << 20

// Config is what a Server needs.
type Config struct {
	// Target is where verified events are forwarded; nil = verify and
	// record only (answer 200).
	Target *url.URL
	// Scheme: "" or "auto" detects the scheme from the headers (falling
	// back to the provider's scheme); otherwise that scheme only.
	Scheme   string
	Provider string
	// SchemeImpl, when set, is the one scheme used (tests, embedding).
	SchemeImpl signature.Scheme
	// Secrets: the subscription's secrets (current, then previous).
	Secrets []string
	// ReloadSecrets, when set, reads the subscription's secrets again: a
	// request no secret verifies makes the server ask (at most once per
	// ReloadEvery), so a secret rotated while listen runs is taken up.
	ReloadSecrets func() ([]string, error)
	// ProviderSecrets (--secret) verify events from a real provider. A
	// forward verified with one is recorded with that scheme and secret,
	// so a replay is signed the way the provider signs.
	ProviderSecrets []string
	// Headers are added to every forward (--header).
	Headers http.Header
	// Timeout bounds each forward.
	Timeout time.Duration
	MaxBody int64
	// SubscriptionID is the listener's own subscription (for recording).
	SubscriptionID string
	Now            func() time.Time
	Log            *Logger
	Recorder       *Recorder // nil = do not record
	// Transport forwards requests (a tuned default when nil).
	Transport http.RoundTripper
	// SkipVerify accepts any TLS certificate from an https target
	// (--skip-verify; only for the default transport).
	SkipVerify bool
	// Events, when set, are the event types (patterns) forwarded; others
	// are answered 200 and recorded, not forwarded (--events).
	Events []string
	// Limits reads bodies under a shared budget (a default Limiter for
	// MaxBody when nil).
	Limits *httplimit.Limiter
	// EventType, when set, names the type of a verified event whose body
	// and headers do not (a Mambu text body): the type of the event of
	// that id hookctl sent, "" when it did not.
	EventType func(id string) string
	// ProviderOf, when set, names the provider of an event received
	// under scheme with type typ ("" = the scheme's default provider):
	// two providers sign the stripe way, and a Stripe event
	// (charge.succeeded) is the stripe provider's, not saas's.
	ProviderOf func(scheme, typ string) string
	// OnHint, when set, hears once per provider that a rejected request
	// looks like it came from that provider (its User-Agent), with what
	// to do to verify that provider's events (SenderHint); and once per
	// place the app redirects a forward to, where (redirected).
	OnHint func(string)
}

// Stats are the counters of the shutdown summary.
type Stats struct {
	Received    int64 `json:"received"`
	Verified    int64 `json:"verified"`
	Rejected    int64 `json:"rejected"`
	ForwardedOK int64 `json:"forwarded_ok"`
	ForwardFail int64 `json:"forwarded_failed"`
	TooLarge    int64 `json:"too_large"`
	Busy        int64 `json:"busy"`
	Filtered    int64 `json:"filtered"`
	// Unrecorded requests were answered 503 because they could not be
	// recorded (the sender retries them).
	Unrecorded int64 `json:"unrecorded"`
	// RejectedUnkept: rejected requests not recorded (past the budget of
	// RejectedBurst at once, RejectedPerSecond after, RejectedPerRun in
	// all; or the recorder was unavailable).
	RejectedUnkept int64 `json:"rejected_unrecorded"`
}

// Server is the verifying forwarding proxy (an http.Handler).
type Server struct {
	cfg       Config
	scheme    signature.Scheme // fixed scheme, nil = detect
	transport http.RoundTripper
	extra     []headerKV
	// raw sends forwards to a plain http:// target as bytes (nil when a
	// Transport is given or the target is https); rawPrefix is
	// "http://host", rawAddr host:port.
	raw                delivery.RawSender
	rawPrefix, rawAddr string

	received, verified, rejected, fwdOK, fwdFail, tooLarge, busy, filtered, unrecorded atomic.Int64
	// rejectedUnkept counts rejected requests not recorded (over the
	// budget, or the recorder unavailable); rejKept those recorded.
	rejectedUnkept atomic.Int64
	rejMu          sync.Mutex
	rejTokens      float64
	rejLast        time.Time
	rejKept        int

	mu   sync.Mutex
	seen map[string]bool // event id → last forward succeeded
	// inflight counts the requests of each event id being handled: a
	// copy that arrives while the first is still with the app is a
	// duplicate too (trigger --duplicate, a provider's retry of a slow
	// answer), though the first has not been marked seen yet.
	inflight map[string]int

	// secrets are the subscription's secrets in use (cfg.Secrets, then
	// what ReloadSecrets read); reloadMu guards reloadedAt.
	secrets    atomic.Pointer[[]string]
	reloadMu   sync.Mutex
	reloadedAt time.Time

	hinted sync.Map // provider → a SenderHint was given

	// via is this listener's Via entry, "1.1 hookctl-<random id>", added
	// to every forward (RFC 9110 §7.6.3); viaHop is the same as a header
	// value, shared by forwards that carry no Via of their own (never
	// appended to). A request that comes back carrying it has gone round
	// a loop of proxies (listen A → listen B → A).
	via    string
	viaHop []string
	// extraVia: a --header names Via (this listen's entry is added after it).
	extraVia bool
}

// MaxHops bounds the Via entries a request forwarded by listen may
// already carry: a loop through proxies that each add their own entry
// ends here even when none of them is this listener.
const MaxHops = 20

// loopReason says why a request carrying these Via values must not be
// forwarded ("" when it may): it already went through this listener, or
// through more than MaxHops proxies. Only this process knows its own id
// (random, per server), so a sender cannot make listen refuse requests
// other than its own.
func (s *Server) loopReason(vias []string) string {
	hops := 0
	for _, v := range vias {
		if strings.Contains(v, s.via[len("1.1 "):]) {
			return "forwarding loop: this request was already forwarded by this listen (its Via header carries " + s.via[len("1.1 "):] + "): check --forward of the proxies it went through"
		}
		hops += strings.Count(v, ",") + 1
	}
	if hops >= MaxHops {
		return fmt.Sprintf("forwarding loop: this request already went through %d proxies (Via header), the most listen forwards is %d", hops, MaxHops-1)
	}
	return ""
}

// hintedAlready reports whether provider's SenderHint was given: a flood
// of rejected requests does not word the hint again for each.
func (s *Server) hintedAlready(provider string) bool {
	_, ok := s.hinted.Load(provider)
	return ok
}

// ReloadEvery bounds how often a request no secret verifies makes the
// server read the subscription's secrets again (a flood of forged requests
// costs the store one read per interval).
const ReloadEvery = 100 * time.Millisecond

type headerKV struct{ k, v string }

// NewServer checks cfg and builds the server.
func NewServer(cfg Config) (*Server, error) {
	s := &Server{cfg: cfg, seen: make(map[string]bool), inflight: make(map[string]int)}
	var id [8]byte
	rand.Read(id[:])
	s.via = "1.1 hookctl-" + hex.EncodeToString(id[:])
	s.viaHop = []string{s.via}
	secrets := cfg.Secrets
	s.secrets.Store(&secrets)
	if cfg.Now == nil {
		s.cfg.Now = time.Now
	}
	if cfg.MaxBody <= 0 {
		s.cfg.MaxBody = DefaultMaxBody
	}
	if cfg.Timeout <= 0 {
		s.cfg.Timeout = 10 * time.Second
	}
	if cfg.SchemeImpl != nil {
		s.scheme = cfg.SchemeImpl
	} else if cfg.Scheme != "" && cfg.Scheme != "auto" {
		sc, err := signature.Lookup(cfg.Scheme)
		if err != nil {
			return nil, err
		}
		s.scheme = sc
	}
	for k, vs := range cfg.Headers {
		for _, v := range vs {
			s.extra = append(s.extra, headerKV{http.CanonicalHeaderKey(k), v})
		}
		s.extraVia = s.extraVia || http.CanonicalHeaderKey(k) == "Via"
	}
	if tg := cfg.Target; tg != nil && tg.User != nil && !slices.ContainsFunc(s.extra, func(kv headerKV) bool { return kv.k == "Authorization" }) {
		// http://user:pass@host/…: HTTP Basic auth, as any client sends
		// for such a URL (the forward URL itself carries no credentials).
		pass, _ := tg.User.Password()
		s.extra = append(s.extra, headerKV{"Authorization", "Basic " + base64.StdEncoding.EncodeToString([]byte(tg.User.Username()+":"+pass))})
	}
	s.transport = cfg.Transport
	if s.transport == nil {
		t := NewTransport(s.cfg.Timeout)
		if cfg.SkipVerify {
			t.TLSClientConfig = &tls.Config{InsecureSkipVerify: true}
		}
		// Plain http:// targets (the usual local app) go through the
		// delivery engine's lean HTTP/1.1 transport: the whole exchange on
		// the request's goroutine, no read/write loop goroutines per
		// connection; https goes to the standard transport.
		s.transport = delivery.NewH1Transport(5*time.Second, 1024, t)
		if tg := cfg.Target; tg != nil && tg.Scheme == "http" && tg.Host != "" {
			port := tg.Port()
			if port == "" {
				port = "80"
			}
			// listen already holds the request's parts: forwards are
			// written as bytes, no *http.Request built and serialised.
			s.raw, _ = s.transport.(delivery.RawSender)
			s.rawAddr, s.rawPrefix = net.JoinHostPort(tg.Hostname(), port), "http://"+tg.Host
		}
	}
	if s.cfg.Limits == nil {
		s.cfg.Limits = httplimit.New(httplimit.Config{MaxBody: s.cfg.MaxBody})
	}
	if len(cfg.Events) == 1 && cfg.Events[0] == "*" {
		s.cfg.Events = nil
	}
	return s, nil
}

// NewTransport is the forwarding transport: keep-alive connections to the
// app, no compression negotiated (bytes pass untouched), no proxy.
func NewTransport(timeout time.Duration) *http.Transport {
	return &http.Transport{
		Proxy:                 nil,
		DialContext:           (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		MaxIdleConns:          1024,
		MaxIdleConnsPerHost:   1024,
		IdleConnTimeout:       90 * time.Second,
		ResponseHeaderTimeout: timeout,
		DisableCompression:    true,
		ForceAttemptHTTP2:     false,
		WriteBufferSize:       16 << 10,
		ReadBufferSize:        16 << 10,
	}
}

// Stats returns the counters so far.
func (s *Server) Stats() Stats {
	return Stats{
		Received: s.received.Load(), Verified: s.verified.Load(), Rejected: s.rejected.Load(),
		ForwardedOK: s.fwdOK.Load(), ForwardFail: s.fwdFail.Load(), TooLarge: s.tooLarge.Load(),
		Busy: s.busy.Load(), Filtered: s.filtered.Load(),
		Unrecorded: s.unrecorded.Load(), RejectedUnkept: s.rejectedUnkept.Load(),
	}
}

// Hop-by-hop headers (RFC 9110 §7.6.1) are never forwarded.
var hopHeaders = []string{
	"Connection", "Proxy-Connection", "Keep-Alive", "Proxy-Authenticate",
	"Proxy-Authorization", "Te", "Trailer", "Transfer-Encoding", "Upgrade",
}

func isHop(k string) bool {
	for _, h := range hopHeaders {
		if k == h {
			return true
		}
	}
	return false
}

// copyHeaders copies src into dst without hop-by-hop headers, including
// those named by src's Connection header.
func copyHeaders(dst, src http.Header) {
	var named []string
	for _, v := range src["Connection"] {
		for _, f := range strings.Split(v, ",") {
			if f = strings.TrimSpace(f); f != "" {
				named = append(named, http.CanonicalHeaderKey(f))
			}
		}
	}
outer:
	for k, vs := range src {
		if isHop(k) {
			continue
		}
		for _, n := range named {
			if k == n {
				continue outer
			}
		}
		dst[k] = vs
	}
}

// copyAnswerHeaders copies the app's answer headers for the sender. An
// answer without a Content-Type gets none: the server would otherwise
// guess one from the body, and the sender would see a type the app never
// sent.
func copyAnswerHeaders(dst, src http.Header) {
	copyHeaders(dst, src)
	if _, ok := src["Content-Type"]; !ok {
		dst["Content-Type"] = nil
	}
}

func writeJSONError(w http.ResponseWriter, status int, errMsg, reason string, extra string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	var b bytes.Buffer
	b.WriteString(`{"error":`)
	b.Write(quote(errMsg))
	b.WriteString(`,"reason":`)
	b.Write(quote(reason))
	b.WriteString(extra)
	b.WriteString("}\n")
	w.Write(b.Bytes())
}

func quote(s string) []byte {
	var b bytes.Buffer
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r < 0x20:
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.Bytes()
}

// ServeHTTP handles one request: /healthz, or a webhook.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/healthz" && (r.Method == http.MethodGet || r.Method == http.MethodHead) {
		var pending int64
		if s.cfg.Recorder != nil {
			pending = s.cfg.Recorder.Pending()
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"status":"ok","received":%d,"pending_records":%d}`+"\n", s.received.Load(), pending)
		return
	}
	start := s.cfg.Now()
	s.received.Add(1)
	// The event id hookctl sends its own listener where the scheme has no
	// id header (delivery.ListenEventIDHeader): it names the event, and
	// goes no further (not recorded with the request, not forwarded).
	hookctlID := strings.TrimSpace(r.Header.Get(delivery.ListenEventIDHeader))
	r.Header.Del(delivery.ListenEventIDHeader)

	target := ""
	if s.cfg.Target != nil {
		var err error
		if target, err = s.forwardTarget(r); err != nil {
			s.rejected.Add(1)
			s.cfg.Log.Log(LogLine{Time: start, Kind: KindRejected, Reason: err.Error()})
			httplimit.Refuse(w, http.StatusBadRequest, err.Error())
			return
		}
	}
	// Read under the shared body budget. A fresh buffer per request: the
	// transport may still read a forwarded body after RoundTrip returns,
	// so it is never recycled.
	body, release, err := s.cfg.Limits.ReadBody(w, r)
	defer release()
	if err != nil {
		s.rejected.Add(1)
		switch {
		case httplimit.IsTooLarge(err):
			s.tooLarge.Add(1)
			// Discarded, never held: the sender reads the 413 instead of
			// a reset (it is still writing; see Drain).
			s.cfg.Limits.Drain(w, r, 4*s.cfg.MaxBody)
			reason := fmt.Sprintf("the body is larger than %s (--max-body)", FormatSize(s.cfg.MaxBody))
			s.cfg.Log.Log(LogLine{Time: start, Kind: KindRejected, Reason: reason})
			writeJSONError(w, http.StatusRequestEntityTooLarge, "payload too large", reason, "")
		case httplimit.IsBusy(err):
			// Not logged line by line: under a flood the log would be the bottleneck.
			s.busy.Add(1)
			w.Header().Set("Retry-After", s.cfg.Limits.Config().RetryAfterHeader())
			writeJSONError(w, http.StatusServiceUnavailable, "busy", "too many request bodies in flight; retry later", "")
		default:
			s.cfg.Log.Log(LogLine{Time: start, Kind: KindRejected, Reason: "reading the body: " + err.Error()})
			writeJSONError(w, http.StatusBadRequest, "bad request", "reading the body: "+err.Error(), "")
		}
		return
	}
	if vias := r.Header["Via"]; vias != nil && s.cfg.Target != nil {
		// Only a request with a Via header pays for the check.
		if reason := s.loopReason(vias); reason != "" {
			s.rejected.Add(1)
			meta := eventMeta(r.Header, body, "", s.cfg.Provider)
			meta.hookctlID(hookctlID)
			recordedAs := s.recordRejected(r, body, start, meta, store.VerdictRefused, reason)
			s.cfg.Log.Log(LogLine{Time: start, Kind: KindRejected, EventID: meta.id, EventType: meta.typ,
				Provider: meta.provider, Reason: reason, RecordedAs: recordedAs})
			extra := `,"code":"loop_detected"`
			if recordedAs != "" {
				extra += `,"recorded_as":` + string(quote(recordedAs))
			}
			writeJSONError(w, http.StatusLoopDetected, "loop detected", reason, extra)
			return
		}
	}

	sc, providerSecret, verr := s.verify(r.Header, body, start)
	schemeName := ""
	if sc != nil {
		schemeName = sc.Name()
	}
	meta := eventMeta(r.Header, body, schemeName, s.cfg.Provider)
	meta.hookctlID(hookctlID)
	if verr == nil && meta.typ == "" && s.cfg.EventType != nil && !strings.HasPrefix(meta.id, "rcv_") {
		meta.typ = s.cfg.EventType(meta.id)
	}
	if s.cfg.Provider == "" && s.cfg.ProviderOf != nil && schemeName != "" && meta.typ != "" {
		if p := s.cfg.ProviderOf(schemeName, meta.typ); p != "" {
			meta.provider = p
		}
	}
	if verr != nil {
		s.rejected.Add(1)
		reason, code := verr.Error(), ""
		var ve *signature.VerifyError
		if errors.As(verr, &ve) {
			reason, code = ve.Msg, string(ve.Reason)
		}
		// Recorded first, so that the line names the rej_ id to look it up by.
		recordedAs := s.recordRejected(r, body, start, meta, store.VerdictInvalid, reason)
		sender := SenderOf(r.Header.Get("User-Agent"))
		if sender != nil && s.cfg.OnHint != nil && !s.hintedAlready(sender.Provider) {
			var reason signature.Reason
			if ve != nil {
				reason = ve.Reason
			}
			if h := s.senderHint(sender, r.Header.Get("User-Agent"), reason); h != "" {
				if _, done := s.hinted.LoadOrStore(sender.Provider, true); !done {
					s.cfg.OnHint(h)
				}
			}
		}
		line := LogLine{Time: start, Kind: KindRejected, EventID: meta.id, EventType: meta.typ,
			Provider: meta.provider, Scheme: schemeName, Reason: reason, RecordedAs: recordedAs}
		if sender != nil {
			line.Sender = sender.Provider
		}
		s.cfg.Log.Log(line)
		extra := ""
		if code != "" {
			extra = `,"code":` + string(quote(code))
		}
		if schemeName != "" {
			extra += `,"scheme":` + string(quote(schemeName))
		}
		if recordedAs != "" {
			extra += `,"recorded_as":` + string(quote(recordedAs))
		}
		writeJSONError(w, http.StatusUnauthorized, "invalid signature", reason, extra)
		return
	}
	s.verified.Add(1)

	s.mu.Lock()
	prevOK, seen := s.seen[meta.id]
	if !seen && len(s.seen) >= 100000 {
		clear(s.seen)
	}
	if !seen && s.inflight[meta.id] > 0 {
		// The first copy is still being handled: its outcome is not
		// known yet, and this one is no retry of a failure.
		seen, prevOK = true, true
	}
	s.inflight[meta.id]++
	s.mu.Unlock()
	defer s.handled(meta.id)
	kind, note := KindEvent, ""
	if !s.wanted(meta.typ) {
		// --events filters what is forwarded, as stripe listen --events
		// does: acknowledged and recorded, not forwarded.
		s.filtered.Add(1)
		kind, note = KindFiltered, "not in --events "+strings.Join(s.cfg.Events, ",")+": not forwarded"
	}
	s.cfg.Log.Log(LogLine{Time: start, Kind: kind, EventID: meta.id, EventType: meta.typ, Reason: note,
		Provider: meta.provider, Scheme: schemeName, Verified: true, Duplicate: seen && prevOK, Retry: seen && !prevOK})

	var rec *Record
	if s.cfg.Recorder != nil {
		rec = &Record{Event: store.Event{
			ID: meta.id, Type: meta.typ, Provider: meta.provider, Payload: body, // Add encodes synchronously: no copy needed
			ContentType: r.Header.Get("Content-Type"), Source: store.SourceReceived,
			Headers: r.Header, CreatedAt: start, Verdict: "valid",
		}}
	}

	if rec != nil {
		// Nothing is forwarded that could not be recorded.
		if err := s.cfg.Recorder.Admit(); err != nil {
			s.unavailable(w, start, meta, err)
			return
		}
	}
	if s.cfg.Target == nil || note != "" {
		if rec != nil {
			if err := s.cfg.Recorder.Add(rec); err != nil {
				s.unavailable(w, start, meta, err)
				return
			}
		}
		s.markSeen(meta.id, true)
		w.Header().Set("Content-Type", "application/json")
		extra := ""
		if note != "" {
			extra = `,"forwarded":false,"note":` + string(quote("event type "+strconv.Quote(meta.typ)+" is "+note))
		}
		w.Write([]byte(`{"received":true,"event_id":` + string(quote(meta.id)) + extra + "}\n"))
		return
	}
	if rec != nil && providerSecret != "" {
		rec.scheme, rec.secret = schemeName, providerSecret
	}
	s.forward(w, r, target, body, start, meta, rec)
}

// The budget for recording rejected requests: a sender with the wrong
// secret, a misconfigured scheme or a tampered body is worth keeping for
// the inspector and events log (the headers and bytes as received, the
// reason), but a flood of unsigned requests must not fill the disk or the
// store.
const (
	RejectedBurst     = 100      // kept at once
	RejectedPerSecond = 20       // kept per second after a burst
	RejectedPerRun    = 1000     // kept in all, per listen run
	RejectedMaxBody   = 64 << 10 // bytes of a rejected body kept
)

// recordRejected keeps a request listen refused as a received event with
// a "kind: reason" verdict and no forward, under its own id (rej_…: the id
// it claimed may arrive again validly signed, and that one is the event),
// and returns that id; "" when it was not kept. kind is
// store.VerdictInvalid for a signature that failed, store.VerdictRefused
// for a request refused before its signature was checked (a forwarding
// loop): readers must not call that one's signature invalid.
func (s *Server) recordRejected(r *http.Request, body []byte, start time.Time, meta meta, kind, reason string) string {
	if s.cfg.Recorder == nil {
		return ""
	}
	s.rejMu.Lock()
	if s.rejLast.IsZero() {
		s.rejTokens = RejectedBurst
	} else if d := start.Sub(s.rejLast); d > 0 {
		s.rejTokens = min(RejectedBurst, s.rejTokens+d.Seconds()*RejectedPerSecond)
	}
	s.rejLast = start
	ok := s.rejTokens >= 1 && s.rejKept < RejectedPerRun
	if ok {
		s.rejTokens--
		s.rejKept++
	}
	s.rejMu.Unlock()
	if !ok || s.cfg.Recorder.Admit() != nil {
		s.rejectedUnkept.Add(1)
		return ""
	}
	var rnd [12]byte
	rand.Read(rnd[:])
	id := "rej_" + hex.EncodeToString(rnd[:])
	verdict := kind + ": " + reason
	if len(body) > RejectedMaxBody {
		verdict += fmt.Sprintf(" (body of %d bytes: the first %s kept)", len(body), FormatSize(RejectedMaxBody))
		body = body[:RejectedMaxBody]
	}
	rec := &Record{Event: store.Event{
		ID: id, Type: meta.typ, Provider: meta.provider, Payload: body,
		ContentType: r.Header.Get("Content-Type"), Source: store.SourceReceived,
		Headers: r.Header, CreatedAt: start, Verdict: verdict,
	}}
	if err := s.cfg.Recorder.Add(rec); err != nil {
		s.rejectedUnkept.Add(1)
		return ""
	}
	return id
}

// wanted reports whether --events lets an event of this type be forwarded.
func (s *Server) wanted(typ string) bool {
	if s.cfg.Events == nil {
		return true
	}
	for _, p := range s.cfg.Events {
		if store.MatchEvent(p, typ) {
			return true
		}
	}
	return false
}

// handled ends a request's count in inflight.
func (s *Server) handled(id string) {
	s.mu.Lock()
	if n := s.inflight[id] - 1; n > 0 {
		s.inflight[id] = n
	} else {
		delete(s.inflight, id)
	}
	s.mu.Unlock()
}

func (s *Server) markSeen(id string, ok bool) {
	s.mu.Lock()
	s.seen[id] = ok
	s.mu.Unlock()
}

func (s *Server) verify(h http.Header, body []byte, now time.Time) (signature.Scheme, string, error) {
	sc := s.scheme
	if sc == nil {
		if d, ok := signature.Detect(h); ok {
			sc = d
		} else if name := ProviderScheme(s.cfg.Provider); name != "" {
			if l, err := signature.Lookup(name); err == nil {
				sc = l
			}
		}
	}
	if sc == nil {
		return nil, "", &signature.VerifyError{Reason: signature.ReasonMissingHeader, Scheme: "auto",
			Msg: "no signature header of a known scheme (use --scheme to name it)"}
	}
	ps, err := s.verifyWith(sc, h, body, now)
	return sc, ps, err
}

// verifyWith checks the subscription's secrets, then each --secret; it
// returns the --secret that matched ("" for the subscription's).
func (s *Server) verifyWith(sc signature.Scheme, h http.Header, body []byte, now time.Time) (string, error) {
	err := sc.Verify(signature.VerifyInput{Secrets: *s.secrets.Load(), Header: h, Body: body, Now: now})
	if err == nil {
		return "", nil
	}
	var ve *signature.VerifyError
	if errors.As(err, &ve) && ve.Reason != signature.ReasonNoMatch && ve.Reason != signature.ReasonBadSecret {
		return "", err // missing header, stale timestamp…: no secret changes that
	}
	for _, ps := range s.cfg.ProviderSecrets {
		perr := sc.Verify(signature.VerifyInput{Secrets: []string{ps}, Header: h, Body: body, Now: now})
		if perr == nil {
			return ps, nil
		}
		// A --secret whose signature matches but whose timestamp is out
		// of the window says more than the subscription's no-match: the
		// request is stale (or from the future), not forged.
		var pe *signature.VerifyError
		if errors.As(perr, &pe) && pe.SignatureValid {
			err = perr
		}
	}
	if fresh, ok := s.reloadSecrets(); ok {
		// The subscription's secret may have been rotated since (hookctl
		// subscriptions rotate-secret): what trigger signs with now.
		if rerr := sc.Verify(signature.VerifyInput{Secrets: fresh, Header: h, Body: body, Now: now}); rerr == nil {
			return "", nil
		}
	}
	return "", err
}

// reloadSecrets reads the subscription's secrets again and reports
// whether they changed. A read that finds no change is not repeated
// within ReloadEvery (forged requests); one that finds a change is not
// counted, so secrets rotated twice in quick succession are both taken up.
func (s *Server) reloadSecrets() ([]string, bool) {
	if s.cfg.ReloadSecrets == nil {
		return nil, false
	}
	s.reloadMu.Lock()
	defer s.reloadMu.Unlock()
	now := time.Now()
	if !s.reloadedAt.IsZero() && now.Sub(s.reloadedAt) < ReloadEvery {
		return nil, false
	}
	fresh, err := s.cfg.ReloadSecrets()
	if err != nil || len(fresh) == 0 || slices.Equal(fresh, *s.secrets.Load()) {
		s.reloadedAt = now
		return nil, false
	}
	s.secrets.Store(&fresh)
	return fresh, true
}

// forward sends the request to target (forwardTarget, checked by ServeHTTP).
func (s *Server) forward(w http.ResponseWriter, r *http.Request, target string, body []byte, start time.Time, meta meta, rec *Record) {
	hdr := make(http.Header, len(r.Header)+4)
	copyHeaders(hdr, r.Header)
	if _, ok := hdr["User-Agent"]; !ok {
		hdr["User-Agent"] = nil // Go must not add its own
	}
	if host, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
		if prior := r.Header["X-Forwarded-For"]; len(prior) > 0 {
			host = strings.Join(prior, ", ") + ", " + host
		}
		hdr["X-Forwarded-For"] = []string{host}
	}
	// Where the request was first received: a tunnel in front of listen
	// (ngrok, cloudflared) has said so already (the public host, https),
	// and that is what the app needs, not listen's own address.
	if len(r.Header["X-Forwarded-Host"]) == 0 {
		hdr["X-Forwarded-Host"] = []string{r.Host}
	}
	if len(r.Header["X-Forwarded-Proto"]) == 0 {
		proto := "http"
		if r.TLS != nil {
			proto = "https"
		}
		hdr["X-Forwarded-Proto"] = []string{proto}
	}
	// This listener's Via entry, after any the request carries: a request
	// that comes back with it is refused (loopReason).
	if prior := r.Header["Via"]; len(prior) > 0 {
		hdr["Via"] = []string{strings.Join(prior, ", ") + ", " + s.via}
	} else {
		hdr["Via"] = s.viaHop
	}
	host := s.cfg.Target.Host
	for i, kv := range s.extra {
		// A --header replaces the sender's header of that name; one given
		// twice sends both values. Host names the host the app sees.
		if slices.ContainsFunc(s.extra[:i], func(p headerKV) bool { return p.k == kv.k }) {
			hdr[kv.k] = append(hdr[kv.k], kv.v)
		} else {
			hdr[kv.k] = []string{kv.v}
		}
		if kv.k == "Host" {
			host = kv.v
		}
	}
	if s.extraVia {
		// --header 'Via: …' replaced the sender's entries, not this
		// listen's own: without it a loop would go undetected.
		hdr["Via"] = []string{strings.Join(hdr["Via"], ", ") + ", " + s.via}
	}

	var resp *http.Response
	var err error
	if uri, ok := strings.CutPrefix(target, s.rawPrefix); s.raw != nil && ok {
		resp, err = s.raw.SendRaw(&delivery.RawRequest{Addr: s.rawAddr, Host: host, Method: r.Method, URI: uri,
			Header: hdr, Body: body, Deadline: time.Now().Add(s.cfg.Timeout)})
	} else {
		ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), s.cfg.Timeout)
		defer cancel()
		var out *http.Request
		out, err = http.NewRequestWithContext(ctx, r.Method, target, bytes.NewReader(body))
		if err != nil {
			s.fwdFail.Add(1)
			writeJSONError(w, http.StatusBadGateway, "bad gateway", err.Error(), "")
			return
		}
		out.ContentLength = int64(len(body))
		out.Header = hdr
		out.Host = host
		resp, err = s.transport.RoundTrip(out)
	}
	if err != nil {
		dur := s.cfg.Now().Sub(start)
		s.fwdFail.Add(1)
		s.markSeen(meta.id, false)
		reason := forwardError(err, s.cfg.Timeout)
		line := LogLine{Time: s.cfg.Now(), Kind: KindForward, EventID: meta.id, EventType: meta.typ,
			Method: r.Method, URL: target, Status: http.StatusBadGateway, DurationMS: ms(dur), Error: reason}
		if rec != nil {
			rec.set(s, r.Method, hdr, target, start, dur, nil, nil, reason)
			if err := s.cfg.Recorder.Add(rec); err != nil {
				s.cfg.Log.Log(line)
				s.unavailable(w, start, meta, err)
				return
			}
			line.DeliveryID = rec.Delivery.ID
		}
		s.cfg.Log.Log(line)
		writeJSONError(w, http.StatusBadGateway, "the app did not answer", reason, `,"target":`+string(quote(target)))
		return
	}
	defer resp.Body.Close()
	s.redirected(r, target, resp)
	// The forward's log line comes once the sender has been answered: it
	// says whether the answer reached the sender.
	if rec == nil {
		gone := senderGone(w, r)
		copyAnswerHeaders(w.Header(), resp.Header)
		w.WriteHeader(resp.StatusCode)
		cb := copyBufPool.Get().(*[]byte)
		sw := &senderWriter{w: w}
		_, cerr := io.CopyBuffer(sw, resp.Body, *cb)
		copyBufPool.Put(cb)
		if sw.err != nil {
			cerr = nil // the sender's side, not the app's
		}
		s.forwarded(r, target, s.cfg.Now().Sub(start), meta, resp.StatusCode, answerErrMsg(cerr, s.cfg.Timeout), senderError(gone, sw.err), "")
		return
	}
	// Record before answering: the app's answer is read first (up to
	// maxHeldAnswer; the record keeps its first 64 KiB), the record made
	// durable, and only then is the sender answered.
	held, cerr := io.ReadAll(io.LimitReader(resp.Body, maxHeldAnswer))
	dur := s.cfg.Now().Sub(start)
	more := cerr == nil && len(held) == maxHeldAnswer
	errMsg := answerErrMsg(cerr, s.cfg.Timeout)
	capture := held
	if len(capture) > 64<<10 {
		capture = capture[:64<<10]
	}
	rec.set(s, r.Method, hdr, target, start, dur, resp, capture, errMsg)
	if err := s.cfg.Recorder.Add(rec); err != nil {
		s.forwarded(r, target, dur, meta, resp.StatusCode, errMsg, "", "")
		s.unavailable(w, start, meta, err)
		return
	}
	// A sender that gave up waiting (its own timeout) has hung up by now.
	gone := senderGone(w, r)
	var werr error
	if cerr != nil {
		// Only part of the answer came: a failed forward, as recorded.
		// The part is not passed off as the app's whole answer.
		writeJSONError(w, http.StatusBadGateway, "the app's answer was cut short", errMsg, `,"target":`+string(quote(target)))
	} else {
		copyAnswerHeaders(w.Header(), resp.Header)
		w.WriteHeader(resp.StatusCode)
		_, werr = w.Write(held)
		if more && werr == nil {
			cb := copyBufPool.Get().(*[]byte)
			sw := &senderWriter{w: w}
			io.CopyBuffer(sw, resp.Body, *cb)
			copyBufPool.Put(cb)
			werr = sw.err
		}
	}
	s.forwarded(r, target, dur, meta, resp.StatusCode, errMsg, senderError(gone, werr), rec.Delivery.ID)
}

// redirected tells (OnHint, once per place it redirects to) that the app
// answered a forward with a redirect: the sender gets the 3xx and its
// Location as the app sent them, which the sender cannot tell from
// listen's own (a relative Location reads against listen's URL), and no
// provider follows it. The hint names the app's URL it redirects to and,
// for a request to listen's root, the --forward that reaches it.
func (s *Server) redirected(r *http.Request, target string, resp *http.Response) {
	if s.cfg.OnHint == nil || resp.StatusCode < 300 || resp.StatusCode > 399 {
		return
	}
	loc := resp.Header.Get("Location")
	if loc == "" {
		return
	}
	if u, err := url.Parse(target); err == nil {
		if l, err := u.Parse(loc); err == nil {
			l.User = nil
			loc = l.String()
		}
	}
	if !utf8.ValidString(loc) || strings.ContainsFunc(loc, unicode.IsControl) {
		return
	}
	if _, done := s.hinted.LoadOrStore("redirect "+loc, true); done {
		return
	}
	fix := "point --forward at the URL your app expects, or change the app's route"
	if (r.URL.Path == "" || r.URL.Path == "/") && r.URL.RawQuery == "" {
		fix = "hookctl listen --forward " + loc
	}
	s.cfg.OnHint(fmt.Sprintf("your app answered %d to %s %s, redirecting to %s: senders do not follow redirects, nor does listen: %s",
		resp.StatusCode, r.Method, target, loc, fix))
}

// senderGone reports whether the sender has hung up (its own timeout ran
// out while the app took its time), so an answer written now does not
// reach it: Go's server cancels the request's context; the lean loop
// looks at the connection.
func senderGone(w http.ResponseWriter, r *http.Request) bool {
	if r.Context().Err() != nil {
		return true
	}
	pc, ok := w.(interface{ PeerClosed() bool })
	return ok && pc.PeerClosed()
}

// senderError says why the sender did not get the app's answer ("" when
// nothing says it did not).
func senderError(gone bool, werr error) string {
	switch {
	case gone:
		return "the sender hung up before the answer (it did not get it and may send the event again)"
	case werr != nil:
		return "the answer did not reach the sender: " + werr.Error()
	}
	return ""
}

// senderWriter is the answer's writer, keeping the sender's write error
// apart from the app's read error in a copy.
type senderWriter struct {
	w   io.Writer
	err error
}

func (s *senderWriter) Write(p []byte) (int, error) {
	n, err := s.w.Write(p)
	if err != nil && s.err == nil {
		s.err = err
	}
	return n, err
}

// maxHeldAnswer is how much of the app's answer is held while its record
// is made durable; a longer answer streams on afterwards.
const maxHeldAnswer = 1 << 20

// answerErrMsg is the error recorded with a forward whose answer could not
// be read to its end ("" when it was).
func answerErrMsg(cerr error, timeout time.Duration) string {
	if cerr == nil {
		return ""
	}
	return answerError(cerr, timeout)
}

// forwarded counts and logs a forward the app answered (status, in dur):
// errMsg is what went wrong reading its answer, senderErr why the sender
// did not get it, deliveryID its record ("" when not recorded). The counters are the app's; an event whose answer did
// not reach the sender is not marked delivered, so when the sender sends
// it again it is a retry, not a duplicate.
func (s *Server) forwarded(r *http.Request, target string, dur time.Duration, meta meta, status int, errMsg, senderErr, deliveryID string) {
	ok := status >= 200 && status < 300 && errMsg == ""
	if ok {
		s.fwdOK.Add(1)
	} else {
		s.fwdFail.Add(1)
	}
	s.markSeen(meta.id, ok && senderErr == "")
	if senderErr != "" {
		if errMsg != "" {
			errMsg += "; "
		}
		errMsg += senderErr
	}
	s.cfg.Log.Log(LogLine{Time: s.cfg.Now(), Kind: KindForward, EventID: meta.id, EventType: meta.typ,
		Method: r.Method, URL: target, Status: status, DurationMS: ms(dur), Error: errMsg, DeliveryID: deliveryID})
}

// unavailable answers 503 + Retry-After: the event could not be recorded,
// so the sender must send it again (it never gets a 2xx for it).
func (s *Server) unavailable(w http.ResponseWriter, start time.Time, meta meta, err error) {
	s.unrecorded.Add(1)
	reason := err.Error()
	s.cfg.Log.Log(LogLine{Time: start, Kind: KindRejected, EventID: meta.id, EventType: meta.typ,
		Provider: meta.provider, Reason: "not recorded, answered 503: " + reason})
	w.Header().Set("Retry-After", "1")
	writeJSONError(w, http.StatusServiceUnavailable, "service unavailable", reason, "")
}

var copyBufPool = sync.Pool{New: func() any { b := make([]byte, 32<<10); return &b }}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// forwardError explains why the app could not be reached.
func forwardError(err error, timeout time.Duration) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	switch {
	case errors.Is(err, context.DeadlineExceeded), isTimeout(err):
		// net/http's client times out through its context; the lean h1
		// transport through a connection deadline (an i/o timeout).
		return fmt.Sprintf("the app did not answer within %s (--timeout)", timeout)
	case isConnRefused(err):
		return "connection refused: is your app running? (" + err.Error() + ")"
	case errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF):
		return "the app closed the connection without an HTTP answer: does it crash on this request? (see its log)"
	case isUntrustedCert(err):
		return err.Error() + " (a self-signed certificate? --skip-verify accepts it)"
	}
	return err.Error()
}

// answerError explains why the app's answer could not be read to its end.
func answerError(err error, timeout time.Duration) string {
	switch {
	case errors.Is(err, context.DeadlineExceeded), isTimeout(err):
		return fmt.Sprintf("the app did not finish its answer within %s (--timeout)", timeout)
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return "the app closed the connection before the end of its answer"
	}
	return "reading the app's answer: " + err.Error()
}

// isUntrustedCert: the https target's certificate did not verify.
func isUntrustedCert(err error) bool {
	var ua x509.UnknownAuthorityError
	var hn x509.HostnameError
	var ci x509.CertificateInvalidError
	var tv *tls.CertificateVerificationError
	return errors.As(err, &ua) || errors.As(err, &hn) || errors.As(err, &ci) || errors.As(err, &tv)
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

func isConnRefused(err error) bool {
	var oe *net.OpError
	return errors.As(err, &oe) && oe.Op == "dial" && strings.Contains(err.Error(), "refused")
}

type meta struct{ id, typ, provider string }

// hookctlID names the event by the id hookctl sent its own listener
// (delivery.ListenEventIDHeader), "" for none: hookctl's event id, where
// the scheme carries none in a header (Bond's events have none in the
// body either).
func (m *meta) hookctlID(id string) {
	if id != "" {
		m.id = strings.Clone(id)
	}
}

// providerSchemes maps hookctl's providers to their default scheme.
var providerSchemes = map[string]string{"bond": "bond", "mono": "mono", "mambu": "mambu", "saas": "stripe", "standard": "standard", "stripe": "stripe", "github": "github"}

// ProviderScheme is the default scheme of a provider ("" when unknown).
func ProviderScheme(provider string) string { return providerSchemes[provider] }

func schemeProvider(scheme string) string {
	if scheme == "stripe" {
		return "saas" // as before the stripe provider existed (two providers sign this way)
	}
	for p, s := range providerSchemes {
		if s == scheme {
			return p
		}
	}
	return scheme
}

// eventMeta finds the event id, type and provider of a request: the
// scheme's id header, then the body's id fields; type from the body, or
// for GitHub from X-GitHub-Event and the body's action.
func eventMeta(h http.Header, body []byte, scheme, provider string) meta {
	m := meta{provider: provider}
	if m.provider == "" && scheme != "" {
		m.provider = schemeProvider(scheme)
	}
	m.id = signature.EventIDFromHeaders(h)
	raw := body
	body = metaBody(h, body)
	// One pass over the top-level keys (bodies are not always JSON: then
	// nothing is found and the headers or a hash name the event).
	var bodyID, eventID, action string
	if t := bytes.TrimLeft(body, " \t\r\n"); len(t) > 0 && t[0] == '{' {
		gjson.ParseBytes(body).ForEach(func(k, v gjson.Result) bool {
			if v.Type != gjson.String || v.Str == "" {
				return true
			}
			switch k.Str {
			case "id":
				bodyID = v.Str
			case "event_id":
				eventID = v.Str
			case "type", "event", "event_type":
				if m.typ == "" {
					m.typ = v.Str
				}
			case "action":
				action = v.Str
			}
			return true
		})
	}
	if gh := h.Get("X-Github-Event"); gh != "" {
		// GitHub names the event in the header and its action in the
		// body; "pull_request.opened" is how the catalog, trigger,
		// --events and @octokit/webhooks name it. A body field called
		// type or event is part of the payload, not its name.
		m.typ = gh
		if action != "" {
			m.typ = gh + "." + action
		}
	}
	if m.id == "" {
		m.id = bodyID
		if m.id == "" {
			m.id = eventID
		}
	}
	if m.typ == "" && bytes.HasPrefix(bytes.TrimLeft(body, " \t\r\n"), []byte("<")) {
		m.typ = xmlEventType(body)
	}
	if m.typ == "" {
		for _, k := range []string{"X-Hookctl-Event-Type", "X-Shopify-Topic", "X-Event-Type"} {
			if v := h.Get(k); v != "" {
				m.typ = v
				break
			}
		}
	}
	if m.id == "" {
		sum := sha256.Sum256(raw)
		m.id = "rcv_" + hex.EncodeToString(sum[:12])
	} else {
		// A copy: the id outlives the request (the duplicate check's
		// and the recorder's maps of ids), and as found it is a
		// substring of the request's whole header block (the fast
		// server's) or of a copy of its body (gjson), which it pinned.
		m.id = strings.Clone(m.id)
	}
	return m
}

// metaInflateMax is how much of a gzip-coded body eventMeta inflates to
// find its id and type: they are top-level keys, and a bomb costs no
// more than this.
const metaInflateMax = 1 << 20

// metaInflating bounds the gzip'd bodies inflated at once (metaBody): a
// burst of small bombs holds at most this many metaInflateMax buffers;
// one over it goes unnamed (its type unknown, its id the body's hash), as
// it was before bodies were inflated.
var metaInflating = make(chan struct{}, 4)

// metaBody is the body eventMeta reads the id and type from: the body as
// received, or for one sent with Content-Encoding: gzip (a sender that
// compresses its webhooks) its first metaInflateMax bytes inflated. Only
// the log line and the record read it: what is verified, stored and
// forwarded are the bytes received, Content-Encoding and all.
func metaBody(h http.Header, body []byte) []byte {
	if len(body) < 2 || body[0] != 0x1f || body[1] != 0x8b {
		return body
	}
	if ce := strings.ToLower(strings.TrimSpace(h.Get("Content-Encoding"))); ce != "gzip" && ce != "x-gzip" {
		return body
	}
	select {
	case metaInflating <- struct{}{}:
		defer func() { <-metaInflating }()
	default:
		return body
	}
	zr, err := gzip.NewReader(bytes.NewReader(body))
	if err != nil {
		return body
	}
	out, _ := io.ReadAll(io.LimitReader(zr, metaInflateMax))
	if len(out) == 0 {
		return body
	}
	return out
}

// FormatSize prints a byte count the way --max-body takes it.
func FormatSize(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}

// xmlEventType is the text of the root's first <event>, <type> or
// <event_type> child (Mambu's XML notifications name it in <event>), ""
// when there is none.
func xmlEventType(body []byte) string {
	d := xml.NewDecoder(bytes.NewReader(body))
	d.Strict = false
	depth, want := 0, false
	for {
		tok, err := d.Token()
		if err != nil {
			return ""
		}
		switch t := tok.(type) {
		case xml.StartElement:
			depth++
			want = depth == 2 && (t.Name.Local == "event" || t.Name.Local == "type" || t.Name.Local == "event_type")
			if depth > 2 {
				want = false
			}
		case xml.CharData:
			if want {
				if v := strings.TrimSpace(string(t)); v != "" {
					return v
				}
			}
		case xml.EndElement:
			depth--
			want = false
			if depth < 1 {
				return ""
			}
		}
	}
}
