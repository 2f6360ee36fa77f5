package check

import (
	"context"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/hookctl/hookctl/internal/check"
	"github.com/hookctl/hookctl/internal/store/sqlite"
	"github.com/hookctl/hookctl/internal/ui"
)

// On a terminal, the "(hookctl deliveries show ID)" of check's hints cut
// each probe's id to 8 characters: two probes whose ids share them were
// named by one ambiguous prefix. They are prefixes unique among the ids
// named now; piped (the hints on stderr), whole as before.
func TestPolish3CheckHintIDsUnique(t *testing.T) {
	rep := &check.Report{RunID: "0a1b2c3d-0000-4000-8000-000000000000", Checks: []check.Result{
		{ID: check.RejectsWrongSecret, Verdict: check.Fail, Hint: "refuse it", DeliveryID: "9f8e7d6c-5b4a-4392-8170-6f5e4d3c2b1a"},
		{ID: check.RejectsTamperedBody, Verdict: check.Fail, Hint: "refuse it too", DeliveryID: "9f8e7d6c-a1b2-4c3d-8e4f-5a6b7c8d9e0f"},
	}}
	// An empty store: the prefixes are unique there (polish5's test in
	// the root package has a store that holds another delivery).
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "hookctl.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	for _, tty := range []bool{true, false} {
		ios, _, out, errOut := ui.Test()
		ios.SetTTY(false, tty, tty)
		if err := render(context.Background(), ios, st, rep); err != nil {
			t.Fatal(err)
		}
		text := out.String() + errOut.String()
		got := regexp.MustCompile(`\(hookctl deliveries show (\S+)\)`).FindAllStringSubmatch(text, -1)
		if len(got) != 2 {
			t.Fatalf("tty %v: want 2 hints naming a delivery:\n%s", tty, text)
		}
		for i, m := range got {
			want := rep.Checks[i].DeliveryID
			other := rep.Checks[1-i].DeliveryID
			if !strings.HasPrefix(want, m[1]) || strings.HasPrefix(other, m[1]) || (!tty && m[1] != want) {
				t.Errorf("tty %v: hint %d names %q: want a prefix of %s only (whole piped)\n%s", tty, i, m[1], want, text)
			}
		}
	}
}
