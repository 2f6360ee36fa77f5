package deliveries

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/cli"
	"github.com/hookctl/hookctl/internal/ui"
)

// TestTailFlags: argv → Options, and every refusal (exit 2) with what it
// says.
func TestTailFlags(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want TailOptions
		err  string
	}{
		{args: nil, want: TailOptions{Lines: 10, Interval: 250 * time.Millisecond}},
		{args: []string{"-n", "0", "--interval", "1s", "--timeout", "30s", "--status", "failed", "--event", "card.*", "--source", "triggered", "--subscription", "8d1c"},
			want: TailOptions{Lines: 0, Interval: time.Second, Timeout: 30 * time.Second, Status: "failed", EventPattern: "card.*", Source: "sent", Subscription: "8d1c"}},
		{args: []string{"--lines", "1000"}, want: TailOptions{Lines: 1000, Interval: 250 * time.Millisecond}},
		{args: []string{"--lines", "1001"}, err: "--lines must be between 0 and 1000"},
		{args: []string{"--lines", "-1"}, err: "--lines must be between 0 and 1000"},
		{args: []string{"--interval", "1ms"}, err: "--interval must be at least 10ms"},
		{args: []string{"--timeout", "-1s"}, err: "--timeout must not be negative"},
		{args: []string{"--status", "faild"}, err: `invalid --status "faild"`},
		{args: []string{"--source", "cheque"}, err: `invalid --source "cheque"`},
		{args: []string{"--subscription", ""}, err: "--subscription"},
		{args: []string{"extra"}, err: "unknown command"},
	} {
		ios, _, _, _ := ui.Test()
		f := &cli.Factory{IOStreams: ios}
		var got *TailOptions
		c := newTailCmd(f, func(o *TailOptions) error { got = o; return nil })
		c.SetArgs(tc.args)
		c.SetOut(ios.ErrOut)
		c.SetErr(ios.ErrOut)
		err := c.Execute()
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%v: %v, want an error with %q", tc.args, err, tc.err)
			} else if ee := (*cli.ExitError)(nil); errors.As(err, &ee) && ee.Code != cli.ExitUsage {
				t.Errorf("%v: exit %d, want %d", tc.args, ee.Code, cli.ExitUsage)
			}
			continue
		}
		if err != nil {
			t.Errorf("%v: %v", tc.args, err)
			continue
		}
		w := tc.want
		if got.Lines != w.Lines || got.Interval != w.Interval || got.Timeout != w.Timeout || got.Status != w.Status ||
			got.EventPattern != w.EventPattern || got.Source != w.Source || got.Subscription != w.Subscription {
			t.Errorf("%v: %+v, want %+v", tc.args, *got, w)
		}
	}
}
