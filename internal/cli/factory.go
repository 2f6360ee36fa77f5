package cli

import (
	"context"
	"net/http"
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

	mu    sync.Mutex
	store store.Store
}

// Store opens (once) and returns the configured store.
func (f *Factory) Store(ctx context.Context) (store.Store, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.store != nil {
		return f.store, nil
	}
	dsn := ""
	if f.Config != nil {
		dsn = f.Config.Store
	}
	s, err := f.OpenStore(ctx, dsn)
	if err != nil {
		return nil, err
	}
	f.store = s
	return s, nil
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
