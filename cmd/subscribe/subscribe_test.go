package subscribe

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/hookctl/hookctl/internal/cli"
	"github.com/hookctl/hookctl/internal/ui"
)

func TestFlags(t *testing.T) {
	for _, tc := range []struct {
		name    string
		args    []string
		tty     bool
		wantErr string
		check   func(t *testing.T, o *Options)
	}{
		{name: "all flags", args: []string{"--url", "http://x/h", "--events", "card.*,kyc.verification.success", "--events", "ping",
			"--description", "d", "--provider", "bond", "--scheme", "standard", "--method", "PUT",
			"--header", "A: 1", "--header", "B: 2,3", "--secret", "whsec_abc"},
			check: func(t *testing.T, o *Options) {
				if o.URL != "http://x/h" || !reflect.DeepEqual(o.Events, []string{"card.*", "kyc.verification.success", "ping"}) ||
					o.Description != "d" || !o.DescriptionSet || o.Provider != "bond" || o.Scheme != "standard" || o.Method != "PUT" ||
					!reflect.DeepEqual(o.Headers, []string{"A: 1", "B: 2,3"}) || o.Secret != "whsec_abc" || o.Prompt {
					t.Errorf("options %+v", o)
				}
			}},
		{name: "defaults", args: []string{"--url", "http://x", "--events", "*"},
			check: func(t *testing.T, o *Options) {
				if o.Scheme != "auto" || o.DescriptionSet || o.Prompt || o.Method != "" {
					t.Errorf("options %+v", o)
				}
			}},
		{name: "missing both, no terminal", args: nil, wantErr: "missing --url and --events"},
		{name: "missing events, no terminal", args: []string{"--url", "http://x"}, wantErr: "missing --events"},
		{name: "blank events, no terminal", args: []string{"--url", "http://x", "--events", " , "}, wantErr: "missing --events"},
		{name: "missing, terminal: prompt", args: []string{"--url", "http://x"}, tty: true,
			check: func(t *testing.T, o *Options) {
				if !o.Prompt {
					t.Error("no prompt on a terminal")
				}
			}},
		{name: "arguments", args: []string{"http://x"}, wantErr: `subscribe takes no arguments, got "http://x"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ios, _, _, _ := ui.Test()
			ios.SetTTY(tc.tty, tc.tty, tc.tty)
			var got *Options
			c := newCmd(&cli.Factory{IOStreams: ios}, func(o *Options) error { got = o; return nil })
			c.SetArgs(tc.args)
			c.SetOut(ios.ErrOut)
			c.SetErr(ios.ErrOut)
			err := c.Execute()
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want %q", err, tc.wantErr)
				}
				var ee *cli.ExitError
				if errors.As(err, &ee) && ee.Code != cli.ExitUsage {
					t.Errorf("exit %d, want 2", ee.Code)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			tc.check(t, got)
		})
	}
}
