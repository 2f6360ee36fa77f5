package storecmd

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/cli"
	"github.com/hookctl/hookctl/internal/config"
	"github.com/hookctl/hookctl/internal/store"
	"github.com/hookctl/hookctl/internal/store/dump"
	"github.com/hookctl/hookctl/internal/store/postgres"
	"github.com/hookctl/hookctl/internal/store/postgres/pgtest"
	"github.com/hookctl/hookctl/internal/ui"
)

// v1Fixture is a dump hookctl wrote before the format had a version
// (Go's field names, no header): subscriptions (one with a rotated secret
// and headers, one with metadata), Svix objects (a tombstone too), events
// with binary, non-UTF-8, whitespace-laden JSON and empty payloads and
// each verdict, deliveries in each status and kind, attempts with NULs
// and non-UTF-8 bytes in their response bodies. It was written by
// `hookctl store export` of the commit before version 2.
const v1Fixture = "../../testdata/dump/v1.jsonl"

// v2Golden is v1Fixture as this hookctl exports it after importing it
// (without its header line).
const v2Golden = "../../testdata/dump/v2.jsonl"

// readDump reads every record of a dump file's bytes, and how many
// headers it had.
func readDump(t *testing.T, b []byte) ([]store.Record, int) {
	t.Helper()
	r := dump.NewReader(bytes.NewReader(b))
	var recs []store.Record
	for {
		rec, err := r.Next()
		if err == io.EOF {
			return recs, r.Headers
		}
		if err != nil {
			t.Fatalf("record %d: %v", len(recs)+1, err)
		}
		recs = append(recs, rec)
	}
}

// comparable makes a record comparable across a round trip: times in
// UTC, empty maps, lists and bodies as nil.
func comparable(r store.Record) store.Record {
	utc := func(t *time.Time) {
		if !t.IsZero() {
			*t = t.UTC()
		}
	}
	if s := r.Subscription; s != nil {
		c := *s
		utc(&c.CreatedAt)
		utc(&c.UpdatedAt)
		utc(&c.PreviousSecretExpiresAt)
		if len(c.Headers) == 0 {
			c.Headers = nil
		}
		if len(c.Metadata) == 0 {
			c.Metadata = nil
		}
		r.Subscription = &c
	}
	if o := r.Object; o != nil {
		c := *o
		utc(&c.CreatedAt)
		utc(&c.UpdatedAt)
		r.Object = &c
	}
	if e := r.Event; e != nil {
		c := *e
		utc(&c.CreatedAt)
		if len(c.Headers) == 0 {
			c.Headers = nil
		}
		if len(c.Payload) == 0 {
			c.Payload = nil
		}
		r.Event = &c
	}
	if d := r.Delivery; d != nil {
		c := *d
		utc(&c.CreatedAt)
		utc(&c.UpdatedAt)
		utc(&c.NextAttemptAt)
		utc(&c.LeaseExpiresAt)
		if len(c.Headers) == 0 {
			c.Headers = nil
		}
		r.Delivery = &c
	}
	if a := r.Attempt; a != nil {
		c := *a
		utc(&c.StartedAt)
		if len(c.RequestHeaders) == 0 {
			c.RequestHeaders = nil
		}
		if len(c.ResponseHeaders) == 0 {
			c.ResponseHeaders = nil
		}
		if len(c.ResponseBody) == 0 {
			c.ResponseBody = nil
		}
		r.Attempt = &c
	}
	return r
}

func runStore(t *testing.T, f *cli.Factory, ios *ui.IOStreams, verb string, in []byte) (string, error) {
	t.Helper()
	out := ios.Out.(*bytes.Buffer)
	out.Reset()
	ios.ErrOut.(*bytes.Buffer).Reset()
	opts := &Options{IO: ios, Store: f.Store, Ctx: context.Background(), Verb: verb, BatchSize: 1000,
		Now: func() time.Time { return time.Date(2026, 2, 3, 4, 5, 6, 0, time.UTC) }}
	if verb == "import" {
		ios.In = bytes.NewReader(in)
		opts.File = "-"
	}
	err := run(opts)
	return out.String(), err
}

// A dump an older hookctl wrote imports with every field of every record
// as it was, and exports in the documented format.
func TestDumpImportsVersion1(t *testing.T) {
	old, err := os.ReadFile(v1Fixture)
	if err != nil {
		t.Fatal(err)
	}
	want, headers := readDump(t, old)
	if headers != 0 || len(want) != 30 {
		t.Fatalf("the fixture: %d records, %d headers", len(want), headers)
	}
	f, ios := factory(t, filepath.Join(t.TempDir(), "h.db"))
	if _, err := runStore(t, f, ios, "import", old); err != nil {
		t.Fatal(err)
	}
	exported, err := runStore(t, f, ios, "export", nil)
	if err != nil {
		t.Fatal(err)
	}
	first, rest, _ := strings.Cut(exported, "\n")
	if first != `{"hookctl_dump":{"version":2,"exported_at":"2026-02-03T04:05:06Z","store":"sqlite"}}` {
		t.Errorf("header line: %s", first)
	}
	for _, goName := range []string{`"ID":`, `"CallbackURL":`, `"CreatedAt":`, `0001-01-01`, `"Headers":null`} {
		if strings.Contains(rest, goName) {
			t.Errorf("the export has %s:\n%s", goName, rest)
		}
	}
	got, headers := readDump(t, []byte(exported))
	if headers != 1 {
		t.Errorf("export: %d headers, want 1", headers)
	}
	if len(got) != len(want) {
		t.Fatalf("export: %d records, want %d", len(got), len(want))
	}
	for i := range want {
		if a, b := comparable(want[i]), comparable(got[i]); !reflect.DeepEqual(a, b) {
			w, _ := dump.Marshal(a)
			g, _ := dump.Marshal(b)
			t.Errorf("record %d differs:\n got %s\nwant %s\n got %+v\nwant %+v", i+1, g, w, b, a)
		}
	}
	golden, err := os.ReadFile(v2Golden)
	if err != nil {
		t.Fatal(err)
	}
	if rest != string(golden) {
		t.Errorf("export differs from %s:\n%s", v2Golden, rest)
	}
}

// SQLite → file → PostgreSQL → file → SQLite: the three dumps are the
// same but for their headers' time and store.
func TestDumpRoundTripPostgres(t *testing.T) {
	pgURL := pgtest.URL(t)
	old, err := os.ReadFile(v1Fixture)
	if err != nil {
		t.Fatal(err)
	}
	lite, liteIO := factory(t, filepath.Join(t.TempDir(), "a.db"))
	if _, err := runStore(t, lite, liteIO, "import", old); err != nil {
		t.Fatal(err)
	}
	a, err := runStore(t, lite, liteIO, "export", nil)
	if err != nil {
		t.Fatal(err)
	}
	pgIO, _, _, _ := ui.Test()
	pg := &cli.Factory{IOStreams: pgIO, Config: &config.Config{Store: pgURL},
		OpenStore: func(ctx context.Context, dsn string) (store.Store, error) { return postgres.Open(ctx, dsn) }}
	t.Cleanup(func() { pg.Close() })
	if _, err := runStore(t, pg, pgIO, "import", []byte(a)); err != nil {
		t.Fatal(err)
	}
	b, err := runStore(t, pg, pgIO, "export", nil)
	if err != nil {
		t.Fatal(err)
	}
	back, backIO := factory(t, filepath.Join(t.TempDir(), "c.db"))
	if _, err := runStore(t, back, backIO, "import", []byte(b)); err != nil {
		t.Fatal(err)
	}
	c, err := runStore(t, back, backIO, "export", nil)
	if err != nil {
		t.Fatal(err)
	}
	ha, ra, _ := strings.Cut(a, "\n")
	hb, rb, _ := strings.Cut(b, "\n")
	hc, rc, _ := strings.Cut(c, "\n")
	if !strings.Contains(hb, `"store":"postgres"`) || !strings.Contains(ha, `"store":"sqlite"`) || !strings.Contains(hc, `"store":"sqlite"`) {
		t.Errorf("headers:\n%s\n%s\n%s", ha, hb, hc)
	}
	if rb != ra {
		t.Errorf("sqlite → postgres: the dumps differ:\n%s\n---\n%s", ra, rb)
	}
	if rc != ra {
		t.Errorf("sqlite → postgres → sqlite: the dumps differ:\n%s\n---\n%s", ra, rc)
	}
}
