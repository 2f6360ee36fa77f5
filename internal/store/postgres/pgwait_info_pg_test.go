package postgres_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/hookctl/hookctl/internal/store"
	"github.com/hookctl/hookctl/internal/store/postgres/pgtest"
)

// Info (store info, and store migrate after the migration it made at
// open) whose record count the server's statement_timeout cancels names
// what failed, counting the records, with the schema version it read: it
// said "store info:", which after a migration read as the migration
// failing.
func TestInfoCountTimeoutLabelled(t *testing.T) {
	u := pgtest.URL(t)
	ctx := context.Background()
	openDB(t, u)
	locker, err := pgx.Connect(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	defer locker.Close(ctx)
	tx, err := locker.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx)
	if _, err := tx.Exec(ctx, `LOCK TABLE events IN ACCESS EXCLUSIVE MODE`); err != nil {
		t.Fatal(err)
	}
	db := openDB(t, u+"&options=-c%20statement_timeout%3D200")
	_, err = db.Info(ctx)
	var env *store.EnvironmentError
	if !errors.As(err, &env) || env.ExitCode() != 3 || !strings.HasPrefix(err.Error(), "count the records (the schema is at version ") ||
		strings.Contains(err.Error(), "store info") || !strings.Contains(env.Hint, "raise statement_timeout") {
		t.Fatalf("Info under statement_timeout: %v (%T), want the count named, exit 3, the hint", err, err)
	}
}
