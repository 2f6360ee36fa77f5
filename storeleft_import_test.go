package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/rogpeppe/go-internal/txtar"

	"github.com/hookctl/hookctl/internal/store/postgres/pgtest"
)

// TestStoreImportNeedsNoCount: store import into a PostgreSQL store
// whose record count cannot finish under the server's statement_timeout
// (here a table the import does not write locked by another session; on
// a large store the count itself) imports, says what it wrote and exits
// 0, and importing again says every record was skipped. It counted every
// table before (a timeout there refused an import that would work) and
// after (the import was done, the command exited 3 as if it failed).
func TestStoreImportNeedsNoCount(t *testing.T) {
	t.Parallel()
	u := pgtest.URL(t)
	ctx := context.Background()
	c := pgEnv(t, u)
	c.hookctl(0, "store", "migrate")
	ar, err := txtar.ParseFile("testdata/script/store_export_import.txtar")
	if err != nil {
		t.Fatal(err)
	}
	var dump []string
	for _, f := range ar.Files {
		if f.Name != "dump.jsonl" {
			continue
		}
		for _, l := range strings.Split(strings.TrimSpace(string(f.Data)), "\n") {
			if !strings.HasPrefix(l, `{"object":`) { // objects is the table locked
				dump = append(dump, l)
			}
		}
	}
	file := filepath.Join(c.dir, "dump.jsonl")
	if err := os.WriteFile(file, []byte(strings.Join(dump, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
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
	if _, err := tx.Exec(ctx, `LOCK TABLE objects IN ACCESS EXCLUSIVE MODE`); err != nil {
		t.Fatal(err)
	}
	timed := u + "&options=-c%20statement_timeout%3D300"
	// (store info under the same lock does fail: the count is what waits.)
	c.hookctl(3, "store", "info", "--store", timed)
	out := string(c.hookctl(0, "store", "import", file, "--store", timed))
	if want := "imported 2 subscriptions, 0 objects, 2 events, 3 deliveries, 3 attempts into postgres store "; !strings.HasPrefix(out, want) ||
		!strings.HasSuffix(out, " (0 records already present, skipped)\n") {
		t.Fatalf("store import: %q, want %q… (0 records already present, skipped)", out, want)
	}
	var again struct {
		Written map[string]int64
		Skipped int64
	}
	if err := json.Unmarshal(c.hookctl(0, "store", "import", file, "--store", timed, "-o", "json"), &again); err != nil {
		t.Fatal(err)
	}
	for k, n := range again.Written {
		if n != 0 {
			t.Errorf("store import again: wrote %d %s, want 0", n, k)
		}
	}
	if again.Skipped != 10 {
		t.Errorf("store import again: skipped %d, want 10", again.Skipped)
	}
}
