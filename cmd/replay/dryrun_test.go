package replay

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

// TestDryRunReadsEventsInWindows: replay --failed --dry-run lists every
// failed delivery with its own event's type, in order, reading the
// events' heads (no payload) in one query per 256 deliveries instead of
// one per event.
func TestDryRunReadsEventsInWindows(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "s.db")
	seed, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	const events = 300 // two failed deliveries each, one succeeded
	evs := make([]*store.Event, events)
	dss := make([][]*store.Delivery, events)
	for i := range evs {
		evs[i] = &store.Event{ID: fmt.Sprintf("evt_%03d", i), Type: fmt.Sprintf("type.n%d", i), Payload: []byte(`{}`)}
		dss[i] = []*store.Delivery{
			{URL: "http://127.0.0.1:1/a", MaxAttempts: 1, Status: store.DeliveryFailed},
			{URL: "http://127.0.0.1:1/b", MaxAttempts: 1, Status: store.DeliveryFailed},
			{URL: "http://127.0.0.1:1/c", MaxAttempts: 1, Status: store.DeliverySucceeded},
		}
	}
	if err := seed.(store.BatchCreator).CreateEvents(ctx, evs, dss); err != nil {
		t.Fatal(err)
	}
	seed.Close()
	typeOf := map[string]string{}
	var failed []string // in seq order
	for i, ds := range dss {
		for _, d := range ds {
			typeOf[d.ID] = evs[i].Type
			if d.Status == store.DeliveryFailed {
				failed = append(failed, d.ID)
			}
		}
	}

	for _, asJSON := range []bool{false, true} {
		cs := &eventreads.Store{}
		ios, _, out, errOut := ui.Test()
		if asJSON {
			ios.SetFormat(ui.FormatJSON)
		}
		f := &cli.Factory{IOStreams: ios, Now: time.Now, OpenStore: func(ctx context.Context, dsn string) (store.Store, error) {
			s, err := sqlite.Open(ctx, path)
			cs.Store = s
			return cs, err
		}}
		c := newCmd(f, nil)
		c.SetArgs([]string{"--failed", "--dry-run"})
		c.SetOut(ios.ErrOut)
		c.SetErr(ios.ErrOut)
		if err := c.Execute(); err != nil {
			t.Fatalf("json=%v: %v\n%s", asJSON, err, errOut)
		}
		f.Close()
		// Only the events' heads (type, source): no payload is read.
		if cs.One != 0 || cs.Many != 0 || cs.Heads != 3 {
			t.Errorf("json=%v: %d single event reads, %d batch reads of whole events and %d of heads, want 0, 0 and 3 (600 deliveries)", asJSON, cs.One, cs.Many, cs.Heads)
		}
		var rows [][2]string
		if asJSON {
			var doc struct {
				Deliveries []struct {
					ID    string `json:"id"`
					Event string `json:"event_type"`
				} `json:"deliveries"`
			}
			if err := json.Unmarshal(out.Bytes(), &doc); err != nil {
				t.Fatal(err)
			}
			for _, d := range doc.Deliveries {
				rows = append(rows, [2]string{d.ID, d.Event})
			}
		} else {
			for _, l := range strings.Split(strings.TrimSpace(out.String()), "\n") {
				fs := strings.Split(l, "\t")
				rows = append(rows, [2]string{fs[0], fs[1]})
			}
		}
		if len(rows) != len(failed) {
			t.Fatalf("json=%v: %d rows, want the %d failed deliveries", asJSON, len(rows), len(failed))
		}
		for i, r := range rows {
			if r[0] != failed[i] || r[1] != typeOf[r[0]] {
				t.Errorf("json=%v: row %d is %v, want %s of type %s", asJSON, i, r, failed[i], typeOf[failed[i]])
				break
			}
		}
	}
}
