// Package serve is the composition root of `hookctl serve`: one
// http.ServeMux with the provider APIs (Bond, Stripe-style, Svix, Mambu),
// the /_hookctl/ control API and an optional UI handler at /; it owns the
// listener, timeouts, the body limit, the in-process delivery worker and
// graceful shutdown. What each route means lives in the provider packages.
package serve

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"path"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hookctl/hookctl/internal/catalog"
	"github.com/hookctl/hookctl/internal/delivery"
	"github.com/hookctl/hookctl/internal/httplimit"
	"github.com/hookctl/hookctl/internal/provider"
	"github.com/hookctl/hookctl/internal/provider/bond"
	"github.com/hookctl/hookctl/internal/provider/mambu"
	"github.com/hookctl/hookctl/internal/provider/stripe"
	"github.com/hookctl/hookctl/internal/provider/svix"
	"github.com/hookctl/hookctl/internal/service"
	"github.com/hookctl/hookctl/internal/store"
	"github.com/hookctl/hookctl/internal/subscription"
)

var errNoReset = errors.New("this store cannot be reset")

// errNoExpunge: the store (a wrapper around one, in tests) cannot
// expunge content (the Svix API answers 501).
// A type, not fmt.Errorf at package init (every process paid for it).
var errNoExpunge error = noExpungeError{}

type noExpungeError struct{}

func (noExpungeError) Error() string {
	return "this store cannot expunge content: " + errors.ErrUnsupported.Error()
}
func (noExpungeError) Unwrap() error { return errors.ErrUnsupported }

// MaxBody is the largest request body accepted (413 above).
const MaxBody = 1 << 20

// BodyBudget bounds the request body bytes all requests hold at once
// (httplimit): past it a request waits up to two seconds for room, then
// gets 503 with Retry-After. A request's parsing, storing and answer
// hold a few times its body again, so this is kept at 8 MiB (listen's
// is 16): with it serve stayed under 100 MB of RSS through 3,000 clients
// each sending 1 MiB (TestServeHostileClients, HOOKCTL_LONG=1). The
// budget New sets is at least the inspector's largest form plus MaxBody
// (9 MiB by default): a form of unknown length is read into one byte more
// than its limit, which a budget of exactly the limit never had room for.
const BodyBudget = 8 << 20

// Options configure a server.
type Options struct {
	Host string // "" = 127.0.0.1
	Port int    // 0 = a free port
	// APIKey, when set, is the only credential the APIs accept.
	APIKey     string
	NoWorker   bool // leave sending to `hookctl worker`
	AllowReset bool // POST /_hookctl/reset empties the store
	Store      store.Store
	Catalog    *catalog.Catalog
	Version    string
	// Timeout per delivery attempt (0 = delivery.DefaultTimeout).
	Timeout     time.Duration
	Concurrency int
	// Insecure: the worker accepts any TLS certificate (serve -k).
	Insecure bool
	// Schedule of new deliveries (nil = default).
	Schedule delivery.Schedule
	// ReadHeaderTimeout bounds how long a client may take to send its
	// request headers (0 = httplimit's 5 s): a slow or stuck client cannot
	// hold a connection open.
	ReadHeaderTimeout time.Duration
	// UIMaxBody is the largest body the UI's forms take (0 = 8 MiB, the
	// inspector's web.MaxForm, which cmd/serve passes), under the same
	// budget as the APIs' bodies.
	UIMaxBody int64
	// UI, when set, is mounted at / (the web inspector); nil serves a
	// small JSON index of the APIs.
	UI http.Handler
	// UIFunc, when set (and UI is not), builds the UI once the server
	// listens: it gets the address served (for the UI's Host checks) and
	// the server's Dispatcher (so the UI's actions use the in-process
	// worker). Until then the UI answers 503.
	UIFunc func(addr string, d *service.Dispatcher) (http.Handler, error)
	Now    func() time.Time
	// OnResult is called after each attempt of the in-process worker.
	OnResult func(delivery.Result)
	// OnClaimError is told when the worker cannot claim deliveries (the
	// store is unreachable) and how long it waits before trying again; the
	// worker never gives up while the server runs.
	OnClaimError func(err error, wait time.Duration)
	// StoreNotice hears when the store goes away (a PostgreSQL restart)
	// and when it is back, once per outage (nil: nobody is told). The
	// worker keeps the attempts it made meanwhile and records them once
	// the store is back, within the notice's Patience (0: 10 min).
	StoreNotice *delivery.StoreNotice
}

// Server is a running `hookctl serve`.
type Server struct {
	opts     Options
	ln       net.Listener
	srv      *http.Server
	engine   *delivery.Engine
	faults   *service.Faults
	apis     []*provider.API
	handler  http.Handler
	engineWG sync.WaitGroup
	stopEng  context.CancelFunc
	engErr   error
	disp     *service.Dispatcher
	lazyUI   *lazyHandler
	// streams ends event streams (the UI's live log) when the server
	// shuts down: they never finish by themselves.
	streams     context.Context
	stopStreams context.CancelFunc
	// cop refuses browsers' cross-origin state-changing requests to the
	// APIs (a page on another site posting a form or text/plain body).
	cop *http.CrossOriginProtection
	// ctl is the control API, which also answers every path no API and
	// no inspector page owns.
	ctl *provider.API
	// lim keeps the server standing against hostile clients: connection
	// caps, timeouts, framing checks and the body budget (httplimit, as
	// for listen).
	lim *httplimit.Limiter
	// gone is the store's error once its file was found deleted or
	// replaced (a SQLite store, watched by watchStore): every request
	// but health is answered 503 from then on, and goneCh is closed so
	// the command stops the server.
	gone      atomic.Pointer[error]
	goneCh    chan struct{}
	stopWatch chan struct{}
	watchDone chan struct{}
	// gate keeps a reset apart from the worker's sends (nil without a
	// worker).
	gate *resetGate
}

// watchEvery is how often serve checks that a SQLite store's file is still
// in place (one stat). Writes check it themselves (store.GuardWrites):
// the watch is for a server that writes nothing meanwhile, so it stops
// within a moment of an rm all the same.
const watchEvery = 250 * time.Millisecond

// lazyHandler serves the handler set once the server listens (503 before).
type lazyHandler struct{ h atomic.Pointer[http.Handler] }

func (l *lazyHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if h := l.h.Load(); h != nil {
		(*h).ServeHTTP(w, r)
		return
	}
	http.Error(w, "starting", http.StatusServiceUnavailable)
}

// pageRouter is what the inspector's handler implements (web.Handler):
// whether a request is for one of its pages.
type pageRouter interface{ Handles(*http.Request) bool }

// uiHandles reports whether r goes to the inspector mounted at "/": only
// its own pages do (and everything while it is starting, which answers
// 503). Any other path is an unknown API route and gets the control API's
// JSON 404: an API client that mistyped a route (POST /api/v2/webhooks)
// was answered "missing or wrong CSRF token (reload the page)" by the
// inspector's form check, or its text 404.
func (s *Server) uiHandles(r *http.Request) bool {
	var h http.Handler = s.opts.UI
	if s.lazyUI != nil {
		p := s.lazyUI.h.Load()
		if p == nil {
			return true
		}
		h = *p
	}
	if pr, ok := h.(pageRouter); ok {
		return pr.Handles(r)
	}
	return true
}

// New builds the server (routes, services, worker) without listening.
func New(o Options) (*Server, error) {
	if o.Store == nil {
		return nil, errors.New("serve: no store")
	}
	if o.Catalog == nil {
		cat, err := catalog.Load(catalog.Options{})
		if err != nil {
			return nil, err
		}
		o.Catalog = cat
	}
	if o.Host == "" {
		o.Host = "127.0.0.1"
	}
	if o.UIMaxBody <= 0 {
		o.UIMaxBody = 8 << 20 // web.MaxForm, which cmd/serve passes
	}
	s := &Server{opts: o, faults: &service.Faults{}, cop: http.NewCrossOriginProtection(), goneCh: make(chan struct{})}
	// What the APIs acknowledge must be kept: a write into a SQLite file
	// deleted or replaced since it was opened succeeded, and was lost
	// with the process (a test suite's subscriptions, messages and
	// deliveries answered 2xx, then gone). Guarded, it fails instead.
	store.GuardWrites(o.Store)
	s.lim = httplimit.New(httplimit.Config{MaxBody: MaxBody, BodyBudget: max(BodyBudget, o.UIMaxBody+MaxBody), ReadHeaderTimeout: o.ReadHeaderTimeout,
		// A request target that is not a path, or ambiguous framing: the
		// API's (or the control API's) JSON 400, like every other refusal.
		Refuse: func(w http.ResponseWriter, r *http.Request, status int, reason string) {
			switch a := s.answerer(r); {
			case a != nil && a.Refused != nil:
				a.Refused(w, r, status, reason)
			case a != nil && a.BadRequest != nil && status == http.StatusBadRequest:
				a.BadRequest(w, r, reason)
			default:
				httplimit.Refuse(w, status, reason)
			}
		}})
	s.streams, s.stopStreams = context.WithCancel(context.Background())
	disp := &service.Dispatcher{Store: o.Store, Catalog: o.Catalog, Schedule: o.Schedule, Now: o.Now}
	if !o.NoWorker {
		s.engine = delivery.New(o.Store, delivery.Config{Timeout: o.Timeout, Concurrency: o.Concurrency, Version: o.Version, OnResult: o.OnResult, Insecure: o.Insecure})
		s.gate = newResetGate(o.Store, o.Now)
		s.engine.Intercept = s.gate.wrap(s.faults.Intercept)
		s.engine.OnClaimError = o.OnClaimError
		if s.engine.OnClaimError == nil {
			s.engine.OnClaimError = func(error, time.Duration) {}
		}
		notice := o.StoreNotice
		if notice == nil {
			notice = &delivery.StoreNotice{W: io.Discard}
		}
		if notice.Patience <= 0 {
			notice.Patience = 10 * time.Minute
		}
		s.engine.StoreWait, s.engine.RecordWait = notice.Wait(), notice.Wait()
		disp.Engine = s.engine
	}
	s.disp = disp
	if o.UI == nil && o.UIFunc != nil {
		s.lazyUI = &lazyHandler{}
		o.UI = s.lazyUI
		s.opts.UI = s.lazyUI
	}
	st := o.Store
	if s.engine != nil {
		st = forgetful{Store: o.Store, engine: s.engine}
	}
	svc := &provider.Services{
		Store:    st,
		Catalog:  o.Catalog,
		Subs:     &subscription.Service{Store: st, Catalog: o.Catalog, Now: o.Now},
		Loose:    &subscription.Service{Store: st, Now: o.Now},
		Dispatch: disp,
		APIKey:   o.APIKey,
		Now:      o.Now,
		// Stripe's and Svix's libraries retry POSTs with one key (and
		// Mambu's v2 resends take one).
		Idempotency: &provider.Idempotency{Now: o.Now},
	}
	s.apis = []*provider.API{bond.New(svc), stripe.New(svc), svix.New(svc), mambu.New(svc)}
	ctl := &control{svc: svc, faults: s.faults, allowReset: o.AllowReset, server: s}
	s.ctl = ctl.api()
	s.apis = append(s.apis, s.ctl)
	mux := http.NewServeMux()
	for _, a := range s.apis {
		for _, r := range a.Routes {
			mux.HandleFunc(r.Method+" "+r.Path, r.Handler)
		}
		for _, p := range a.Prefixes {
			mux.HandleFunc(p, a.NotFound)
			// The subtree's root without its slash (which wrap strips)
			// would otherwise get the mux's redirect back to it.
			mux.HandleFunc(strings.TrimSuffix(p, "/"), a.NotFound)
		}
	}
	if o.UI != nil {
		ui := o.UI
		mux.Handle("/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if !s.uiHandles(r) {
				ctl.notFound(w, r)
				return
			}
			ui.ServeHTTP(w, r)
		}))
	} else {
		mux.HandleFunc("GET /{$}", s.index)
		mux.HandleFunc("/", ctl.notFound)
	}
	s.handler = s.wrap(mux)
	return s, nil
}

// wrap applies what every request gets: the body limit and the optional
// trailing slash (real clients send both forms).
func (s *Server) wrap(mux http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !s.hostAllowed(r.Host) {
			// DNS rebinding: a page on evil.example whose name now
			// resolves to 127.0.0.1 is same-origin with this server for
			// the browser, so it could read every answer (secrets
			// included) and send any header. Its Host names it.
			s.refuse(w, r, http.StatusMisdirectedRequest, "hookctl serve: refused: Host "+strconv.Quote(r.Host)+
				" is not this machine (DNS rebinding protection): send requests to "+s.URL()+
				" (or localhost); to accept other names, serve on --host 0.0.0.0 with --api-key")
			return
		}
		if s.apiOf(r.URL.Path) != nil {
			if err := s.cop.Check(r); err != nil {
				// Another site's page in the developer's browser: a
				// form or text/plain POST needs no preflight, and
				// without --api-key the control API takes it.
				s.refuse(w, r, http.StatusForbidden, "hookctl serve: refused: a cross-origin request from a web browser"+
					originOf(r)+": the APIs answer programs (SDKs, curl, test suites), not other sites' pages")
				return
			}
		}
		if enc := bodyEncoding(r); enc != "" && s.apiOf(r.URL.Path) != nil {
			// A compressed body (Content-Encoding: gzip): no API serve
			// plays takes one (Stripe's and Svix's document none, and
			// Svix's own server has no request decompression), and read
			// as it was it was answered "not valid JSON" (or Stripe's
			// "unknown parameter" of binary). Refused before it is read:
			// a gzip bomb costs nothing. RFC 9110 §12.5.3: the 415 names
			// the codings taken in Accept-Encoding.
			w.Header().Set("Accept-Encoding", "identity")
			s.refuse(w, r, http.StatusUnsupportedMediaType, "the request body is sent with Content-Encoding: "+enc+
				", which this API does not take: send the body uncompressed, without a Content-Encoding header")
			return
		}
		ui := s.uiPath(r.URL.Path)
		// Every body is read here, under the budget all requests share,
		// before a handler sees it: handlers read bodies whole, so
		// thousands of clients each sending 1 MiB held gigabytes (3.7 GB
		// of RSS for 2,000). One over its limit, too slow or cut short is
		// passed on for the handler to refuse in its API's words.
		max := int64(MaxBody)
		if ui {
			// (an edited body of MaxBody, indented and form-encoded, is larger)
			max = s.opts.UIMaxBody
		}
		release, err := s.lim.Buffer(w, r, max)
		defer release()
		if err != nil {
			status, msg := http.StatusBadRequest, "reading the request body: "+err.Error()
			switch {
			case httplimit.IsBusy(err):
				w.Header().Set("Retry-After", s.lim.Config().RetryAfterHeader())
				status, msg = http.StatusServiceUnavailable, "hookctl serve is busy: too many request bodies in flight; retry after the Retry-After delay"
			case httplimit.IsTimeout(err):
				status, msg = http.StatusRequestTimeout, fmt.Sprintf("the request body did not arrive within %s", s.lim.Config().BodyTimeout)
			case httplimit.IsTooLarge(err):
				// (a DELETE, GET, HEAD or OPTIONS: its handler reads no body)
				status, msg = http.StatusRequestEntityTooLarge, fmt.Sprintf("the request body is over %d bytes", max)
			}
			if a := s.answerer(r); a != nil && a.Refused != nil {
				a.Refused(w, r, status, msg)
			} else {
				httplimit.Refuse(w, status, msg)
			}
			return
		}
		if ui && strings.Contains(r.Header.Get("Accept"), "text/event-stream") {
			// An event stream lives as long as its client: no write
			// deadline, and it ends when the server shuts down (else
			// Shutdown waited for it until its deadline).
			ctx, cancel := context.WithCancel(r.Context())
			defer cancel()
			defer context.AfterFunc(s.streams, cancel)()
			r = r.WithContext(ctx)
			_ = http.NewResponseController(w).SetWriteDeadline(time.Time{})
		}
		if p := s.gone.Load(); p != nil && r.URL.Path != "/_hookctl/health" {
			// The store file is gone: nothing can be stored, and what
			// would be read is what the deleted file held. Health still
			// answers (503, naming the problem).
			s.storeGone(w, r, *p)
			return
		}
		if !cleanURL(r.URL) {
			// No id, cursor or filter can hold these; PostgreSQL refuses
			// them in a query (a store error, so a 500, before).
			const msg = "the URL holds a NUL character or bytes that are not UTF-8"
			if a := s.answerer(r); a != nil && a.BadRequest != nil {
				a.BadRequest(w, r, msg)
			} else {
				http.Error(w, msg, http.StatusBadRequest)
			}
			return
		}
		if !strings.HasPrefix(r.URL.Path, "/") {
			// The asterisk-form ("GET * HTTP/1.1"; OPTIONS * is the
			// http.Server's): the mux answered 400 with no body.
			s.ctl.BadRequest(w, r, "the request target is not a path: "+strconv.Quote(r.RequestURI)+" (send /…)")
			return
		}
		if s.opts.UI != nil && !s.loopbackOnly() && s.apiOf(r.URL.Path) == nil && !loopbackPeer(r) {
			// The inspector has no API key check: on a server reachable
			// from other machines (--host 0.0.0.0 --api-key) it answers
			// this machine only (a Host header is no proof of that).
			http.Error(w, "hookctl: the inspector answers only on this machine (the APIs take --api-key); open it at "+s.URL()+"/ there", http.StatusForbidden)
			return
		}
		if p := r.URL.Path; len(p) > 1 && strings.HasSuffix(p, "/") && !s.uiPath(p) {
			r.URL.Path = strings.TrimRight(p, "/")
			if r.URL.Path == "" {
				r.URL.Path = "/"
			}
			r.URL.RawPath = ""
		}
		if p := r.URL.Path; !s.uiPath(p) {
			// "//", "/./" or "/../" in an API's path: the mux answered
			// a redirect with an HTML body (a sloppy base URL, "…/" +
			// "/v1/events", is common). The clean path is served, as the
			// redirect would have been followed, unless it leaves the
			// API: that is no route of it.
			if c := path.Clean(p); c != p && strings.HasPrefix(p, "/") {
				if s.apiOf(c) != s.apiOf(p) {
					s.answerer(r).NotFound(w, r)
					return
				}
				r.URL.Path, r.URL.RawPath = c, ""
			}
		}
		mux.ServeHTTP(w, r)
	})
}

// bodyEncoding is the Content-Encoding of a request that has a body, ""
// when it has none or no coding but identity (the absence of one).
func bodyEncoding(r *http.Request) string {
	if r.ContentLength == 0 || r.Body == nil || r.Body == http.NoBody {
		return ""
	}
	vals := r.Header.Values("Content-Encoding")
	var codings []string
	for _, v := range vals {
		for c := range strings.SplitSeq(v, ",") {
			if c = strings.TrimSpace(c); c != "" && !strings.EqualFold(c, "identity") {
				codings = append(codings, c)
			}
		}
	}
	return strings.Join(codings, ", ")
}

// storeGone answers a request once the store's file is gone: 503 with
// Retry-After in the shape of the API it was for (plain text for the
// inspector's pages).
func (s *Server) storeGone(w http.ResponseWriter, r *http.Request, err error) {
	status, msg := provider.ServerError(w, err, "")
	switch a := s.answerer(r); {
	case a == s.ctl:
		ctlFail(w, status, "store_unavailable", msg)
	case a != nil && a.Refused != nil:
		a.Refused(w, r, status, msg)
	default:
		http.Error(w, "hookctl: "+msg, status)
	}
}

// StoreGone is closed once the store's file was found deleted or replaced
// (a SQLite store): the server answers 503 from then on, and should stop.
func (s *Server) StoreGone() <-chan struct{} { return s.goneCh }

// StoreGoneErr is the store's error once StoreGone is closed, else nil.
func (s *Server) StoreGoneErr() error {
	if p := s.gone.Load(); p != nil {
		return *p
	}
	return nil
}

// watchStore checks every watchEvery, while the server runs, that a
// SQLite store's file is still in place; once it is not, it marks the
// server gone (that does not heal: the file open is not the one at the
// path any more).
func (s *Server) watchStore(p store.InPlacer) {
	defer close(s.watchDone)
	t := time.NewTicker(watchEvery)
	defer t.Stop()
	for {
		select {
		case <-s.stopWatch:
			return
		case <-t.C:
		}
		if err := p.InPlace(); store.IsGone(err) {
			s.gone.Store(&err)
			close(s.goneCh)
			return
		}
	}
}

// hostAllowed reports whether a request's Host may be answered: on a
// server listening on loopback only, a loopback address or localhost (on
// any port: a tunnel or port forward names its own), the unspecified
// address (http://0.0.0.0:PORT reaches loopback, and an address literal
// cannot be rebound), or none (HTTP/1.0); anything goes on an address the
// user exposed (--host 0.0.0.0, which requires --api-key).
func (s *Server) hostAllowed(host string) bool {
	if !s.loopbackOnly() || host == "" {
		return true
	}
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	} else if strings.HasPrefix(host, "[") && strings.HasSuffix(host, "]") {
		host = host[1 : len(host)-1]
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsUnspecified() {
		return true
	}
	return httplimit.IsLoopbackHost(host)
}

// refuse answers a request refused for where it comes from, in the
// shape of the API it was for (plain text for the UI's paths).
func (s *Server) refuse(w http.ResponseWriter, r *http.Request, status int, msg string) {
	if a := s.answerer(r); a != nil && a.Refused != nil {
		a.Refused(w, r, status, msg)
		return
	}
	http.Error(w, msg, status)
}

// originOf is " (Origin: X)" when the request names its origin.
func originOf(r *http.Request) string {
	if o := r.Header.Get("Origin"); o != "" {
		return " (Origin: " + o + ")"
	}
	return ""
}

// loopbackOnly reports whether the server listens on loopback only.
func (s *Server) loopbackOnly() bool { return httplimit.IsLoopbackHost(s.opts.Host) }

// loopbackPeer reports whether the request comes from this machine.
func loopbackPeer(r *http.Request) bool {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	return err == nil && httplimit.IsLoopbackHost(host)
}

// cleanURL reports whether the decoded path and query are UTF-8 with no
// NUL character.
func cleanURL(u *url.URL) bool {
	ok := store.StorableText
	if !ok(u.Path) {
		return false
	}
	for k, vs := range u.Query() {
		if !ok(k) {
			return false
		}
		for _, v := range vs {
			if !ok(v) {
				return false
			}
		}
	}
	return true
}

// answerer is the API whose error shape r gets: the API owning its path,
// else the control API (whose JSON 404 answers every other path), except
// for the inspector's pages (nil: they answer in plain text). A bad URL
// outside the APIs (GET /%80) was answered in plain text to API clients.
func (s *Server) answerer(r *http.Request) *provider.API {
	if a := s.apiOf(r.URL.Path); a != nil {
		return a
	}
	if s.opts.UI != nil && s.uiHandles(r) {
		return nil
	}
	return s.ctl
}

// apiOf is the API owning path (nil: the UI's or the index).
func (s *Server) apiOf(p string) *provider.API {
	for _, a := range s.apis {
		for _, pre := range a.Prefixes {
			if strings.HasPrefix(p+"/", pre) {
				return a
			}
		}
	}
	return nil
}

// uiPath: paths the UI owns keep their slash.
func (s *Server) uiPath(p string) bool {
	if s.opts.UI == nil {
		return false
	}
	for _, a := range s.apis {
		for _, pre := range a.Prefixes {
			if strings.HasPrefix(p, pre) {
				return false
			}
		}
	}
	return true
}

// Handler is the server's root handler (for tests with httptest).
func (s *Server) Handler() http.Handler { return s.handler }

// APIs lists the names of the mounted APIs.
func (s *Server) APIs() []string {
	var out []string
	for _, a := range s.apis {
		out = append(out, a.Name)
	}
	return out
}

// Start listens and serves, and starts the in-process worker.
func (s *Server) Start(ctx context.Context) error {
	addr := net.JoinHostPort(s.opts.Host, strconv.Itoa(s.opts.Port))
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	s.ln = ln
	if s.lazyUI != nil {
		h, err := s.opts.UIFunc(uiAddr(ln.Addr().(*net.TCPAddr)), s.disp)
		if err != nil {
			ln.Close()
			return err
		}
		s.lazyUI.h.Store(&h)
	}
	// Timeouts (headers, bodies, idle, writes), the header cap and the
	// framing checks are httplimit's; its listener caps connections (in
	// all and per client) and answers the ones beyond with 503/429.
	s.srv = s.lim.Server(s.handler)
	if s.engine != nil {
		ectx, cancel := context.WithCancel(context.WithoutCancel(ctx))
		s.stopEng = cancel
		s.engineWG.Add(1)
		go func() {
			defer s.engineWG.Done()
			s.engErr = s.engine.Run(ectx, nil)
		}()
	}
	if p, ok := s.opts.Store.(store.InPlacer); ok {
		s.stopWatch, s.watchDone = make(chan struct{}), make(chan struct{})
		go s.watchStore(p)
	}
	go s.srv.Serve(s.lim.Listener(ln))
	return nil
}

// uiAddr is the address the UI checks Host headers against: on an
// unspecified address (--host 0.0.0.0) it is the loopback one, which the
// ready line prints, so the UI answers there and still refuses other
// names (it has no API key check of its own).
func uiAddr(a *net.TCPAddr) string {
	if a.IP.IsUnspecified() {
		return net.JoinHostPort("127.0.0.1", strconv.Itoa(a.Port))
	}
	return a.String()
}

// URL is the server's base URL.
func (s *Server) URL() string {
	if s.ln == nil {
		return ""
	}
	a := s.ln.Addr().(*net.TCPAddr)
	host := s.opts.Host
	if host == "0.0.0.0" || host == "::" || host == "" {
		host = "127.0.0.1"
	}
	return "http://" + net.JoinHostPort(host, strconv.Itoa(a.Port))
}

// Shutdown stops accepting requests, lets those in flight finish (until
// ctx ends), then stops the worker after its attempts in flight (those a
// delay fault holds are sent at once).
func (s *Server) Shutdown(ctx context.Context) error {
	// A send a delay fault holds goes out now: stopping waited the delay
	// out (up to 5 minutes), past a test suite's teardown.
	s.faults.EndDelays()
	s.stopStreams()
	if s.stopWatch != nil {
		close(s.stopWatch)
		<-s.watchDone
		s.stopWatch = nil
	}
	var err error
	if s.srv != nil {
		err = s.srv.Shutdown(ctx)
	}
	if s.stopEng != nil {
		s.stopEng()
		s.engineWG.Wait()
		if s.engErr != nil && err == nil {
			err = s.engErr
		}
	}
	return err
}

func (s *Server) index(w http.ResponseWriter, r *http.Request) {
	type api struct {
		Name     string   `json:"name"`
		Prefixes []string `json:"prefixes"`
		Routes   int      `json:"routes"`
	}
	out := struct {
		Name    string `json:"name"`
		Version string `json:"version"`
		APIs    []api  `json:"apis"`
		OpenAPI string `json:"openapi"`
	}{Name: "hookctl serve", Version: s.opts.Version, OpenAPI: "/_hookctl/openapi.json"}
	for _, a := range s.apis {
		out.APIs = append(out.APIs, api{a.Name, a.Prefixes, len(a.Routes)})
	}
	provider.WriteJSON(w, http.StatusOK, out)
}

// Faults is the server's fault registry (tests).
func (s *Server) Faults() *service.Faults { return s.faults }
