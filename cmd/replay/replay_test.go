package replay

import (
	"strings"
	"testing"

	"github.com/hookctl/hookctl/internal/cli"
	"github.com/hookctl/hookctl/internal/ui"
)

func TestReplayFlags(t *testing.T) {
	tests := []struct {
		args  []string
		tty   bool
		err   string
		check func(*Options) string
	}{
		{args: []string{}, err: "nothing to replay"},
		{args: []string{"abc", "--failed"}, err: "not both"},
		{args: []string{"--failed", "--pending", "--yes"}, err: "cannot be used together"},
		{args: []string{"abc", "--event", "card.*"}, err: "filter a bulk replay"},
		{args: []string{"--failed"}, err: "bulk replay without a terminal needs --yes"},
		{args: []string{"--failed"}, tty: true, check: func(o *Options) string {
			if !o.Failed || o.Yes {
				return "want failed without yes on a terminal"
			}
			return ""
		}},
		{args: []string{"--failed", "--dry-run"}, check: func(o *Options) string {
			if !o.DryRun {
				return "want dry run"
			}
			return ""
		}},
		{args: []string{"--pending", "--yes", "--to", "localhost:3001/hooks", "--since", "1h", "--limit", "5"}, check: func(o *Options) string {
			if o.To != "http://localhost:3001/hooks" || o.Since.Ago.Hours() != 1 || o.Limit != 5 || !o.Pending {
				return "options not parsed"
			}
			return ""
		}},
		{args: []string{"abc", "def", "--force", "--retry-schedule", "0s,1s"}, check: func(o *Options) string {
			if len(o.IDs) != 2 || !o.Force || o.Retry.Schedule != "0s,1s" {
				return "options not parsed"
			}
			return ""
		}},
		{args: []string{"abc", "--to", "ftp://x"}, err: "invalid --to"},
		{args: []string{"abc", "--concurrency", "0"}, err: "invalid --concurrency"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			ios, _, _, _ := ui.Test()
			ios.SetTTY(tt.tty, tt.tty, tt.tty)
			var got *Options
			c := newCmd(&cli.Factory{IOStreams: ios}, func(o *Options) error { got = o; return nil })
			c.SetArgs(tt.args)
			c.SilenceErrors, c.SilenceUsage = true, true
			err := c.Execute()
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("error = %v, want %q", err, tt.err)
				}
				var ee *cli.ExitError
				if e, ok := err.(*cli.ExitError); ok {
					ee = e
				}
				if ee == nil || ee.Code != cli.ExitUsage {
					t.Errorf("want a usage error (exit 2), got %#v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if msg := tt.check(got); msg != "" {
				t.Error(msg)
			}
		})
	}
}
