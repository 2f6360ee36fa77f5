package events

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/catalog"
	"github.com/hookctl/hookctl/internal/cli"
	"github.com/hookctl/hookctl/internal/ui"
)

func factory() (*cli.Factory, *bytes.Buffer, *bytes.Buffer, *bytes.Buffer) {
	ios, in, out, errOut := ui.Test()
	return &cli.Factory{IOStreams: ios, Now: func() time.Time { return time.Date(2026, 5, 6, 7, 8, 9, 0, time.UTC) }}, in, out, errOut
}

func TestListFlags(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want ListOptions
		err  string
	}{
		{[]string{}, ListOptions{}, ""},
		{[]string{"--provider", "bond", "-s", "card", "--fixtures", "fx"}, ListOptions{Provider: "bond", Search: "card", FixturesDir: "fx"}, ""},
		{[]string{"-p", "bnd"}, ListOptions{}, `unknown provider "bnd"`},
		{[]string{"extra"}, ListOptions{}, `unknown command "extra"`},
	} {
		f, _, _, _ := factory()
		var got *ListOptions
		c := newListCmd(f, func(o *ListOptions) error { got = o; return nil })
		c.SetArgs(tc.args)
		c.SetOut(&bytes.Buffer{})
		c.SetErr(&bytes.Buffer{})
		err := c.Execute()
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%v: err %v, want %s", tc.args, err, tc.err)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%v: %v", tc.args, err)
		}
		if got.Provider != tc.want.Provider || got.Search != tc.want.Search || got.FixturesDir != tc.want.FixturesDir {
			t.Errorf("%v: %+v", tc.args, got)
		}
	}
}

func TestShowFlags(t *testing.T) {
	f, _, _, _ := factory()
	var got *ShowOptions
	c := newShowCmd(f, func(o *ShowOptions) error { got = o; return nil })
	c.SetArgs([]string{"bond:card.created", "--set", "a=1", "--unset", "b", "--set-string", "c=2", "--set-json", `d=[1]`, "-p", "bond"})
	if err := c.Execute(); err != nil {
		t.Fatal(err)
	}
	want := []catalog.Override{{Op: "set", Path: "a", Value: "1"}, {Op: "unset", Path: "b"}, {Op: "set-string", Path: "c", Value: "2"}, {Op: "set-json", Path: "d", Value: "[1]"}}
	if got.Type != "bond:card.created" || got.Provider != "bond" || len(got.Build.Overrides) != 4 {
		t.Fatalf("%+v", got)
	}
	for i := range want {
		if got.Build.Overrides[i] != want[i] {
			t.Errorf("override %d: %+v", i, got.Build.Overrides[i])
		}
	}

	c = newShowCmd(f, func(o *ShowOptions) error { return nil })
	c.SetArgs([]string{"ping", "--set", "oops"})
	err := c.Execute()
	var ce cli.CodeError
	if err == nil || !errors.As(err, &ce) || ce.ExitCode() != 2 || err.Error() != `malformed --set "oops": want PATH=VALUE` {
		t.Errorf("err %v", err)
	}
}

func TestShowOutputModes(t *testing.T) {
	// Piped: the exact bytes, no newline.
	f, _, out, errOut := factory()
	opts := &ShowOptions{IO: f.IOStreams, Type: "standard:ping", Now: f.Now, Build: catalog.BuildOptions{Data: []byte(`{"type":"ping","n":1}`)}}
	if err := runShow(opts); err != nil {
		t.Fatal(err)
	}
	if out.String() != `{"type":"ping","n":1}` || errOut.Len() != 0 {
		t.Errorf("piped: %q / %q", out, errOut)
	}
	// Terminal: indented, key order kept, summary on stderr.
	f, _, out, errOut = factory()
	f.IOStreams.SetTTY(false, true, true)
	opts = &ShowOptions{IO: f.IOStreams, Type: "standard:ping", Now: f.Now, Build: catalog.BuildOptions{Data: []byte(`{"z":1,"a":{"b":true}}`)}}
	if err := runShow(opts); err != nil {
		t.Fatal(err)
	}
	if out.String() != "{\n  \"z\": 1,\n  \"a\": {\n    \"b\": true\n  }\n}\n" || !strings.HasPrefix(errOut.String(), "standard:ping · POST application/json") {
		t.Errorf("terminal: %q / %q", out, errOut)
	}
	// Colour on: keys and values painted, text unchanged.
	f, _, out, _ = factory()
	f.IOStreams.SetTTY(false, true, true)
	f.IOStreams.SetGetenv(func(k string) string {
		if k == "CLICOLOR_FORCE" {
			return "1"
		}
		return ""
	})
	f.IOStreams.DecideColor(false)
	defer f.IOStreams.DecideColor(true)
	opts = &ShowOptions{IO: f.IOStreams, Type: "ping", Now: f.Now, Build: catalog.BuildOptions{Data: []byte(`{"k":"v","n":2}`)}}
	if err := runShow(opts); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "\x1b[36m\"k\"\x1b[0m: \x1b[32m\"v\"\x1b[0m") || !strings.Contains(out.String(), "\x1b[33m2\x1b[0m") {
		t.Errorf("colour: %q", out)
	}
	// JSON: the event described, the body embedded as JSON.
	f, _, out, _ = factory()
	f.IOStreams.SetFormat(ui.FormatJSON)
	opts = &ShowOptions{IO: f.IOStreams, Type: "subscription.created", Now: f.Now}
	if err := runShow(opts); err != nil {
		t.Fatal(err)
	}
	s := out.String()
	if !strings.Contains(s, `"scheme": "stripe"`) || !strings.Contains(s, `"created": 1778051289`) || !strings.Contains(s, `"object": "event"`) {
		t.Errorf("json: %s", s)
	}
}

func TestListOutput(t *testing.T) {
	f, _, out, _ := factory()
	f.IOStreams.SetTTY(false, true, true)
	if err := runList(&ListOptions{IO: f.IOStreams, Provider: "mambu"}); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 6 || !strings.HasPrefix(lines[0], "TYPE") || !strings.HasPrefix(lines[1], "client.created  ") {
		t.Errorf("%q", lines)
	}
}

// TestShowCollisionNote: a name the stripe or github provider shares with
// an older provider keeps resolving as before, with a one-line note on
// stderr naming the qualified alternative.
func TestShowCollisionNote(t *testing.T) {
	for name, want := range map[string]string{
		"ping":             `hookctl: note: "ping" is standard:ping; for the github event use github:ping` + "\n",
		"customer.updated": `hookctl: note: "customer.updated" is saas:customer.updated; for the stripe event use stripe:customer.updated` + "\n",
		"github:ping":      "",
		"push":             "",
	} {
		f, _, out, errOut := factory()
		if err := runShow(&ShowOptions{IO: f.IOStreams, Type: name, Now: f.Now}); err != nil {
			t.Fatal(err)
		}
		if errOut.String() != want || out.Len() == 0 {
			t.Errorf("%s: stderr %q, want %q", name, errOut, want)
		}
	}
}
