// Package postgres is the shared store on PostgreSQL (pgx).
package postgres

import (
	"context"
	"errors"

	"github.com/hookctl/hookctl/internal/store"
)

// STUB: replaced by the PostgreSQL issue.

// Open connects to the PostgreSQL store at url and applies migrations.
func Open(ctx context.Context, url string) (store.Store, error) {
	return nil, &store.EnvironmentError{Err: errors.New("postgres store not implemented yet")}
}
