package storecmd

import (
	"bytes"
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/store"
)

// store prune deletes serve's Svix background tasks (recover/,
// replay-missing/, bulk-replay/: store.KindSvixTask records) from before
// --older-than, as it deletes the events of their time; a newer one stays.
func TestProvfixPruneDeletesOldSvixTasks(t *testing.T) {
	f, ios := factory(t, filepath.Join(t.TempDir(), "h.db"))
	ctx := context.Background()
	st, err := f.Store(ctx)
	if err != nil {
		t.Fatal(err)
	}
	old, recent := time.Now().Add(-48*time.Hour), time.Now().Add(-time.Hour)
	for id, at := range map[string]time.Time{"qtask_old": old, "qtask_recent": recent} {
		o := &store.Object{Kind: store.KindSvixTask, ID: id, Data: []byte(`{"id":"` + id + `"}`), Deleted: true, CreatedAt: at, UpdatedAt: at}
		if err := st.Import(ctx, store.Record{Object: o}); err != nil {
			t.Fatal(err)
		}
	}
	c := newCmd(f, nil)
	c.SetArgs([]string{"prune", "--older-than", "1d", "--yes"})
	c.SilenceUsage, c.SilenceErrors = true, true
	if err := c.Execute(); err != nil {
		t.Fatal(err)
	}
	if out := ios.Out.(*bytes.Buffer).String(); !strings.Contains(out, ", and 1 Svix record from before then") {
		t.Fatalf("prune: %q", out)
	}
	for id, gone := range map[string]bool{"qtask_old": true, "qtask_recent": false} {
		if _, err := st.GetObject(ctx, store.KindSvixTask, id); errors.Is(err, store.ErrNotFound) != gone {
			t.Errorf("%s: %v, want gone %v", id, err, gone)
		}
	}
}
