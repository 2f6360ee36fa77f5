package man_test

import (
	"strings"
	"testing"
)

// TestRelauditManPageTitles: every page's title (.TH, the header and footer
// `man` shows) names its own command: hookctl-trigger.1 is
// HOOKCTL-TRIGGER(1). Every page was titled HOOKCTL(1), the root's, so
// `man hookctl-trigger` read HOOKCTL(1) at its top and bottom.
func TestRelauditManPageTitles(t *testing.T) {
	tmp := t.TempDir()
	generate(t, tmp)
	fresh := pages(t, tmp)
	if len(fresh) < 10 {
		t.Fatalf("only %d pages generated", len(fresh))
	}
	for name, b := range fresh {
		cmd := strings.TrimSuffix(name, ".1")
		want := `.TH "` + strings.ToUpper(cmd) + `" "1" `
		var th string
		for _, line := range strings.Split(string(b), "\n") {
			if strings.HasPrefix(line, ".TH ") {
				th = line
				break
			}
		}
		if !strings.HasPrefix(th, want) {
			t.Errorf("%s: title line %q, want it to start %q", name, th, want)
		}
	}
}
