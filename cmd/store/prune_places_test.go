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

// store prune deletes the places deleted Svix endpoints left in their
// lists (store.HistoryKinds tombstones) written before --older-than, with
// or without events to delete, and says so; a newer place stays. Before,
// a store holding only such places answered 'Nothing to delete' and kept
// them for ever.
func TestPruneDeletesOldEndpointPlaces(t *testing.T) {
	f, ios := factory(t, filepath.Join(t.TempDir(), "h.db"))
	ctx := context.Background()
	st, err := f.Store(ctx)
	if err != nil {
		t.Fatal(err)
	}
	old, recent := time.Now().Add(-48*time.Hour), time.Now().Add(-time.Hour)
	for id, at := range map[string]time.Time{"ep_old": old, "ep_old2": old, "ep_recent": recent} {
		o := &store.Object{Kind: store.KindSvixEndpointGone, ID: id, Data: []byte(`{"app":"app_1"}`), Deleted: true, CreatedAt: old, UpdatedAt: at}
		if err := st.Import(ctx, store.Record{Object: o}); err != nil {
			t.Fatal(err)
		}
	}
	run := func(args ...string) string {
		t.Helper()
		out := ios.Out.(*bytes.Buffer)
		out.Reset()
		c := newCmd(f, nil)
		c.SetArgs(args)
		c.SilenceUsage, c.SilenceErrors = true, true
		if err := c.Execute(); err != nil {
			t.Fatalf("%v: %v", args, err)
		}
		return out.String()
	}
	if out := run("prune", "--older-than", "1d", "--dry-run"); !strings.Contains(out, "Would delete 0 events, 0 deliveries and 0 attempts created before ") ||
		!strings.Contains(out, ", and 2 Svix records from before then (deleted endpoints' places, background tasks).") {
		t.Fatalf("dry run: %q", out)
	}
	if out := run("prune", "--older-than", "1d", "--yes"); !strings.Contains(out, "Deleted 0 events") ||
		!strings.Contains(out, ", and 2 Svix records from before then (deleted endpoints' places, background tasks).") {
		t.Fatalf("prune: %s", out)
	}
	for id, gone := range map[string]bool{"ep_old": true, "ep_old2": true, "ep_recent": false} {
		if _, err := st.GetObject(ctx, store.KindSvixEndpointGone, id); errors.Is(err, store.ErrNotFound) != gone {
			t.Errorf("%s: %v, want gone %v", id, err, gone)
		}
	}
	if out := run("prune", "--older-than", "1d", "--yes"); !strings.HasPrefix(out, "Nothing to delete") {
		t.Fatalf("again: %q", out)
	}
}
