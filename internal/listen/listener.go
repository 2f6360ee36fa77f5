package listen

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/hookctl/hookctl/internal/delivery"
	"github.com/hookctl/hookctl/internal/httplimit"
	"github.com/hookctl/hookctl/internal/signature"
	"github.com/hookctl/hookctl/internal/store"
	"github.com/hookctl/hookctl/internal/subscription"
)

// Metadata labels of a listener's own subscription.
const (
	MetaCreatedBy = "created_by"
	MetaListenKey = "listen_key"
)

// Options configure a listener.
type Options struct {
	Host     string
	Port     int // 0 = a free port
	Target   *url.URL
	Events   []string
	Provider string
	Scheme   string   // "" or auto, or a scheme name
	Secrets  []string // --secret: a real provider's secrets, tried too
	Headers  http.Header
	Timeout  time.Duration
	MaxBody  int64
	Keep     bool
	Store    store.Store
	Out      io.Writer // the live log
	JSON     bool
	// Terminal: Out is a person's terminal (the live log is coalesced
	// under a burst).
	Terminal bool
	// Fit lays the live log out for the terminal (with Terminal, not
	// JSON; nil: the lines whole).
	Fit *Fit
	Now func() time.Time
	// OnRecordError is told when the store refuses a record.
	OnRecordError func(error)
	// OnLogError is told the first error writing the live log to Out
	// (stdout closed: `| head -1`); listen goes on without its log.
	OnLogError func(error)
	// OnHint is told, once per provider, that a request it rejected came
	// from what looks like a real provider (its User-Agent) and how to
	// have listen verify that provider's events.
	OnHint func(string)
	// OnSaving is told, at shutdown, how many records still have to be
	// written when that is many (a burst just ended).
	OnSaving func(n int64)
	// NoRecord turns recording off (benchmarks of the proxy alone).
	NoRecord bool
	// SkipVerify accepts any certificate from an https target.
	SkipVerify bool
	// Limits bound connections, timeouts and body bytes in flight (zero
	// fields: httplimit's defaults; MaxBody is taken from MaxBody).
	Limits httplimit.Config
	// JournalDir and StoreKey: where the journal is kept and which store
	// it belongs to (JournalDir, StoreKey).
	JournalDir string
	StoreKey   string
	// SaveTimeout bounds how long Shutdown keeps retrying a refusing
	// store; what is left stays in the journal for the next start.
	SaveTimeout time.Duration
	// ProviderOf names the provider of a received event by its scheme
	// and type (Config.ProviderOf); nil = the scheme's default provider.
	ProviderOf func(scheme, typ string) string
}

// Key identifies "the same listener settings" across restarts: the
// subscription (and so its secret) found by this key is reused.
func Key(host string, port int, events []string, provider, scheme string) string {
	ev := slices.Clone(events)
	slices.Sort(ev)
	h := sha256.Sum256([]byte(strings.Join([]string{host, strconv.Itoa(port), strings.Join(ev, ","), provider, subScheme(scheme)}, "|")))
	return hex.EncodeToString(h[:8])
}

func subScheme(s string) string {
	if s == "" {
		return "auto"
	}
	return s
}

// Metadata of a running listener's subscription: which process on which
// machine serves it (so a listener that died is recognised as such).
const (
	MetaPID  = "listen_pid"
	MetaHost = "listen_host"
	MetaPort = "listen_port"
)

// EnsureSubscription finds the listener's subscription by key (updating
// its callback and events) or creates it with a fresh secret. enable
// decides its status when it is created or found; an enabled one records
// this process (pid, host, port). Without a subscription of that key, the
// listen subscription of the same port that no listener uses (disabled, or
// its listener killed or its terminal closed) is reused instead of adding
// another: one listen subscription per port, whatever --events. Taken over
// with another scheme, it gets a fresh secret of that scheme. A
// subscription of that key on another port that a listener still serves
// is never taken (listen --port 0 twice at once: the key names port 0, so
// the second took the first's subscription, whose events then went to
// the second): another is used or made instead.
func EnsureSubscription(ctx context.Context, st store.Store, key, callback string, events []string, provider, scheme string, enable bool) (*store.Subscription, bool, error) {
	subs, err := st.ListSubscriptions(ctx, store.SubscriptionFilter{})
	if err != nil {
		return nil, false, err
	}
	status := store.StatusDisabled
	if enable {
		status = store.StatusEnabled
	}
	port := callbackPort(callback)
	var found *store.Subscription
	for _, s := range subs {
		if s.Metadata[MetaCreatedBy] == "listen" && s.Metadata[MetaListenKey] == key && !servedElsewhere(s, port) {
			found = s
			break
		}
	}
	if found == nil && port != "" && port != "0" {
		for _, s := range subs {
			if portFree(s, port) {
				found = s
				break
			}
		}
	}
	if s := found; s != nil {
		newSecret := ""
		if s.Scheme != subScheme(scheme) {
			if newSecret, err = signature.GenerateSecret(subScheme(scheme)); err != nil {
				return nil, false, err
			}
		}
		changed := s.CallbackURL != callback || !slices.Equal(s.Events, events) || s.Metadata[MetaListenKey] != key || newSecret != ""
		if callback != "" {
			s.CallbackURL = callback
		}
		if enable && s.Status != store.StatusEnabled {
			changed = true
		}
		if enable {
			changed = setProcess(s, port) || changed
		}
		if !changed {
			return s, false, nil
		}
		// Applied to the row as it is now: a concurrent rotate-secret or
		// update of other fields is kept.
		cur, err := store.UpdateSubscriptionFunc(ctx, st, s.ID, func(cur *store.Subscription) error {
			if callback != "" {
				cur.CallbackURL = callback
			}
			cur.Events = slices.Clone(events)
			if cur.Metadata == nil {
				cur.Metadata = map[string]string{}
			}
			if cur.Metadata[MetaListenKey] != key {
				cur.Metadata[MetaListenKey], cur.Provider = key, provider
			}
			if newSecret != "" && cur.Scheme != subScheme(scheme) {
				cur.Scheme, cur.Secret = subScheme(scheme), newSecret
				cur.PreviousSecret, cur.PreviousSecretExpiresAt = "", time.Time{}
			}
			if enable {
				cur.Status = store.StatusEnabled
				setProcess(cur, port)
			}
			return nil
		})
		if err != nil {
			return nil, false, err
		}
		return cur, false, nil
	}
	secret, err := signature.GenerateSecret(subScheme(scheme))
	if err != nil {
		return nil, false, err
	}
	s := &store.Subscription{
		CallbackURL: callback, Events: slices.Clone(events), Description: "hookctl listen",
		Status: status, Secret: secret, Provider: provider, Scheme: subScheme(scheme),
		Metadata: map[string]string{MetaCreatedBy: "listen", MetaListenKey: key},
	}
	if port != "" {
		s.Metadata[MetaPort] = port
	}
	if enable {
		setProcess(s, port)
	}
	if err := st.CreateSubscription(ctx, s); err != nil {
		return nil, false, err
	}
	return s, true, nil
}

// portFree: s is a listen subscription for port that no listener uses:
// made on this machine (or not recorded where) and disabled, or its
// listener gone.
func portFree(s *store.Subscription, port string) bool {
	if s.Metadata[MetaCreatedBy] != "listen" {
		return false
	}
	p := s.Metadata[MetaPort]
	if p == "" {
		p = callbackPort(s.CallbackURL)
	}
	if p != port {
		return false
	}
	host, _ := os.Hostname()
	if h := s.Metadata[MetaHost]; h != "" && h != host {
		return false // another machine's (a shared store)
	}
	return s.Status == store.StatusDisabled || NotRunning(s) != ""
}

// servedElsewhere: s is a listen subscription of another port than port
// that its listener may still serve: enabled, and its listener running,
// or on another machine (a shared store), where that cannot be told. On
// the same port, its listener is gone (this process bound the port).
func servedElsewhere(s *store.Subscription, port string) bool {
	p := s.Metadata[MetaPort]
	if p == "" {
		p = callbackPort(s.CallbackURL)
	}
	if p == port || p == "" || p == "0" || s.Status != store.StatusEnabled || s.Metadata[MetaPID] == "" {
		return false
	}
	if host, _ := os.Hostname(); s.Metadata[MetaHost] != host {
		return true
	}
	return NotRunning(s) == ""
}

// CallbackURL is the base URL a listener on host:port is reached at
// (127.0.0.1 for a wildcard host).
func CallbackURL(host string, port int) string {
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "127.0.0.1"
	}
	return "http://" + net.JoinHostPort(host, strconv.Itoa(port))
}

func setProcess(s *store.Subscription, port string) bool {
	host, _ := os.Hostname()
	pid := strconv.Itoa(os.Getpid())
	if s.Metadata[MetaPID] == pid && s.Metadata[MetaHost] == host && s.Metadata[MetaPort] == port {
		return false
	}
	if s.Metadata == nil {
		s.Metadata = map[string]string{}
	}
	s.Metadata[MetaPID], s.Metadata[MetaHost], s.Metadata[MetaPort] = pid, host, port
	return true
}

func callbackPort(callback string) string {
	u, err := url.Parse(callback)
	if err != nil {
		return ""
	}
	return u.Port()
}

// NotRunning is the one-line notice for a listen subscription whose
// listener is gone ("" when it runs, or when that cannot be told: another machine,
// no process recorded): on this machine, its process no longer exists or
// nothing accepts connections on its port.
func NotRunning(s *store.Subscription) string {
	if s.Metadata[MetaCreatedBy] != "listen" || s.Metadata[MetaPID] == "" {
		return ""
	}
	if host, _ := os.Hostname(); s.Metadata[MetaHost] != host {
		return ""
	}
	pid, err := strconv.Atoi(s.Metadata[MetaPID])
	if err != nil {
		return ""
	}
	port := s.Metadata[MetaPort]
	// The whole id: a prefix may name another subscription too.
	msg := fmt.Sprintf("hookctl listen on :%s is not running — start it or \"hookctl subscriptions disable %s\"", port, s.ID)
	if !delivery.ProcessAlive(pid) {
		return msg
	}
	if u, err := url.Parse(s.CallbackURL); err == nil && u.Host != "" {
		c, err := net.DialTimeout("tcp", u.Host, 300*time.Millisecond)
		if err != nil {
			if isConnRefused(err) {
				return msg
			}
			return ""
		}
		c.Close()
	}
	return ""
}

// PortInUseError: the address is taken (exit 3).
type PortInUseError struct {
	Addr string
	Err  error
	// ListenPID: the port is another hookctl listen's of this store, on
	// this machine, still running (0: what holds it is not known).
	ListenPID int
}

func (e *PortInUseError) Error() string {
	if e.ListenPID != 0 {
		return fmt.Sprintf("cannot listen on %s: another hookctl listen (pid %d) is running there", e.Addr, e.ListenPID)
	}
	return fmt.Sprintf("cannot listen on %s: the port is in use", e.Addr)
}
func (e *PortInUseError) Unwrap() error { return e.Err }
func (e *PortInUseError) ExitCode() int { return 3 }
func (e *PortInUseError) Hints() []string {
	if e.ListenPID != 0 {
		return []string{fmt.Sprintf("its events reach it already (its secret: hookctl listen --port %s --print-secret); to start this one instead, stop it (Ctrl-C in its terminal, or kill %d), or pick another port: hookctl listen --port 0 (a free port) or --port <n>",
			portOf(e.Addr), e.ListenPID)}
	}
	return []string{"stop what uses it, or pick another port: hookctl listen --port 0 (a free port) or --port <n>"}
}

func portOf(addr string) string {
	_, p, err := net.SplitHostPort(addr)
	if err != nil {
		return addr
	}
	return p
}

// listenHolding is the pid of a running hookctl listen of this store, on
// this machine, whose subscription says it listens on port (0: none
// known): what a taken port is most often taken by.
func listenHolding(ctx context.Context, st store.Store, port int) int {
	if st == nil {
		return 0
	}
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	subs, err := st.ListSubscriptions(ctx, store.SubscriptionFilter{Status: store.StatusEnabled})
	if err != nil {
		return 0
	}
	host, _ := os.Hostname()
	for _, s := range subs {
		if s.Metadata[MetaCreatedBy] != "listen" || s.Metadata[MetaPort] != strconv.Itoa(port) || s.Metadata[MetaHost] != host {
			continue
		}
		if pid, err := strconv.Atoi(s.Metadata[MetaPID]); err == nil && pid > 0 && pid != os.Getpid() && delivery.ProcessAlive(pid) {
			return pid
		}
	}
	return 0
}

// Listener is a running receiver.
type Listener struct {
	opts    Options
	ln      net.Listener
	srv     *httplimit.FastServer
	Server  *Server
	Sub     *store.Subscription
	Created bool
	rec     *Recorder
	log     *Logger
	limits  *httplimit.Limiter
	served  chan error
}

// Start binds, registers (or re-enables) the listener's subscription and
// serves. The caller must call Shutdown.
func Start(ctx context.Context, o Options) (*Listener, error) {
	if o.Host == "" {
		o.Host = "127.0.0.1"
	}
	if len(o.Events) == 0 {
		o.Events = []string{"*"}
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Timeout <= 0 {
		o.Timeout = 10 * time.Second
	}
	addr := net.JoinHostPort(o.Host, strconv.Itoa(o.Port))
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		if errors.Is(err, syscall.EADDRINUSE) {
			e := &PortInUseError{Addr: addr, Err: err}
			if o.Port != 0 {
				e.ListenPID = listenHolding(ctx, o.Store, o.Port)
			}
			return nil, e
		}
		return nil, fmt.Errorf("cannot listen on %s: %w", addr, err)
	}
	l := &Listener{opts: o, ln: ln, served: make(chan error, 1)}
	// The journal first: a listener that cannot record takes no subscription.
	if !o.NoRecord {
		if o.JournalDir == "" {
			o.JournalDir = filepath.Join(os.TempDir(), "hookctl-journal")
		}
		l.rec, err = NewRecorder(o.Store, o.JournalDir, o.StoreKey, o.OnRecordError)
		if err != nil {
			ln.Close()
			return nil, err
		}
	}
	key := Key(o.Host, o.Port, o.Events, o.Provider, o.Scheme)
	sub, created, err := EnsureSubscription(ctx, o.Store, key, l.URL()+"/", o.Events, o.Provider, o.Scheme, true)
	if err != nil {
		ln.Close()
		if l.rec != nil {
			l.rec.Close(context.Background())
		}
		return nil, err
	}
	l.Sub, l.Created = sub, created
	if o.Terminal && !o.JSON {
		l.log = NewTerminalLogger(o.Out)
		l.log.Fit = o.Fit
	} else {
		l.log = NewLogger(o.Out, o.JSON)
	}
	l.log.OnWriteError = o.OnLogError // before the first line
	secrets := []string{sub.Secret}
	if sub.PreviousSecret != "" && sub.PreviousSecretExpiresAt.After(o.Now()) {
		secrets = append(secrets, sub.PreviousSecret)
	}

	l.limits = httplimit.New(withMaxBody(o.Limits, o.MaxBody))
	// Collect a flood's garbage before RSS grows (3× the body budget: 48
	// MiB by default; GOMEMLIMIT overrides).
	httplimit.SoftMemoryLimit(3 * l.limits.Config().BodyBudget)
	// Under that cap, collect half as often as Go's default: a request
	// allocates ~4 KiB, and at 10k/s the default collected ten times a
	// second over a heap of a few MiB (~5 % of listen's CPU); peak RSS under
	// the listen benchmark stays under the 60 MB target (bench/README.md).
	httplimit.GCPercent(200)
	srvCfg := Config{
		Target: o.Target, Scheme: o.Scheme, Provider: o.Provider, Secrets: secrets, ProviderSecrets: o.Secrets, Headers: o.Headers,
		Timeout: o.Timeout, MaxBody: o.MaxBody, SubscriptionID: sub.ID, Now: o.Now, Log: l.log, Recorder: l.rec,
		Limits: l.limits, SkipVerify: o.SkipVerify, Events: o.Events, OnHint: o.OnHint, ProviderOf: o.ProviderOf,
		ReloadSecrets: func() ([]string, error) {
			// A secret rotated while listening (rotate-secret on this
			// subscription) is what senders sign with from then on.
			ctx, cancel := context.WithTimeout(context.Background(), time.Second)
			defer cancel()
			cur, err := o.Store.GetSubscription(ctx, sub.ID)
			if err != nil {
				return nil, err
			}
			return subscription.ActiveSecrets(cur, o.Now()), nil
		},
		EventType: func(id string) string {
			// A Mambu text body names no type: hookctl's own sent event does.
			ctx, cancel := context.WithTimeout(context.Background(), time.Second)
			defer cancel()
			if ev, err := o.Store.GetEvent(ctx, id); err == nil && ev.ID == id {
				return ev.Type
			}
			return ""
		},
	}
	if sub.Scheme != "" && sub.Scheme != "auto" && o.Scheme == "" {
		srvCfg.Scheme = sub.Scheme
	}
	l.Server, err = NewServer(srvCfg)
	if err != nil {
		l.close()
		return nil, err
	}
	// Slow, numerous, oversized and ambiguous requests are bounded by the
	// limiter (see internal/httplimit); the forward may take --timeout.
	// The lean HTTP/1.1 loop serves a sender's plain requests; anything
	// unusual is handed to Go's server with the same limits.
	l.srv = l.limits.FastServer(l.Server)
	l.srv.WriteTimeout = o.Timeout + 30*time.Second
	l.srv.Std().WriteTimeout = l.srv.WriteTimeout
	go func() { l.served <- l.srv.Serve(ln) }()
	return l, nil
}

// URL is the listener's base URL (http://127.0.0.1:PORT).
func (l *Listener) URL() string { return CallbackURL(l.opts.Host, l.Port()) }

// Port is the bound port.
func (l *Listener) Port() int { return l.ln.Addr().(*net.TCPAddr).Port }

// FlushLog returns once the live log lines of everything handled so far
// are written to Options.Out.
func (l *Listener) FlushLog() { l.log.Flush() }

func (l *Listener) close() {
	l.ln.Close()
	if l.log != nil {
		l.log.Close()
	}
	if l.rec != nil {
		l.rec.Close(context.Background())
	}
}

// Journal is the recorder's journal file ("" without recording).
func (l *Listener) Journal() string {
	if l.rec == nil {
		return ""
	}
	return l.rec.Path()
}

// Abandon stops recording at once (a second signal): records not yet in
// the store stay in the journal, imported by the next start. It returns
// how many.
func (l *Listener) Abandon() int64 {
	if l.rec == nil {
		return 0
	}
	return l.rec.Abandon()
}

// Shutdown stops accepting requests, lets in-flight forwards finish
// (bounded by the forward timeout), writes every record, disables the
// subscription unless Keep, and returns the counters.
func (l *Listener) Shutdown(ctx context.Context) (Stats, error) {
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), l.opts.Timeout+time.Second)
	defer cancel()
	err := l.srv.Shutdown(sctx)
	if err != nil {
		l.srv.Close()
	}
	l.log.Close()
	if l.rec != nil {
		if n := l.rec.Pending(); (n > 1000 || l.rec.StoreFailing()) && l.opts.OnSaving != nil {
			l.opts.OnSaving(n)
		}
		save := l.opts.SaveTimeout
		if save <= 0 {
			save = 10 * time.Second
		}
		rctx, rcancel := context.WithTimeout(context.Background(), save)
		l.rec.Close(rctx)
		rcancel()
	}
	if !l.opts.Keep {
		_, uerr := store.UpdateSubscriptionFunc(context.WithoutCancel(ctx), l.opts.Store, l.Sub.ID, func(s *store.Subscription) error {
			if s.Status == store.StatusDisabled {
				return store.ErrNoChange
			}
			s.Status = store.StatusDisabled
			return nil
		})
		if uerr != nil && err == nil {
			err = uerr
		}
	}
	return l.Server.Stats(), err
}

// Limits returns the counters of the connection and body limits.
func (l *Listener) Limits() httplimit.Stats { return l.limits.Stats() }

// RecordCounts reports records written to the store and records left in
// the journal (the store refused them until the end).
func (l *Listener) RecordCounts() (written, failed int64) {
	if l.rec == nil {
		return 0, 0
	}
	return l.rec.Counts()
}
