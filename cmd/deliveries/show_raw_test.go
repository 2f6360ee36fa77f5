package deliveries

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/cli"
	"github.com/hookctl/hookctl/internal/store"
	"github.com/hookctl/hookctl/internal/store/sqlite"
	"github.com/hookctl/hookctl/internal/ui"
)

// argv → Options of show's raw outputs, and every refusal (exit 2).
func TestShowRawFlags(t *testing.T) {
	for _, tc := range []struct {
		args    []string
		raw     string
		attempt int
		err     string
	}{
		{args: []string{"3f2a"}},
		{args: []string{"3f2a", "--body"}, raw: rawBody},
		{args: []string{"3f2a", "--response"}, raw: rawResponse},
		{args: []string{"3f2a", "--response", "--attempt", "2"}, raw: rawResponse, attempt: 2},
		{args: []string{"3f2a", "--curl", "--attempt", "1"}, raw: rawCurl, attempt: 1},
		{args: []string{"3f2a", "--body", "--curl"}, err: "--body and --curl cannot be used together: each prints one thing"},
		{args: []string{"3f2a", "--body", "--response", "--curl"}, err: "--body and --response and --curl cannot be used together: each prints one thing"},
		{args: []string{"3f2a", "--attempt", "2"}, err: "--attempt picks the attempt of --response or --curl"},
		{args: []string{"3f2a", "--body", "--attempt", "2"}, err: "--attempt picks the attempt of --response or --curl"},
		{args: []string{"3f2a", "--response", "--attempt", "0"}, err: "invalid --attempt 0: attempts are numbered from 1"},
	} {
		ios, _, _, _ := ui.Test()
		f := &cli.Factory{IOStreams: ios, Now: time.Now}
		var got *ShowOptions
		c := newShowCmd(f, func(o *ShowOptions) error { got = o; return nil })
		c.SetArgs(tc.args)
		c.SetOut(ios.ErrOut)
		c.SetErr(ios.ErrOut)
		err := c.Execute()
		if tc.err != "" {
			var ee *cli.ExitError
			if !errors.As(err, &ee) || ee.Code != cli.ExitUsage || err.Error() != tc.err {
				t.Errorf("%v: error %v, want %q (exit 2)", tc.args, err, tc.err)
			}
			continue
		}
		if err != nil || got.Raw != tc.raw || got.Attempt != tc.attempt {
			t.Errorf("%v: %v, raw %q attempt %d, want %q %d", tc.args, err, got.Raw, got.Attempt, tc.raw, tc.attempt)
		}
	}
}

// A delivery not attempted yet: --body prints the body it will send,
// --response and --curl say there is nothing yet (exit 1). On a terminal
// --body escapes control characters and ends the line; piped, the bytes
// as they are.
func TestShowRawNoAttemptYet(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "s.db")
	seed, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	payload := []byte("a\x00b\x1b[31m\xff")
	d := &store.Delivery{URL: "http://127.0.0.1:1/a", MaxAttempts: 3, NextAttemptAt: time.Now().Add(time.Hour)}
	if err := seed.(store.BatchCreator).CreateEvents(ctx, []*store.Event{{ID: "evt_raw", Type: "card.created", Provider: "bond", ContentType: "text/plain", Payload: payload}},
		[][]*store.Delivery{{d}}); err != nil {
		t.Fatal(err)
	}
	seed.Close()
	open := func(ctx context.Context, dsn string) (store.Store, error) { return sqlite.Open(ctx, path) }
	for _, tc := range []struct {
		raw, out, err string
		tty           bool
	}{
		{raw: rawBody, out: string(payload)},
		{raw: rawBody, tty: true, out: `a\x00b\x1b[31m\xff` + "\n"},
		{raw: rawResponse, err: "delivery " + d.ID + " has no attempt yet: no response to show"},
		{raw: rawCurl, err: "delivery " + d.ID + " has no attempt yet: no request sent to show"},
	} {
		ios, _, out, _ := ui.Test()
		ios.SetTTY(false, tc.tty, false)
		f := &cli.Factory{IOStreams: ios, Now: time.Now, OpenStore: open}
		err := runShow(ctx, &ShowOptions{Factory: f, IO: ios, ID: d.ID[:8], Raw: tc.raw})
		f.Close()
		if tc.err != "" {
			var ee *cli.ExitError
			if !errors.As(err, &ee) || ee.Code != cli.ExitFailed || err.Error() != tc.err || !strings.Contains(strings.Join(ee.Hints, "\n"), "it is pending: its first attempt is due") {
				t.Errorf("%s: error %v, want %q (exit 1) with a hint", tc.raw, err, tc.err)
			}
			continue
		}
		if err != nil || out.String() != tc.out {
			t.Errorf("%s (tty %v): %v, printed %q, want %q", tc.raw, tc.tty, err, out.String(), tc.out)
		}
	}
}

// --curl of an attempt whose headers hold a C1 control (a header as a
// sender sent it, forwarded by listen): escaped on a terminal, with a note
// saying how to get the command as it runs; piped, the command as it is.
func TestShowCurlControlsOnTerminal(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "s.db")
	seed, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	d := &store.Delivery{URL: "http://127.0.0.1:1/a", MaxAttempts: 1, NextAttemptAt: time.Now()}
	if err := seed.(store.BatchCreator).CreateEvents(ctx, []*store.Event{{ID: "evt_c1", Type: "card.created", Provider: "bond", ContentType: "application/json", Payload: []byte(`{}`)}},
		[][]*store.Delivery{{d}}); err != nil {
		t.Fatal(err)
	}
	if err := seed.RecordAttempt(ctx, "", &store.Attempt{DeliveryID: d.ID, Number: 1, StartedAt: time.Now(), RequestURL: d.URL, RequestMethod: "POST",
		RequestHeaders: map[string][]string{"X-Sender": {"a\u009b2Jb"}}, ResponseStatus: 200},
		store.DeliveryUpdate{Status: store.DeliverySucceeded, LastStatus: 200}); err != nil {
		t.Fatal(err)
	}
	seed.Close()
	open := func(ctx context.Context, dsn string) (store.Store, error) { return sqlite.Open(ctx, path) }
	for _, tty := range []bool{false, true} {
		ios, _, out, errOut := ui.Test()
		ios.SetTTY(false, tty, false)
		f := &cli.Factory{IOStreams: ios, Now: time.Now, OpenStore: open}
		err := runShow(ctx, &ShowOptions{Factory: f, IO: ios, ID: d.ID, Raw: rawCurl})
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		raw, escaped := strings.Contains(out.String(), "-H 'X-Sender: a\u009b2Jb'"), strings.Contains(out.String(), `-H 'X-Sender: a\u009b2Jb'`)
		note := strings.Contains(errOut.String(), "hookctl: note: control characters in the command are escaped on a terminal")
		if raw == tty || escaped != tty || note != tty {
			t.Errorf("tty %v: printed %q (stderr %q)", tty, out, errOut)
		}
	}
}
