package store

import (
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"
)

// Migration is one versioned schema step of a backend.
type Migration struct {
	Version int    // the number the file name starts with (NNNN_name.sql)
	Name    string // the file name
	SQL     string
}

// LoadMigrations reads a backend's embedded migrations from dir, ordered by
// version. A misnamed file is a programming error: it panics.
func LoadMigrations(fsys fs.FS, dir string) []Migration {
	entries, err := fs.ReadDir(fsys, dir)
	if err != nil {
		panic(err)
	}
	ms := make([]Migration, 0, len(entries))
	for _, e := range entries {
		num, _, ok := strings.Cut(e.Name(), "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil {
			panic(fmt.Sprintf("store: bad migration file name %s", e.Name()))
		}
		b, err := fs.ReadFile(fsys, path.Join(dir, e.Name()))
		if err != nil {
			panic(err)
		}
		ms = append(ms, Migration{Version: v, Name: e.Name(), SQL: string(b)})
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].Version < ms[j].Version })
	// Versions are 1, 2, 3 … with none twice: two branches that each added
	// a migration numbered 13 merged without a conflict, and a store would
	// have recorded schema 13 after running only one of them.
	for i, m := range ms {
		if m.Version != i+1 {
			panic(fmt.Sprintf("store: migration %s: want version %d (versions are numbered 1, 2, 3 … once each)", m.Name, i+1))
		}
	}
	return ms
}
