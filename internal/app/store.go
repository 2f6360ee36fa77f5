package app

import (
	"context"
	"strings"

	"github.com/hookctl/hookctl/internal/store"
	"github.com/hookctl/hookctl/internal/store/postgres"
	"github.com/hookctl/hookctl/internal/store/sqlite"
)

// OpenStore opens a store: a postgres:// or postgresql:// URL selects
// PostgreSQL, anything else is a SQLite file path (sqlite:// prefix
// optional).
func OpenStore(ctx context.Context, dsn string) (store.Store, error) {
	switch {
	case strings.HasPrefix(dsn, "postgres://"), strings.HasPrefix(dsn, "postgresql://"):
		return postgres.Open(ctx, dsn)
	default:
		return sqlite.Open(ctx, strings.TrimPrefix(dsn, "sqlite://"))
	}
}
