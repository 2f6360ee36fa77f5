package cli

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"os"
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
	s, err := open(ctx, dsn)
	if err != nil {
		return nil, err
	}
	f.store = s
	f.warnLooseMode(s)
	return s, nil
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
// creates the file. On PostgreSQL, a schema without a hookctl store (a
// typo in search_path) is likewise refused (exit 3, a *store.NoStoreError
// inside), through OpenExisting.
func (f *Factory) ExistingStore(ctx context.Context) (store.Store, error) {
	if p := f.MissingStore(); p != "" {
		return nil, Envf("no store at %s: the file does not exist", p).
			Hint("check --store, HOOKCTL_STORE or the store setting (without any, hookctl uses %s)", config.DefaultStorePath(os.Getenv)).
			Hint("hookctl subscribe, trigger and listen create a new store there")
	}
	if f.OpenExisting != nil {
		return f.open(ctx, f.OpenExisting)
	}
	return f.Store(ctx)
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
		f.store = nil
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
