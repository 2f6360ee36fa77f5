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
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/hookctl/hookctl/internal/signature"
	"github.com/hookctl/hookctl/internal/store"
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
	Now      func() time.Time
	// OnRecordError is told when the store refuses a record.
	OnRecordError func(error)
	// OnSaving is told, at shutdown, how many records still have to be
	// written when that is many (a burst just ended).
	OnSaving func(n int64)
	// NoRecord turns recording off (benchmarks of the proxy alone).
	NoRecord bool
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

// EnsureSubscription finds the listener's subscription by key (updating
// its callback and events) or creates it with a fresh secret. enable
// decides its status when it is created or found.
func EnsureSubscription(ctx context.Context, st store.Store, key, callback string, events []string, provider, scheme string, enable bool) (*store.Subscription, bool, error) {
	subs, err := st.ListSubscriptions(ctx, store.SubscriptionFilter{})
	if err != nil {
		return nil, false, err
	}
	status := store.StatusDisabled
	if enable {
		status = store.StatusEnabled
	}
	for _, s := range subs {
		if s.Metadata[MetaCreatedBy] != "listen" || s.Metadata[MetaListenKey] != key {
			continue
		}
		changed := s.CallbackURL != callback || !slices.Equal(s.Events, events)
		if callback != "" {
			s.CallbackURL = callback
		}
		s.Events = slices.Clone(events)
		if enable && s.Status != store.StatusEnabled {
			s.Status, changed = store.StatusEnabled, true
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
			if enable {
				cur.Status = store.StatusEnabled
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
	if callback == "" {
		callback = "http://127.0.0.1:0/"
	}
	s := &store.Subscription{
		CallbackURL: callback, Events: slices.Clone(events), Description: "hookctl listen",
		Status: status, Secret: secret, Provider: provider, Scheme: subScheme(scheme),
		Metadata: map[string]string{MetaCreatedBy: "listen", MetaListenKey: key},
	}
	if err := st.CreateSubscription(ctx, s); err != nil {
		return nil, false, err
	}
	return s, true, nil
}

// PortInUseError: the address is taken (exit 3).
type PortInUseError struct {
	Addr string
	Err  error
}

func (e *PortInUseError) Error() string {
	return fmt.Sprintf("cannot listen on %s: the port is in use", e.Addr)
}
func (e *PortInUseError) Unwrap() error { return e.Err }
func (e *PortInUseError) ExitCode() int { return 3 }
func (e *PortInUseError) Hints() []string {
	return []string{"stop what uses it, or pick another port: hookctl listen --port 0 (a free port) or --port <n>"}
}

// Listener is a running receiver.
type Listener struct {
	opts    Options
	ln      net.Listener
	srv     *http.Server
	Server  *Server
	Sub     *store.Subscription
	Created bool
	rec     *Recorder
	log     *Logger
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
			return nil, &PortInUseError{Addr: addr, Err: err}
		}
		return nil, fmt.Errorf("cannot listen on %s: %w", addr, err)
	}
	l := &Listener{opts: o, ln: ln, served: make(chan error, 1)}
	key := Key(o.Host, o.Port, o.Events, o.Provider, o.Scheme)
	sub, created, err := EnsureSubscription(ctx, o.Store, key, l.URL()+"/", o.Events, o.Provider, o.Scheme, true)
	if err != nil {
		ln.Close()
		return nil, err
	}
	l.Sub, l.Created = sub, created
	l.log = NewLogger(o.Out, o.JSON)
	if !o.NoRecord {
		l.rec = NewRecorder(o.Store, o.OnRecordError)
	}
	secrets := []string{sub.Secret}
	if sub.PreviousSecret != "" && sub.PreviousSecretExpiresAt.After(o.Now()) {
		secrets = append(secrets, sub.PreviousSecret)
	}
	srvCfg := Config{
		Target: o.Target, Scheme: o.Scheme, Provider: o.Provider, Secrets: secrets, ProviderSecrets: o.Secrets, Headers: o.Headers,
		Timeout: o.Timeout, MaxBody: o.MaxBody, SubscriptionID: sub.ID, Now: o.Now, Log: l.log, Recorder: l.rec,
	}
	if sub.Scheme != "" && sub.Scheme != "auto" && o.Scheme == "" {
		srvCfg.Scheme = sub.Scheme
	}
	l.Server, err = NewServer(srvCfg)
	if err != nil {
		l.close()
		return nil, err
	}
	l.srv = &http.Server{
		Handler:           l.Server,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      o.Timeout + 30*time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          nil,
	}
	go func() { l.served <- l.srv.Serve(ln) }()
	return l, nil
}

// URL is the listener's base URL (http://127.0.0.1:PORT).
func (l *Listener) URL() string {
	host := l.opts.Host
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "127.0.0.1"
	}
	_, port, _ := net.SplitHostPort(l.ln.Addr().String())
	return "http://" + net.JoinHostPort(host, port)
}

// Port is the bound port.
func (l *Listener) Port() int { return l.ln.Addr().(*net.TCPAddr).Port }

func (l *Listener) close() {
	l.ln.Close()
	if l.log != nil {
		l.log.Close()
	}
	if l.rec != nil {
		l.rec.Close()
	}
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
		if n := l.rec.Pending(); n > 1000 && l.opts.OnSaving != nil {
			l.opts.OnSaving(n)
		}
		l.rec.Close()
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

// RecordCounts reports records written and lost (store errors).
func (l *Listener) RecordCounts() (written, failed int64) {
	if l.rec == nil {
		return 0, 0
	}
	return l.rec.Counts()
}
