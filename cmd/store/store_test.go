package storecmd

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	utf16pkg "unicode/utf16"

	"github.com/hookctl/hookctl/internal/cli"
	"github.com/hookctl/hookctl/internal/config"
	"github.com/hookctl/hookctl/internal/store"
	"github.com/hookctl/hookctl/internal/store/sqlite"
	"github.com/hookctl/hookctl/internal/ui"
)

func factory(t *testing.T, path string) (*cli.Factory, *ui.IOStreams) {
	ios, _, _, _ := ui.Test()
	f := &cli.Factory{IOStreams: ios, Config: &config.Config{Store: path},
		OpenStore: func(ctx context.Context, dsn string) (store.Store, error) { return sqlite.Open(ctx, dsn) }}
	t.Cleanup(func() { f.Close() })
	return f, ios
}

func TestParse(t *testing.T) {
	for _, tc := range []struct {
		args    []string
		verb    string
		file    string
		batch   int
		wantErr string
	}{
		{args: []string{"info"}, verb: "info", batch: 1000},
		{args: []string{"migrate"}, verb: "migrate", batch: 1000},
		{args: []string{"export"}, verb: "export", batch: 1000},
		{args: []string{"import", "dump.jsonl"}, verb: "import", file: "dump.jsonl", batch: 1000},
		{args: []string{"import", "-", "--batch-size", "10"}, verb: "import", file: "-", batch: 10},
		{args: []string{"import"}, wantErr: "store import needs one file (or - for stdin)"},
		{args: []string{"import", "a", "b"}, wantErr: "store import needs one file (or - for stdin)"},
		{args: []string{"info", "extra"}, wantErr: `unknown command "extra"`},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			f, _ := factory(t, filepath.Join(t.TempDir(), "h.db"))
			var got *Options
			c := newCmd(f, func(o *Options) error { got = o; return nil })
			c.SetArgs(tc.args)
			c.SetOut(os.Stderr)
			c.SilenceUsage, c.SilenceErrors = true, true
			err := c.Execute()
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.Verb != tc.verb || got.File != tc.file || got.BatchSize != tc.batch {
				t.Fatalf("options = %+v", got)
			}
		})
	}
}

// Export then import through the run function, in batches of 2: the
// second store ends with the same records; a bad batch size is exit 2.
func TestRunExportImport(t *testing.T) {
	ctx := context.Background()
	src, srcIO := factory(t, filepath.Join(t.TempDir(), "src.db"))
	st, err := src.Store(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 3; i++ {
		sub := &store.Subscription{CallbackURL: "http://127.0.0.1:3000/x", Events: []string{"*"}, Secret: "whsec_x"}
		if err := st.CreateSubscription(ctx, sub); err != nil {
			t.Fatal(err)
		}
		e := &store.Event{Type: "card.created", Payload: []byte(`{}`)}
		if err := st.CreateEvent(ctx, e, []*store.Delivery{{SubscriptionID: sub.ID, URL: sub.CallbackURL}}); err != nil {
			t.Fatal(err)
		}
	}
	if err := run(&Options{IO: srcIO, Store: src.Store, Ctx: ctx, Verb: "export"}); err != nil {
		t.Fatal(err)
	}
	dump := srcIO.Out.(interface{ String() string }).String()
	if n := strings.Count(dump, "\n"); n != 10 || !strings.HasPrefix(dump, `{"hookctl_dump":{"version":2,`) {
		t.Fatalf("export wrote %d lines, want a header and 9 records:\n%s", n, dump)
	}

	dst, dstIO := factory(t, filepath.Join(t.TempDir(), "dst.db"))
	dstIO.In = strings.NewReader(dump)
	dstIO.SetFormat(ui.FormatJSON)
	if err := run(&Options{IO: dstIO, Store: dst.Store, Ctx: ctx, Verb: "import", File: "-", BatchSize: 2}); err != nil {
		t.Fatal(err)
	}
	out := dstIO.Out.(interface{ String() string }).String()
	for _, want := range []string{`"subscriptions": 3`, `"events": 3`, `"deliveries": 3`, `"skipped": 0`} {
		if !strings.Contains(out, want) {
			t.Errorf("import output lacks %s:\n%s", want, out)
		}
	}
	err = run(&Options{IO: dstIO, Store: dst.Store, Ctx: ctx, Verb: "import", File: "-", BatchSize: 0})
	var ee *cli.ExitError
	if !errors.As(err, &ee) || ee.Code != cli.ExitUsage {
		t.Fatalf("batch size 0: %v", err)
	}
}

// On a terminal, prune asks first: "n" deletes nothing, "y" deletes.
func TestPruneAsksOnATerminal(t *testing.T) {
	path := filepath.Join(t.TempDir(), "h.db")
	f, ios := factory(t, path)
	st, err := f.Store(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	old := time.Now().Add(-48 * time.Hour)
	for _, id := range []string{"evt_a", "evt_b"} {
		if err := st.CreateEvent(context.Background(), &store.Event{ID: id, Type: "card.created", Payload: []byte(`{}`), CreatedAt: old}, nil); err != nil {
			t.Fatal(err)
		}
	}
	ios.SetTTY(true, true, true)
	for _, tc := range []struct{ answer, out, errOut string }{
		{"n\n", "", "Nothing deleted."},
		{"y\n", "Deleted 2 events, 0 deliveries and 0 attempts created before ", ""},
	} {
		in, out, errOut := ios.In.(*bytes.Buffer), ios.Out.(*bytes.Buffer), ios.ErrOut.(*bytes.Buffer)
		in.Reset()
		out.Reset()
		errOut.Reset()
		in.WriteString(tc.answer)
		c := newCmd(f, nil)
		c.SetArgs([]string{"prune", "--older-than", "1d"})
		c.SilenceUsage, c.SilenceErrors = true, true
		if err := c.Execute(); err != nil {
			t.Fatalf("%q: %v", tc.answer, err)
		}
		if !strings.Contains(errOut.String(), "Delete 2 events, 0 deliveries and 0 attempts created before ") ||
			!strings.Contains(out.String(), tc.out) || !strings.Contains(errOut.String(), tc.errOut) {
			t.Fatalf("%q: out %q, err %q", tc.answer, out, errOut)
		}
		evs, _ := st.ListEvents(context.Background(), store.EventFilter{})
		if want := map[string]int{"n\n": 2, "y\n": 0}[tc.answer]; len(evs) != want {
			t.Fatalf("%q: %d events left, want %d", tc.answer, len(evs), want)
		}
	}
}

// An export saved by Windows PowerShell 5.1 ('hookctl store export >
// dump.jsonl' writes UTF-16 with a byte order mark) or by an editor that
// adds a UTF-8 BOM imports as the export itself does: it was refused as
// "record 1: invalid JSON: invalid character 'ÿ'" with the hint that the
// file must be written by store export, which it was.
func TestImportTakesAByteOrderMark(t *testing.T) {
	ctx := context.Background()
	src, srcIO := factory(t, filepath.Join(t.TempDir(), "src.db"))
	st, err := src.Store(ctx)
	if err != nil {
		t.Fatal(err)
	}
	sub := &store.Subscription{CallbackURL: "http://127.0.0.1:3000/x", Events: []string{"*"}, Secret: "whsec_x", Description: "café ✓"}
	if err := st.CreateSubscription(ctx, sub); err != nil {
		t.Fatal(err)
	}
	e := &store.Event{Type: "card.created", Payload: []byte(`{"name":"Zoë 💳"}`)}
	if err := st.CreateEvent(ctx, e, []*store.Delivery{{SubscriptionID: sub.ID, URL: sub.CallbackURL}}); err != nil {
		t.Fatal(err)
	}
	if err := run(&Options{IO: srcIO, Store: src.Store, Ctx: ctx, Verb: "export"}); err != nil {
		t.Fatal(err)
	}
	dump := srcIO.Out.(interface{ String() string }).String()
	utf16 := func(bigEndian bool) string {
		var b strings.Builder
		put := func(u uint16) {
			if bigEndian {
				b.WriteByte(byte(u >> 8))
				b.WriteByte(byte(u))
			} else {
				b.WriteByte(byte(u))
				b.WriteByte(byte(u >> 8))
			}
		}
		put(0xfeff)
		for _, u := range utf16pkg.Encode([]rune(strings.ReplaceAll(dump, "\n", "\r\n"))) {
			put(u)
		}
		return b.String()
	}
	for name, in := range map[string]string{
		"utf-8 bom": "\xef\xbb\xbf" + dump,
		"utf-16le":  utf16(false),
		"utf-16be":  utf16(true),
		"no bom":    dump,
	} {
		t.Run(name, func(t *testing.T) {
			dst, dstIO := factory(t, filepath.Join(t.TempDir(), "dst.db"))
			dstIO.In = strings.NewReader(in)
			if err := run(&Options{IO: dstIO, Store: dst.Store, Ctx: ctx, Verb: "import", File: "-", BatchSize: 10}); err != nil {
				t.Fatal(err)
			}
			ds, err := dst.Store(ctx)
			if err != nil {
				t.Fatal(err)
			}
			got, err := ds.GetSubscription(ctx, sub.ID)
			if err != nil || got.Description != sub.Description {
				t.Fatalf("subscription: %+v %v", got, err)
			}
			ev, err := ds.GetEvent(ctx, e.ID)
			if err != nil || string(ev.Payload) != string(e.Payload) {
				t.Fatalf("event: %+v %v", ev, err)
			}
		})
	}
}
