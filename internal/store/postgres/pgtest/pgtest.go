// Package pgtest gives each test its own PostgreSQL schema on the test
// server named by HOOKCTL_TEST_POSTGRES (set by .ci/test, which starts a
// throwaway server with .ci/pg.sh).
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// EnvVar names the test server URL.
const EnvVar = "HOOKCTL_TEST_POSTGRES"

// ServerURL returns the test server URL, skipping the test loudly when it
// is not configured.
func ServerURL(t testing.TB) string {
	t.Helper()
	u := os.Getenv(EnvVar)
	if u == "" {
		t.Skip("SKIPPING POSTGRESQL TEST: " + EnvVar + " is not set. Run `bash .ci/test` (it starts a throwaway " +
			"PostgreSQL 15), or `eval \"$(bash .ci/pg.sh start)\"` first")
	}
	return u
}

// URL creates a fresh schema on the test server and returns a store URL
// whose search_path points at it; the schema is dropped when the test ends.
func URL(t testing.TB) string {
	t.Helper()
	u, drop, err := NewSchema(ServerURL(t))
	if err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	t.Cleanup(func() {
		if err := drop(); err != nil {
			t.Logf("pgtest: %v", err)
		}
	})
	return u
}

// NewSchema creates a fresh schema on the server at base and returns a
// store URL using it, and a func that drops it.
func NewSchema(base string) (storeURL string, drop func() error, err error) {
	var b [6]byte
	_, _ = rand.Read(b[:])
	schema := "t_" + hex.EncodeToString(b[:])
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		return "", nil, fmt.Errorf("connect to %s: %w", EnvVar, err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		return "", nil, fmt.Errorf("create schema: %w", err)
	}
	u, err := url.Parse(base)
	if err != nil {
		return "", nil, fmt.Errorf("%s: %w", EnvVar, err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	drop = func() error {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		conn, err := pgx.Connect(ctx, base)
		if err != nil {
			return fmt.Errorf("drop schema %s: %w", schema, err)
		}
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			return fmt.Errorf("drop schema %s: %w", schema, err)
		}
		return nil
	}
	return u.String(), drop, nil
}
