//go:build !windows

package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// minorsReplayDump: two failed deliveries and two succeeded ones, the
// succeeded newer and first by id; a URL long enough for one candidate
// a row in a menu 200 columns wide (fish lays them out in columns), and
// each its own (zsh shows candidates of one description together on one
// row, in an order of its own).
var minorsReplayDump = func() string {
	var b strings.Builder
	b.WriteString(`{"subscription":{"ID":"2c01e681-cd51-4f5e-920e-c345372e7371","CallbackURL":"http://127.0.0.1:9/h","Events":["card.*"],"Status":"enabled","Secret":"whsec_ZM5U4rtOp4/hfKrCFE1CyVfGJU2vYPh/0kItRwFx5r8=","Scheme":"auto","CreatedAt":"2020-01-02T03:04:05Z","UpdatedAt":"2020-01-02T03:04:05Z"}}` + "\n")
	b.WriteString(`{"event":{"ID":"evt_1","Type":"card.created","Provider":"bond","Payload":"e30=","ContentType":"application/json","Source":"triggered","CreatedAt":"2020-01-02T03:04:05Z"}}` + "\n")
	for _, d := range []struct{ id, status, at string }{
		{"9", "failed", "03:01"}, {"8", "failed", "03:05"}, {"2", "succeeded", "03:08"}, {"1", "succeeded", "03:09"},
	} {
		fmt.Fprintf(&b, `{"delivery":{"ID":"0a1b2c3d-0000-4000-8000-00000000000%s","EventID":"evt_1","SubscriptionID":"2c01e681-cd51-4f5e-920e-c345372e7371","URL":"http://127.0.0.1:9/`+strings.Repeat("long/", 16)+`h%s","Status":"%s","AttemptCount":1,"MaxAttempts":1,"Schedule":"0s","CreatedAt":"2020-01-02T%s:00Z","UpdatedAt":"2020-01-02T%s:00Z"}}`+"\n", d.id, d.id, d.status, d.at, d.at)
	}
	return b.String()
}()

// replay <TAB> offers the failed deliveries first (what one replays),
// newest first, then the others, newest first, in that order in each
// shell's menu: the shells sorted the ids, so a succeeded delivery came
// first (here 0001 and 0002, both succeeded and newer than the failed
// 0008 and 0009).
func TestMinorsReplayCompletesFailedFirst(t *testing.T) {
	t.Parallel()
	for _, shell := range []string{"bash", "zsh", "fish"} {
		t.Run(shell, func(t *testing.T) {
			e := newPTYEnv(t)
			dump := filepath.Join(e.dir, "dump.jsonl")
			if err := os.WriteFile(dump, []byte(minorsReplayDump), 0o600); err != nil {
				t.Fatal(err)
			}
			e.plain("store", "import", dump)
			bin := filepath.Join(e.dir, "bin")
			if err := os.Mkdir(bin, 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.Symlink(hookctlBinary(t), filepath.Join(bin, "hookctl")); err != nil {
				t.Fatal(err)
			}
			script, err := filepath.Abs(filepath.Join("completions", map[string]string{"bash": "hookctl.bash", "zsh": "hookctl.zsh", "fish": "hookctl.fish"}[shell]))
			if err != nil {
				t.Fatal(err)
			}
			setup := map[string]string{
				"bash": "source " + bashCompletion + "; source " + script,
				"zsh":  "autoload -U compinit; compinit -u; source " + script,
				"fish": "source " + script,
			}[shell]
			s := startShell(t, e, bin, shell, setup)
			tab := "\t"
			if shell == "bash" {
				tab = "\t\t"
			}
			start := len(s.out.String())
			// The ids' common start typed: TAB lists them at once.
			s.send("hookctl replay 0a1b2c3d-0000-4000-8000-00000000000" + tab)
			ids := []string{"8", "9", "1", "2"} // the menu's order
			for i := range ids {
				ids[i] = "000000000" + ids[i] // fish shows …0000000008
			}
			s.expectAll(ids...)
			menu := screenText(s.out.String()[start:])
			last := -1
			for _, id := range ids {
				i := strings.Index(menu, id)
				if i < last {
					t.Errorf("%s: replay <TAB> lists %s out of order (want %q: failed first, each newest first):\n%s", shell, id, ids, menu)
				}
				last = i
			}
		})
	}
}
