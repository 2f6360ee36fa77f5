package deliveries

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/cli"
	"github.com/hookctl/hookctl/internal/store"
	"github.com/hookctl/hookctl/internal/store/sqlite"
	"github.com/hookctl/hookctl/internal/testutil/eventreads"
	"github.com/hookctl/hookctl/internal/ui"
)

// TestPgjsonListSourceFromHeads: deliveries list's SOURCE column and -o
// json's "source" come from the event heads it reads (no payload): sent,
// received (an event listen received, or its forward) and check (a
// probe, or an event of check), for every mix of event source and
// delivery kind, in the table and in JSON.
func TestPgjsonListSourceFromHeads(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "s.db")
	seed, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{} // delivery id → source
	typeOf := map[string]string{}
	n := 0
	for _, src := range []string{store.SourceTriggered, store.SourceReceived, store.SourceCheck, ""} {
		for _, kind := range []string{"", store.KindForward, store.KindProbe, store.KindEdited} {
			n++
			e := &store.Event{ID: fmt.Sprintf("evt_src_%02d", n), Type: fmt.Sprintf("type.%s.%s", src, kind), Source: src,
				Payload: []byte(`{"p":"` + strings.Repeat("x", 10_000) + `"}`)}
			d := &store.Delivery{URL: "http://127.0.0.1:1/a", MaxAttempts: 1, Kind: kind}
			if err := seed.CreateEvent(ctx, e, []*store.Delivery{d}); err != nil {
				t.Fatal(err)
			}
			want[d.ID] = store.DeliverySource(d, src)
			typeOf[d.ID] = e.Type
		}
	}
	seed.Close()
	seen := map[string]bool{}
	for _, s := range want {
		seen[s] = true
	}
	if !seen[store.DeliverySent] || !seen[store.DeliveryReceived] || !seen[store.DeliveryCheck] {
		t.Fatalf("the store lacks a source: %v", seen)
	}
	cs := &eventreads.Store{}
	for _, asJSON := range []bool{false, true} {
		ios, _, out, _ := ui.Test()
		if asJSON {
			ios.SetFormat(ui.FormatJSON)
		}
		f := &cli.Factory{IOStreams: ios, Now: time.Now, OpenStore: func(ctx context.Context, dsn string) (store.Store, error) {
			s, err := sqlite.Open(ctx, path)
			cs.Store = s
			return cs, err
		}}
		cs.One, cs.Many, cs.Heads = 0, 0, 0
		c := newListCmd(f, nil)
		c.SetArgs([]string{"--limit", "0"})
		c.SetOut(ios.ErrOut)
		c.SetErr(ios.ErrOut)
		if err := c.Execute(); err != nil {
			t.Fatal(err)
		}
		f.Close()
		if cs.One != 0 || cs.Many != 0 || cs.Heads != 1 {
			t.Errorf("json=%v: %d single and %d batch reads of whole events, %d of heads; want 0, 0 and 1", asJSON, cs.One, cs.Many, cs.Heads)
		}
		type row struct{ id, source, typ string }
		var rows []row
		if asJSON {
			var js []struct {
				ID     string `json:"id"`
				Source string `json:"source"`
				Event  string `json:"event_type"`
			}
			if err := json.Unmarshal(out.Bytes(), &js); err != nil {
				t.Fatalf("%v\n%s", err, out)
			}
			for _, j := range js {
				rows = append(rows, row{j.ID, j.Source, j.Event})
			}
		} else {
			for _, l := range strings.Split(strings.TrimSpace(out.String()), "\n") {
				fs := strings.Split(l, "\t")
				rows = append(rows, row{fs[0], fs[1], fs[2]})
			}
		}
		if len(rows) != len(want) {
			t.Fatalf("json=%v: %d rows, want %d:\n%s", asJSON, len(rows), len(want), out)
		}
		for _, r := range rows {
			if r.source != want[r.id] || r.typ != typeOf[r.id] {
				t.Errorf("json=%v: %s shows source %q, type %q; want %q, %q", asJSON, r.id, r.source, r.typ, want[r.id], typeOf[r.id])
			}
		}
	}
}
