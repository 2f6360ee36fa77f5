package store_test

import (
	"strings"
	"testing"
	"testing/fstest"

	"github.com/hookctl/hookctl/internal/store"
)

// Migration versions are 1, 2, 3 … once each: a second file with a version
// already taken (two branches each adding the next one) or a gap is
// refused when the migrations load, not found in a store later.
func TestLoadMigrationsNumbering(t *testing.T) {
	file := &fstest.MapFile{Data: []byte("SELECT 1;")}
	ok := fstest.MapFS{"m/0001_a.sql": file, "m/0002_b.sql": file, "m/0003_c.sql": file}
	if ms := store.LoadMigrations(ok, "m"); len(ms) != 3 || ms[2].Version != 3 {
		t.Fatalf("migrations = %+v", ms)
	}
	for name, fsys := range map[string]fstest.MapFS{
		"twice": {"m/0001_a.sql": file, "m/0002_b.sql": file, "m/0002_c.sql": file},
		"gap":   {"m/0001_a.sql": file, "m/0003_c.sql": file},
		"zero":  {"m/0000_a.sql": file},
	} {
		t.Run(name, func(t *testing.T) {
			defer func() {
				r := recover()
				if r == nil || !strings.Contains(r.(string), "want version") {
					t.Fatalf("recovered %v, want a panic naming the version", r)
				}
			}()
			store.LoadMigrations(fsys, "m")
		})
	}
}
