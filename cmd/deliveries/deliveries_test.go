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

// TestListReadsEventsInWindows: deliveries list reads its deliveries'
// events in one query per window of listWindow deliveries, not one per
// event (a page of 50 on PostgreSQL made ~30 round trips), and shows
// each delivery's own event type, in the table and in JSON. It reads the
// events' heads only (store.GetEventHeads): a listing of 100,000 read
// every event whole, payload and headers, for its type and source.
func TestListReadsEventsInWindows(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "s.db")
	cs := &eventreads.Store{}
	open := func(ctx context.Context, dsn string) (store.Store, error) {
		s, err := sqlite.Open(ctx, path)
		cs.Store = s
		return cs, err
	}
	seed, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	const events = 300 // two deliveries each: 600 deliveries, three windows
	evs := make([]*store.Event, events)
	dss := make([][]*store.Delivery, events)
	for i := range evs {
		evs[i] = &store.Event{ID: fmt.Sprintf("evt_%03d", i), Type: fmt.Sprintf("type.n%d", i), Payload: []byte(`{}`)}
		dss[i] = []*store.Delivery{{URL: "http://127.0.0.1:1/a", MaxAttempts: 1}, {URL: "http://127.0.0.1:1/b", MaxAttempts: 1}}
	}
	if err := seed.(store.BatchCreator).CreateEvents(ctx, evs, dss); err != nil {
		t.Fatal(err)
	}
	seed.Close()

	for _, tc := range []struct {
		args        []string
		json        bool
		rows, reads int
	}{
		{[]string{"--limit", "50"}, false, 50, 1},
		{[]string{"--limit", "0"}, false, 600, 3},
		{[]string{"--limit", "0"}, true, 600, 3},
	} {
		ios, _, out, _ := ui.Test()
		if tc.json {
			ios.SetFormat(ui.FormatJSON)
		}
		f := &cli.Factory{IOStreams: ios, Now: time.Now, OpenStore: open}
		cs.One, cs.Many, cs.Heads = 0, 0, 0
		c := newListCmd(f, nil)
		c.SetArgs(tc.args)
		c.SetOut(ios.ErrOut)
		c.SetErr(ios.ErrOut)
		if err := c.Execute(); err != nil {
			t.Fatal(err)
		}
		f.Close()
		// Only the events' heads (type, source): no payload is read.
		if cs.One != 0 || cs.Many != 0 || cs.Heads != tc.reads {
			t.Errorf("%v: %d single event reads, %d batch reads of whole events and %d of heads, want 0, 0 and %d", tc.args, cs.One, cs.Many, cs.Heads, tc.reads)
		}
		// each row names its own delivery's event type
		types := map[string]string{}
		for i, ds := range dss {
			for _, d := range ds {
				types[d.ID] = evs[i].Type
			}
		}
		var rows [][2]string
		if ios.JSON() {
			var js []struct {
				ID    string `json:"id"`
				Event string `json:"event_type"`
			}
			if err := json.Unmarshal(out.Bytes(), &js); err != nil {
				t.Fatalf("%v: %v\n%s", tc.args, err, out)
			}
			for _, j := range js {
				rows = append(rows, [2]string{j.ID, j.Event})
			}
		} else {
			for _, l := range strings.Split(strings.TrimSpace(out.String()), "\n") {
				fs := strings.Split(l, "\t")
				rows = append(rows, [2]string{fs[0], fs[2]})
			}
		}
		if len(rows) != tc.rows {
			t.Errorf("%v: %d rows, want %d", tc.args, len(rows), tc.rows)
		}
		for _, r := range rows {
			if types[r[0]] == "" || types[r[0]] != r[1] {
				t.Errorf("%v: delivery %s shows event type %q, want %q", tc.args, r[0], r[1], types[r[0]])
				break
			}
		}
	}
}
