package main

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/hookctl/hookctl/internal/store/postgres/pgtest"
)

// TestFreshDatabaseDefaultSearchPath: a fresh database whose search_path
// is the server's default (`"$user", public`, no search_path in the URL)
// takes hookctl's store in public: subscribe, trigger, deliveries list
// and store info work. The server shows the default quoted, and "$user"
// was read as a schema of that name: every command exited 3 with 'user
// postgres may not use schema "$user", the first of search_path'.
func TestFreshDatabaseDefaultSearchPath(t *testing.T) {
	t.Parallel()
	u := pgtest.URL(t)
	ctx := context.Background()
	admin, err := pgx.Connect(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close(ctx)
	db := fmt.Sprintf("hookctl_fresh_%d", time.Now().UnixNano())
	if _, err := admin.Exec(ctx, `CREATE DATABASE `+db); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _, _ = admin.Exec(context.Background(), `DROP DATABASE IF EXISTS `+db+` WITH (FORCE)`) })
	parsed, err := url.Parse(u)
	if err != nil {
		t.Fatal(err)
	}
	parsed.Path = "/" + db
	q := parsed.Query()
	q.Del("search_path")
	q.Del("options")
	parsed.RawQuery = q.Encode()
	c := pgEnv(t, parsed.String())
	c.hookctl(0, "subscribe", "--url", "http://127.0.0.1:1/h", "--events", "card.created")
	c.hookctl(1, "trigger", "card.created", "--no-retry", "--timeout", "1s")
	if out := string(c.hookctl(0, "deliveries", "list", "-o", "json")); !strings.Contains(out, `"card.created"`) {
		t.Errorf("deliveries list after the trigger:\n%s", out)
	}
	if out := string(c.hookctl(0, "store", "info")); !strings.Contains(out, "subscriptions\t1") {
		t.Errorf("store info does not count the subscription:\n%s", out)
	}
}
