// Package web is hookctl's dashboard and inspector: server-rendered pages
// (html/template, whose auto-escaping is the XSS defence) over the store,
// a little plain JavaScript for live updates over Server-Sent Events, and
// the assets embedded in the binary. `hookctl serve` mounts the handler at
// "/", `hookctl ui` and `hookctl listen --ui` serve it alone (Start).
//
// Safety: requests whose Host is not the served address are refused (DNS
// rebinding); every state-changing request must be same-origin and carry
// the per-process CSRF token; a strict Content-Security-Policy allows only
// the embedded script and style; secrets are masked unless revealed.
package web

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"embed"
	"encoding/base64"
	"errors"
	"fmt"
	"html/template"
	"io"
	"io/fs"
	"net"
	"net/http"
	"path"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/hookctl/hookctl/internal/catalog"
	"github.com/hookctl/hookctl/internal/delivery"
	"github.com/hookctl/hookctl/internal/httplimit"
	"github.com/hookctl/hookctl/internal/service"
	"github.com/hookctl/hookctl/internal/store"
	"github.com/hookctl/hookctl/internal/subscription"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// MaxForm bounds a state-changing request's body (hookctl serve reads
// the inspector's bodies under its budget with this limit).
const MaxForm = 8 << 20 // an edited 1 MiB body, indented and form-encoded, fits

// DefaultAddr is where `hookctl ui` and `listen --ui` serve by default.
const DefaultAddr = "127.0.0.1:4040"

// DefaultPoll is how often the live log looks for changes unless
// Config.Poll says otherwise: a change reaches an open tab within a poll
// and a push, well inside the 1 s the inspector promises.
const DefaultPoll = 200 * time.Millisecond

// Config is what the inspector works with.
type Config struct {
	Store   store.Store
	Catalog *catalog.Catalog // nil: the built-in catalog
	// Dispatcher triggers, publishes and replays; nil builds one over
	// Store (outbox only: a worker or the engine of Start sends).
	Dispatcher *service.Dispatcher
	// Addr is the host:port the handler is served at; requests with any
	// other Host are refused. Required.
	Addr string
	// ExtraHosts are more Host values to accept (a name the user chose).
	ExtraHosts []string
	// Poll is how often the live log looks for changes (DefaultPoll).
	Poll time.Duration
	// PageTimeout bounds the store reads of one page (0: PageReadTimeout).
	PageTimeout time.Duration
	Now         func() time.Time
	Version     string
	// StoreNotice, for the worker Start runs, says on its writer when the
	// store goes away and when it is back, and bounds how long the worker
	// waits for it (its Patience); nil: a notice that says nothing, with
	// 10 minutes of patience, as serve's.
	StoreNotice *delivery.StoreNotice
}

// Handler serves the inspector.
type Handler struct {
	cfg   Config
	st    store.Store
	insp  store.Inspector // nil when the store has no inspector queries
	cat   *catalog.Catalog
	disp  *service.Dispatcher
	subs  *subscription.Service
	pages map[string]*template.Template
	rowT  *template.Template
	mux   *http.ServeMux
	csrf  string
	// flashKey signs the messages redirects carry (flashQuery).
	flashKey []byte
	hosts    map[string]bool
	// remote: served on an address other than loopback (serve --host
	// 0.0.0.0): the inspector has no login, so it refuses every request.
	remote bool
	cop    *http.CrossOriginProtection
	// hub wakes the live streams when the store changed (livehub.go).
	hub *liveHub
}

// New builds the inspector's handler. Mount it at "/" (it answers its own
// paths and 404 elsewhere). In `hookctl serve`, after listening:
//
//	h, err := web.New(web.Config{Store: st, Catalog: cat, Dispatcher: disp, Addr: ln.Addr().String()})
//	mux.Handle("/", h) // provider routes and /_hookctl/ are more specific and win
//
// Served on an address other than loopback (serve --host 0.0.0.0), it
// refuses every request: it has no login.
func New(cfg Config) (*Handler, error) {
	if cfg.Store == nil {
		return nil, errors.New("web: no store")
	}
	if cfg.Addr == "" {
		return nil, errors.New("web: no served address (Config.Addr)")
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Poll <= 0 {
		cfg.Poll = DefaultPoll
	}
	if cfg.Catalog == nil {
		c, err := catalog.Load(catalog.Options{})
		if err != nil {
			return nil, err
		}
		cfg.Catalog = c
	}
	if cfg.Dispatcher == nil {
		cfg.Dispatcher = &service.Dispatcher{Store: cfg.Store, Catalog: cfg.Catalog, Now: cfg.Now}
	}
	h := &Handler{cfg: cfg, st: cfg.Store, cat: cfg.Catalog, disp: cfg.Dispatcher,
		subs: &subscription.Service{Store: cfg.Store, Catalog: cfg.Catalog, Now: cfg.Now}}
	h.insp, _ = cfg.Store.(store.Inspector)
	h.hub = newLiveHub(cfg.Store, cfg.Poll)
	tok := make([]byte, 24)
	if _, err := rand.Read(tok); err != nil {
		return nil, err
	}
	h.csrf = base64.RawURLEncoding.EncodeToString(tok)
	h.flashKey = make([]byte, 32)
	if _, err := rand.Read(h.flashKey); err != nil {
		return nil, err
	}
	var nl *NotLoopbackError
	h.remote = errors.As(CheckAddr(cfg.Addr), &nl)
	h.hosts = allowedHosts(cfg.Addr, cfg.ExtraHosts)
	h.cop = http.NewCrossOriginProtection()
	h.cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "cross-origin request refused", http.StatusForbidden)
	}))
	if err := h.parseTemplates(); err != nil {
		return nil, err
	}
	h.routes()
	return h, nil
}

// allowedHosts is the served address and, for loopback, its other names.
func allowedHosts(addr string, extra []string) map[string]bool {
	m := map[string]bool{strings.ToLower(addr): true}
	host, port, err := net.SplitHostPort(addr)
	if err == nil {
		if httplimit.IsLoopbackHost(host) {
			for _, n := range []string{"localhost", "127.0.0.1", "[::1]"} {
				m[n+":"+port] = true
			}
		}
	}
	for _, e := range extra {
		m[strings.ToLower(e)] = true
	}
	return m
}

// CSRFToken is this process's token (tests post with it).
func (h *Handler) CSRFToken() string { return h.csrf }

// Handles reports whether r is for one of the inspector's pages (its path
// and method). hookctl serve, which mounts the inspector at "/", answers
// anything else as an unknown API route, in JSON.
func (h *Handler) Handles(r *http.Request) bool {
	_, pattern := h.mux.Handler(r)
	return pattern != ""
}

func (h *Handler) routes() {
	m := http.NewServeMux()
	static, _ := fs.Sub(staticFS, "static")
	fsrv := http.StripPrefix("/static/", http.FileServerFS(static))
	m.Handle("GET /static/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// http.FileServerFS answers a name fs.FS refuses (invalid UTF-8,
		// say) with a 500; to a browser it is simply not there.
		name := strings.TrimPrefix(path.Clean(r.URL.Path), "/static/")
		if !fs.ValidPath(name) {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Cache-Control", "public, max-age=3600")
		fsrv.ServeHTTP(w, r)
	}))
	m.HandleFunc("GET /{$}", h.logPage)
	m.HandleFunc("GET /live", h.live)
	m.HandleFunc("GET /events", h.eventsPage)
	m.HandleFunc("GET /live/events", h.eventsLive) // not under /events/: an event may be called "live"
	m.HandleFunc("GET /events/{id}", h.eventPage)
	m.HandleFunc("GET /events/{id}/body", h.downloadEventBody)
	m.HandleFunc("GET /deliveries/{id}", h.detailPage)
	m.HandleFunc("GET /deliveries/{id}/body", h.downloadBody)
	m.HandleFunc("GET /deliveries/{id}/sent-body", h.downloadSentBody)
	m.HandleFunc("POST /deliveries/{id}/replay", h.replay)
	m.HandleFunc("GET /deliveries/{id}/edit", h.editPage)
	m.HandleFunc("POST /deliveries/{id}/resend", h.resend)
	m.HandleFunc("GET /diff", h.diffPage)
	m.HandleFunc("GET /subscriptions", h.subscriptionsPage)
	m.HandleFunc("POST /subscriptions", h.createSubscription)
	m.HandleFunc("GET /subscriptions/{id}/edit", h.editSubscriptionPage)
	m.HandleFunc("POST /subscriptions/{id}/edit", h.editSubscription)
	m.HandleFunc("POST /subscriptions/{id}/{action}", h.subscriptionAction)
	m.HandleFunc("GET /trigger", h.triggerPage)
	m.HandleFunc("POST /trigger", h.trigger)
	m.HandleFunc("GET /overview", h.overviewPage)
	h.mux = m
}

// ServeHTTP checks the Host, the origin and the CSRF token, sets the
// security headers and routes.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if h.remote {
		http.Error(w, "hookctl: the web inspector is served on loopback addresses only (it has no login and shows the subscriptions' secrets), and this server listens on "+h.cfg.Addr+": run hookctl ui on its machine, or reach it through an SSH tunnel", http.StatusForbidden)
		return
	}
	if !h.hosts[strings.ToLower(r.Host)] {
		http.Error(w, "hookctl: refused: unexpected Host header (the inspector answers only at its own address)", http.StatusMisdirectedRequest)
		return
	}
	hd := w.Header()
	hd.Set("Content-Security-Policy", "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("Referrer-Policy", "same-origin")
	hd.Set("X-Frame-Options", "DENY")
	if r.Method != http.MethodGet && r.Method != http.MethodHead && h.Handles(r) {
		// (A request for no page gets the mux's 404 or 405 below, not
		// "missing CSRF token": it changes nothing, and the token is not
		// what is wrong with it.)
		if err := h.cop.Check(r); err != nil {
			http.Error(w, "hookctl: refused: cross-origin request", http.StatusForbidden)
			return
		}
		if o := r.Header.Get("Origin"); o != "" && o != "http://"+r.Host && o != "https://"+r.Host {
			http.Error(w, "hookctl: refused: cross-origin request", http.StatusForbidden)
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, MaxForm)
		if err := r.ParseForm(); err != nil {
			// Said as it is: an unread form also lacks its token, and
			// "reload the page" would not help.
			var tooBig *http.MaxBytesError
			if errors.As(err, &tooBig) {
				http.Error(w, fmt.Sprintf("hookctl: refused: the form is larger than %d MiB (a body that large cannot be sent from the page; use hookctl trigger --data @file)", MaxForm>>20), http.StatusRequestEntityTooLarge)
				return
			}
			http.Error(w, "hookctl: refused: cannot read the form: "+err.Error(), http.StatusBadRequest)
			return
		}
		tok := r.Header.Get("X-CSRF-Token")
		if tok == "" {
			tok = r.FormValue("_csrf")
		}
		// Compared in constant time, like every secret hookctl checks.
		if subtle.ConstantTimeCompare([]byte(tok), []byte(h.csrf)) != 1 {
			http.Error(w, "hookctl: refused: missing or wrong CSRF token (reload the page)", http.StatusForbidden)
			return
		}
		// An action writes. Once a SQLite file was deleted or replaced
		// under the process, the write would go into the deleted file and
		// vanish with it: refuse, naming the file (one stat per action;
		// `hookctl ui` also guards its store, `listen --ui` shares
		// listen's, which is not guarded).
		if err := store.CheckInPlace(h.st); err != nil {
			msg := "hookctl: error: " + err.Error()
			var h interface{ Hints() []string }
			if errors.As(err, &h) {
				for _, hint := range h.Hints() {
					msg += "\nhookctl: hint: " + hint
				}
			}
			w.Header().Set("Retry-After", "2")
			http.Error(w, msg, http.StatusServiceUnavailable)
			return
		}
	}
	if (r.Method == http.MethodGet || r.Method == http.MethodHead) && r.URL.Path != "/live" && r.URL.Path != "/live/events" {
		// A page's reads are bounded (not the live streams, which
		// wait for the store on their own): a PostgreSQL table locked
		// by a migration or a long transaction held the page blank for
		// as long as the lock lasted. fail says why it ended.
		ctx, cancel := context.WithTimeout(r.Context(), h.pageTimeout())
		defer cancel()
		r = r.WithContext(ctx)
	}
	h.mux.ServeHTTP(w, r)
}

// PageReadTimeout bounds the store reads of one page (GET) unless
// Config.PageTimeout says otherwise: past it the page is an error page
// saying the store did not answer in time.
const PageReadTimeout = 15 * time.Second

func (h *Handler) pageTimeout() time.Duration {
	if h.cfg.PageTimeout > 0 {
		return h.cfg.PageTimeout
	}
	return PageReadTimeout
}

// Start serves the inspector on addr (host:port; "" = DefaultAddr, the
// next free port when it is taken) until ctx ends or stop is called, and
// returns its URL. When cfg.Dispatcher is nil it also runs a delivery
// engine over the store, so replays and resends from the page go out.
//
// In `hookctl listen --ui[=ADDR]` (flag NoOptDefVal = DefaultAddr):
//
//	url, stopUI, err := web.Start(ctx, opts.UI, web.Config{Store: st, Catalog: cat, Version: v})
//	if err != nil { return cli.Envf("cannot serve the inspector: %v", err) }
//	defer stopUI()
//	fmt.Fprintf(ios.ErrOut, "Inspector at %s\n", url)
func Start(ctx context.Context, addr string, cfg Config) (url string, stop func(), err error) {
	ln, err := Listen(addr)
	if err != nil {
		return "", nil, err
	}
	cfg.Addr = ln.Addr().String()
	if cfg.Catalog == nil {
		// Before the Dispatcher is made from it (New loads one only for
		// the page): the Trigger page of `listen --ui` answered
		// "service: no catalog".
		c, err := catalog.Load(catalog.Options{})
		if err != nil {
			ln.Close()
			return "", nil, err
		}
		cfg.Catalog = c
	}
	ctx, cancel := context.WithCancel(ctx)
	engineDone := make(chan struct{})
	if cfg.Dispatcher == nil {
		e := delivery.New(cfg.Store, delivery.Config{Version: cfg.Version})
		e.OnClaimError = func(error, time.Duration) {}
		// Through a store outage (a PostgreSQL restart, a full disk) the
		// worker waits, keeps the attempts it made and records them once
		// the store is back, as serve's does. Without these, the first
		// attempt it could not record stopped it for the rest of the
		// process, silently: those deliveries stayed pending, leased, and
		// nothing triggered, replayed or resent from the page went out.
		notice := cfg.StoreNotice
		if notice == nil {
			notice = &delivery.StoreNotice{W: io.Discard}
		}
		if notice.Patience <= 0 {
			notice.Patience = 10 * time.Minute
		}
		e.StoreWait, e.RecordWait = notice.Wait(), notice.Wait()
		cfg.Dispatcher = &service.Dispatcher{Store: cfg.Store, Catalog: cfg.Catalog, Engine: e, Now: cfg.Now}
		go func() {
			defer close(engineDone)
			if err := e.Run(ctx, nil); err != nil && ctx.Err() == nil && notice.W != nil {
				// Past its patience: said, not swallowed.
				fmt.Fprintf(notice.W, "hookctl: error: the inspector's worker stopped: %v; nothing more is delivered until it is restarted\n", err)
			}
		}()
	} else {
		close(engineDone)
	}
	h, err := New(cfg)
	if err != nil {
		cancel()
		ln.Close()
		<-engineDone
		return "", nil, err
	}
	// httplimit, as for listen and serve: timeouts, connection caps,
	// framing checks, and every form read under a shared budget before
	// the handler parses it (ParseForm alone held up to MaxForm per
	// request, for any number of requests).
	lim := httplimit.New(httplimit.Config{MaxBody: MaxForm, BodyBudget: 2 * MaxForm})
	srv := lim.Server(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		release, err := lim.Buffer(w, r, MaxForm)
		defer release()
		switch {
		case httplimit.IsBusy(err):
			w.Header().Set("Retry-After", lim.Config().RetryAfterHeader())
			http.Error(w, "hookctl: busy: too many forms in flight; retry in a moment", http.StatusServiceUnavailable)
			return
		case httplimit.IsTooLarge(err):
			http.Error(w, fmt.Sprintf("hookctl: refused: the request body is over %d bytes", MaxForm), http.StatusRequestEntityTooLarge)
			return
		case httplimit.IsTimeout(err):
			http.Error(w, fmt.Sprintf("hookctl: refused: the form did not arrive within %s", lim.Config().BodyTimeout), http.StatusRequestTimeout)
			return
		case err != nil:
			http.Error(w, "hookctl: refused: cannot read the form: "+err.Error(), http.StatusBadRequest)
			return
		}
		h.ServeHTTP(w, r)
	}))
	srv.BaseContext = func(net.Listener) context.Context { return ctx }
	served := make(chan struct{})
	go func() { defer close(served); _ = srv.Serve(lim.Listener(ln)) }()
	go func() {
		<-ctx.Done()
		sctx, c := context.WithTimeout(context.Background(), 2*time.Second)
		defer c()
		_ = srv.Shutdown(sctx)
	}()
	stop = func() {
		cancel()
		<-served
		<-engineDone
	}
	return "http://" + cfg.Addr + "/", stop, nil
}

// NotLoopbackError is an address Start and Listen refuse: the inspector
// has no login (it shows secrets and sends signed requests), so it serves
// loopback only.
type NotLoopbackError struct{ Addr string }

func (e *NotLoopbackError) Error() string {
	return fmt.Sprintf("the inspector serves loopback addresses only (127.0.0.1, [::1], localhost), not %q: it has no login and shows the subscriptions' secrets", e.Addr)
}

// Hints says how to reach it from elsewhere.
func (e *NotLoopbackError) Hints() []string {
	return []string{"serve it on 127.0.0.1 and reach it from another machine through an SSH tunnel: ssh -L 4040:127.0.0.1:4040 HOST"}
}

// CheckAddr validates a host:port for Start and Listen ("" = DefaultAddr):
// well formed, and a loopback host (*NotLoopbackError otherwise).
func CheckAddr(addr string) error {
	_, _, err := splitAddr(addr)
	return err
}

func splitAddr(addr string) (string, int, error) {
	if addr == "" {
		addr = DefaultAddr
	}
	host, portS, err := net.SplitHostPort(addr)
	if err != nil {
		return "", 0, fmt.Errorf("invalid address %q: %v", addr, err)
	}
	port, err := strconv.Atoi(portS)
	if err != nil || port < 0 || port > 65535 {
		return "", 0, fmt.Errorf("invalid port in %q", addr)
	}
	if !httplimit.IsLoopbackHost(host) {
		return "", 0, &NotLoopbackError{Addr: addr}
	}
	return host, port, nil
}

// Listen listens on addr ("" = DefaultAddr, a loopback address: see
// CheckAddr); when the port is taken it tries the next 20.
func Listen(addr string) (net.Listener, error) {
	host, port, err := splitAddr(addr)
	if err != nil {
		return nil, err
	}
	var first error
	for i := 0; i <= 20; i++ {
		ln, err := net.Listen("tcp", net.JoinHostPort(host, strconv.Itoa(port+i)))
		if err == nil {
			return ln, nil
		}
		if first == nil {
			first = err
		}
		if port == 0 || !errors.Is(err, syscall.EADDRINUSE) {
			break
		}
	}
	return nil, first
}
