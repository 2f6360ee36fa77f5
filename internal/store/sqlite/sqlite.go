// Package sqlite is the default, embedded store (modernc.org/sqlite).
package sqlite

import (
	"context"
	"errors"

	"github.com/hookctl/hookctl/internal/store"
)

// STUB: replaced by the foundation issue.

// Open opens (creating when missing) the SQLite store at path.
func Open(ctx context.Context, path string) (store.Store, error) {
	return nil, &store.EnvironmentError{Err: errors.New("sqlite store not implemented yet")}
}
