package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/hookctl/hookctl/internal/config"
	"github.com/hookctl/hookctl/internal/store"
	"github.com/hookctl/hookctl/internal/ui"
)

// Factory hands commands their shared dependencies, built lazily and cached.
// Each command copies only what it needs into its Options.
type Factory struct {
	IOStreams *ui.IOStreams
	Version   string
	Commit    string
	BuildDate string // "" when not stamped

	// Config is filled by the root command before any command runs.
	Config *config.Config

	// Now is the clock (tests replace it).
	Now func() time.Time

	// OpenStore opens the store named by the configuration. Set by cmd.Main
	// (internal/app), replaced in tests.
	OpenStore func(ctx context.Context, dsn string) (store.Store, error)

	// OpenExisting is OpenStore for ExistingStore: it refuses a
	// PostgreSQL schema without a hookctl store instead of creating it.
	// nil: ExistingStore uses OpenStore.
	OpenExisting func(ctx context.Context, dsn string) (store.Store, error)

	// OpenReader opens an existing store of the current schema for
	// reading only, waiting at most wait for a lock (shell completion,
	// which must not create, migrate or wait on a store). Set by cmd.Main
	// (internal/app); nil: completion reads no store.
	OpenReader func(ctx context.Context, dsn string, wait time.Duration) (store.Store, error)

	// StoreFile returns the SQLite file a store location names, "" for
	// PostgreSQL or a location that is not valid. Set by cmd.Main
	// (internal/app); nil: ExistingStore checks no file.
	StoreFile func(dsn string) string

	mu    sync.Mutex
	store store.Store
	// readOnly: why store was opened for reading only (Readable), nil
	// when it was not.
	readOnly error

	// storeWait is how long opening the store waits for a server that
	// cannot be reached yet (store.IsUnreachable); waitSet: WaitForStore
	// set it (a long-running command). Unset, only a server with no
	// connection left is waited for, up to SlotWait.
	storeWait time.Duration
	waitSet   bool
	// waitLimit, when set, is the command's own flag that ends the wait
	// before --store-wait would (deliveries tail --timeout), named in the
	// wait's notice and its hint instead; waitBoth: it ends the wait when
	// --store-wait does (both are named: raising one alone waits no
	// longer).
	waitLimit string
	waitBoth  bool
	// waited is how long the last opening waited for the store
	// (StoreWaited).
	waited time.Duration
	// retryPause is the first pause between tries (doubled up to 2 s);
	// tests shorten it.
	retryPause time.Duration
}

// DefaultStoreWait is how long worker, serve, ui, listen and deliveries
// tail wait at start for a store server that cannot be reached yet
// (--store-wait, the store_wait setting): long enough for a PostgreSQL
// container started beside them to come up, short enough that a wrong
// host or port ends the command (exit 3) within a minute, as trigger and
// replay give up on a store that went away mid-run
// (delivery.DefaultStorePatience).
const DefaultStoreWait = time.Minute

// SlotWait is how long the other commands (trigger, replay, lists, …)
// wait at start for a connection when the server has none left for them
// (PostgreSQL's too many clients, 53300): a fleet's jobs that start in a
// burst would otherwise fail for a slot freed a second later. Any other
// unreachable server fails them at once.
const SlotWait = 5 * time.Second

// WaitForStore makes the store's opening wait up to d for a server that
// cannot be reached yet (nothing listening, starting up, no connection
// left, its name not resolving yet), or for a SQLite store whose write
// lock another process held for all of the busy timeout (a store import
// or prune --vacuum, a sqlite3 shell inside a transaction, a migration
// to run meanwhile: store.IsLocked): said once on stderr, tried again
// with a back-off, then "store reachable"; past d, the last error (exit
// 3). 0 waits for nothing. The long-running commands call it before they
// open the store; the one-shot commands' opening gives up after the busy
// timeout, as their writes do.
func (f *Factory) WaitForStore(d time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.storeWait, f.waitSet, f.waitLimit, f.waitBoth = d, true, "", false
}

// WaitForStoreWithin is WaitForStore(storeWait) for a command whose own
// limit (flag, e.g. "--timeout") bounds its whole run, the wait included:
// it waits min(storeWait, limit), and when limit is the shorter one the
// notice and the hint past the wait name flag, not --store-wait; when
// both are equal they name both (to wait longer, both are to be raised).
// A limit of 0 is no limit.
func (f *Factory) WaitForStoreWithin(storeWait, limit time.Duration, flag string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.storeWait, f.waitSet, f.waitLimit, f.waitBoth = storeWait, true, "", false
	if limit > 0 && limit <= storeWait {
		f.storeWait, f.waitLimit, f.waitBoth = limit, flag, limit == storeWait
	}
}

// Store opens (once) and returns the configured store.
func (f *Factory) Store(ctx context.Context) (store.Store, error) {
	return f.open(ctx, f.OpenStore)
}

func (f *Factory) open(ctx context.Context, open func(ctx context.Context, dsn string) (store.Store, error)) (store.Store, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.store != nil {
		return f.store, nil
	}
	dsn := ""
	if f.Config != nil {
		dsn = f.Config.Store
	}
	s, err := f.openWaiting(ctx, func(ctx context.Context) (store.Store, error) { return open(withNotices(ctx, f.IOStreams), dsn) })
	if err != nil {
		return nil, err
	}
	f.store = s
	f.warnLooseMode(s)
	if w, ok := s.(interface{ SetWarnings(io.Writer) }); ok && f.IOStreams != nil && f.IOStreams.ErrOut != nil {
		w.SetWarnings(f.IOStreams.ErrOut) // a lease lock it cannot take (SQLite)
	}
	return s, nil
}

// ReadStore opens the configured store for reading only (OpenReader,
// wait being its SQLite lock wait), waiting at start as the one-shot
// commands do for a server with no connection left (SlotWait), or as
// WaitForStore set. It is not kept: the caller closes it.
func (f *Factory) ReadStore(ctx context.Context, wait time.Duration) (store.Store, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	dsn := ""
	if f.Config != nil {
		dsn = f.Config.Store
	}
	return f.openWaiting(ctx, func(ctx context.Context) (store.Store, error) {
		return f.OpenReader(withNotices(ctx, f.IOStreams), dsn, wait)
	})
}

// withNotices is ctx with the store's notices going to stderr: a long
// migration, or the wait for another process's upgrade, says so.
func withNotices(ctx context.Context, ios *ui.IOStreams) context.Context {
	if ios != nil && ios.ErrOut != nil {
		return store.WithNotices(ctx, ios.ErrOut)
	}
	return ctx
}

// WritableStore is Store for a long-running command that writes as soon
// as it starts (listen: its journals' import, its subscription): a SQLite
// store is opened only once a write transaction can begin, so a write
// lock another process holds at start (a store import, a sqlite3 shell
// inside BEGIN IMMEDIATE) is waited for up to --store-wait (WaitForStore)
// as an unreachable server is, instead of failing the command's first
// write after the busy timeout (exit 3).
func (f *Factory) WritableStore(ctx context.Context) (store.Store, error) {
	return f.open(ctx, func(ctx context.Context, dsn string) (store.Store, error) {
		s, err := f.OpenStore(ctx, dsn)
		if err != nil {
			return nil, err
		}
		if w, ok := s.(interface{ CheckWritable(context.Context) error }); ok {
			if err := w.CheckWritable(ctx); err != nil {
				s.Close()
				return nil, err
			}
		}
		return s, nil
	})
}

// openWaiting calls open until it succeeds or fails for good: a server
// that cannot be reached yet, or a SQLite store locked by another process
// (store.IsLocked), is tried again for up to the store wait
// (WaitForStore), or for a one-shot command up to SlotWait when a server
// has no connection left. The wait is said once on stderr, and its end.
func (f *Factory) openWaiting(ctx context.Context, open func(ctx context.Context) (store.Store, error)) (store.Store, error) {
	s, err := open(ctx)
	if err != nil && ctx.Err() != nil {
		return nil, ctx.Err() // interrupted while connecting
	}
	waitable := func(err error) bool {
		if f.waitSet {
			return store.IsUnreachable(err) || store.IsLocked(err)
		}
		return store.IsUnreachable(err) && store.IsNoConnectionLeft(err)
	}
	if err == nil || !waitable(err) {
		return s, err
	}
	wait, flag := f.storeWait, true
	if !f.waitSet {
		wait, flag = SlotWait, false
	}
	if wait <= 0 {
		return nil, err
	}
	var w io.Writer = io.Discard
	if f.IOStreams != nil && f.IOStreams.ErrOut != nil {
		w = f.IOStreams.ErrOut
	}
	limit := "--store-wait"
	switch {
	case f.waitBoth:
		limit = "--store-wait and " + f.waitLimit
	case f.waitLimit != "":
		limit = f.waitLimit
	}
	if flag {
		fmt.Fprintf(w, "hookctl: warning: %v; waiting for the store, retrying for up to %s (%s); Ctrl-C to stop\n", err, ui.FormatDuration(wait), limit)
	} else {
		fmt.Fprintf(w, "hookctl: warning: %v; retrying for up to %s\n", err, ui.FormatDuration(wait))
	}
	start := time.Now()
	pause := f.retryPause
	if pause <= 0 {
		pause = 100 * time.Millisecond
	}
	for {
		left := wait - time.Since(start)
		if left <= 0 {
			break
		}
		t := time.NewTimer(min(pause, left))
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, ctx.Err()
		case <-t.C:
		}
		pause = min(2*pause, 2*time.Second)
		tctx, cancel := ctx, context.CancelFunc(func() {})
		if store.IsLocked(err) {
			// A try waits for the lock in SQLite's busy handler (at the
			// writers' turnstile, up to the busy timeout): no longer than
			// the wait has left.
			tctx, cancel = context.WithDeadline(ctx, start.Add(wait))
		}
		var terr error
		s, terr = open(tctx)
		expired := tctx.Err() != nil
		cancel()
		if ctx.Err() != nil {
			if s != nil {
				s.Close()
			}
			return nil, ctx.Err()
		}
		if terr == nil {
			f.waited = time.Since(start)
			fmt.Fprintf(w, "hookctl: store reachable after %s\n", ui.FormatDuration(f.waited.Round(100*time.Millisecond)))
			return s, nil
		}
		if expired {
			break // still locked when the wait ran out: said as the lock
		}
		if err = terr; !waitable(err) {
			return nil, err
		}
	}
	e := WithCode(ExitEnvironment, fmt.Errorf("%w (gave up after waiting %s)", err, ui.FormatDuration(wait)))
	if flag && f.waitBoth {
		return nil, e.Hint("--store-wait and %s both end the wait for the store (%s bounds the whole run, the wait included): to wait longer, raise both", f.waitLimit, f.waitLimit)
	}
	if flag && f.waitLimit != "" {
		return nil, e.Hint("%s bounds the whole run, the wait for the store included: to wait longer, raise %s", f.waitLimit, f.waitLimit)
	}
	if flag {
		return nil, e.Hint("to wait longer, raise --store-wait (or the store_wait setting, HOOKCTL_STORE_WAIT)")
	}
	return nil, e
}

// warnLooseMode warns when other users may read or write the store's
// file, which holds the subscriptions' signing secrets (as ssh warns about
// a private key). hookctl creates its stores 0600; this is a file copied,
// restored or created by hand with looser permissions.
func (f *Factory) warnLooseMode(s store.Store) {
	lm, ok := s.(interface {
		Path() string
		LooseMode() fs.FileMode
	})
	if !ok || f.IOStreams == nil || f.IOStreams.ErrOut == nil {
		return
	}
	m := lm.LooseMode()
	if m == 0 {
		return
	}
	who := "read"
	if m&0o044 == 0 {
		who = "written"
	}
	fmt.Fprintf(f.IOStreams.ErrOut, "hookctl: warning: store %s can be %s by other users (mode %04o), and it holds the subscriptions' signing secrets\n", lm.Path(), who, m)
	fmt.Fprintf(f.IOStreams.ErrOut, "hookctl: hint: chmod 600 %s\n", lm.Path())
}

// ExistingStore is Store for the commands that only read the store or
// change what is already in it (list, show, log, info, replay, and worker,
// which sends what is stored): a SQLite
// file the user named (--store, HOOKCTL_STORE, the store setting) that
// does not exist is an environment error (exit 3) naming it, instead of a
// new, empty store that passes for an empty history. The default store is
// still created when missing: a first run lists nothing. Commands that
// write (subscribe, trigger, listen, serve, store import) use Store, which
// creates the file. On PostgreSQL, a schema that does not exist (a typo
// in search_path) is likewise refused (exit 3, a *store.NoStoreError
// inside), through OpenExisting; one that exists without hookctl's tables
// gets them and reads as empty, as a 0-byte SQLite file does.
func (f *Factory) ExistingStore(ctx context.Context) (store.Store, error) {
	if p := f.MissingStore(); p != "" {
		e := Envf("no store at %s: the file does not exist", p).
			Hint("check --store, HOOKCTL_STORE or the store setting (without any, hookctl uses %s)", config.DefaultStorePath(os.Getenv))
		// A relative path (store: hooks.db in the config file) is read
		// from the directory the command runs in: the store made in
		// another one is not missing, it is elsewhere.
		if abs, err := filepath.Abs(p); err == nil && !filepath.IsAbs(p) {
			e = e.Hint("%s is a relative path, read from the directory hookctl runs in (here, %s): run it where the store is, or give an absolute path", p, abs)
		}
		return nil, e.Hint("hookctl subscribe, trigger, listen, serve, store import and store migrate create a new store there")
	}
	if f.OpenExisting != nil {
		return f.open(ctx, f.OpenExisting)
	}
	return f.Store(ctx)
}

// ReadOnlyWait is how long a command that only reads waits for another
// process's lock on a store it opens for reading only (as the store's own
// busy timeout).
const ReadOnlyWait = 5 * time.Second

// StoreWaited is how long opening the store waited for an unreachable
// server before it answered (0: it answered at once): deliveries tail
// counts it toward its --timeout.
func (f *Factory) StoreWaited() time.Duration {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.waited
}

// ReadableStore is ExistingStore for the commands that only read (lists,
// show, get, log): a store this user may read but not write (a SQLite
// file or directory without write permission, store.ErrReadOnly), or a
// SQLite file too damaged to be opened for writing (cut short,
// store.ErrDamaged, said in a warning), is opened for reading only
// (OpenReader) instead of refused, and kept as the factory's store. Only
// the read methods may be used on it.
func (f *Factory) ReadableStore(ctx context.Context) (store.Store, error) {
	s, _, err := f.Readable(ctx)
	return s, err
}

// Readable is ReadableStore also saying why the store it returns was
// opened for reading only (nil: it was not), the error that refused it
// for writing (wrapping store.ErrReadOnly or store.ErrDamaged): a command
// that would write it besides reading (store info and export import
// listen's journals first) must leave that to a command that may.
func (f *Factory) Readable(ctx context.Context) (s store.Store, readOnly error, err error) {
	s, err = f.ExistingStore(ctx)
	if err == nil {
		f.mu.Lock()
		defer f.mu.Unlock()
		if s != f.store {
			return s, nil, nil
		}
		return s, f.readOnly, nil
	}
	if (!errors.Is(err, store.ErrReadOnly) && !errors.Is(err, store.ErrDamaged)) || f.OpenReader == nil {
		return nil, nil, err
	}
	why := err
	r, err := f.ReadStore(ctx, ReadOnlyWait)
	if err != nil {
		if errors.Is(err, store.ErrDamaged) {
			return nil, nil, err // the reader found what it cannot read (no tables): its hint fits
		}
		if errors.Is(why, store.ErrDamaged) {
			return nil, nil, why // the reader cannot read it either: said as the damage
		}
		return nil, nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.store != nil { // opened meanwhile
		r.Close()
		return f.store, f.readOnly, nil
	}
	f.store, f.readOnly = r, why
	if errors.Is(why, store.ErrDamaged) && f.IOStreams != nil && f.IOStreams.ErrOut != nil {
		fmt.Fprintf(f.IOStreams.ErrOut, "hookctl: warning: %v; reading it as far as it can be read\n", why)
	}
	f.warnLooseMode(r)
	return r, why, nil
}

// MissingStore returns the SQLite file the user named (--store,
// HOOKCTL_STORE, the store setting) when it does not exist and the store
// is not open yet, else "": Store would create it.
func (f *Factory) MissingStore() string {
	f.mu.Lock()
	opened := f.store != nil
	f.mu.Unlock()
	if !opened && f.StoreFile != nil && f.Config != nil && !f.Config.IsDefaultStore() {
		if p := f.StoreFile(f.Config.Store); p != "" {
			if _, err := os.Stat(p); errors.Is(err, fs.ErrNotExist) {
				return p
			}
		}
	}
	return ""
}

// Close releases whatever the factory opened.
func (f *Factory) Close() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.store != nil {
		err := f.store.Close()
		f.store, f.readOnly = nil, nil
		return err
	}
	return nil
}

// HTTPClient returns a client for outgoing requests: no redirects followed,
// the given total timeout.
func (f *Factory) HTTPClient(timeout time.Duration) *http.Client {
	return &http.Client{
		Timeout: timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
}
