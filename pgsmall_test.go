package main

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/hookctl/hookctl/internal/store"
	"github.com/hookctl/hookctl/internal/store/postgres"
	"github.com/hookctl/hookctl/internal/store/postgres/pgtest"
)

// TestStoreMigrateNeedsNoCount: store migrate on a PostgreSQL store whose
// record count cannot finish (here a table locked by another session,
// on a large store the count itself) under the server's
// statement_timeout reports the migration it made and exits 0. It read
// Info, which counts every record, to print the backend and location:
// the migration succeeded and the command exited 3.
func TestStoreMigrateNeedsNoCount(t *testing.T) {
	t.Parallel()
	u := pgtest.URL(t)
	ctx := context.Background()
	c := pgEnv(t, u)
	c.hookctl(0, "store", "migrate")
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
	if _, err := tx.Exec(ctx, `LOCK TABLE attempts IN ACCESS EXCLUSIVE MODE`); err != nil {
		t.Fatal(err)
	}
	timed := u + "&options=-c%20statement_timeout%3D300"
	// (store info under the same lock does fail: the count is what waits.)
	c.hookctl(3, "store", "info", "--store", timed)
	var got struct {
		Backend, Location string
		From              int `json:"from_version"`
		To                int `json:"to_version"`
		Created           bool
	}
	if err := json.Unmarshal(c.hookctl(0, "store", "migrate", "--store", timed, "-o", "json"), &got); err != nil {
		t.Fatal(err)
	}
	latest := postgres.LatestVersion()
	if got.Backend != "postgres" || got.Location != store.MaskURL(timed) || got.From != latest || got.To != latest || got.Created {
		t.Fatalf("store migrate: %+v, want postgres, its location, up to date at version %d", got, latest)
	}
}
