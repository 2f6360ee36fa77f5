package cmd

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/spf13/cobra"
)

// The long help of the deliveries commands (list, show, tail) is wrapped to
// fit an 80-column terminal, as their flags are: a line left unwrapped
// after an edit (tail's, 131 columns) ran off the screen mid-paragraph.
// Tables of other commands (verify's schemes) are wider on purpose.
func TestReviewDeliveriesLongHelpFits80Columns(t *testing.T) {
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		for _, line := range strings.Split(c.Long, "\n") {
			if n := utf8.RuneCountInString(line); n > 80 {
				t.Errorf("%s --help: a line of %d columns:\n%s", c.CommandPath(), n, line)
			}
		}
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	root := newTestRoot()
	c, _, err := root.Find([]string{"deliveries"})
	if err != nil || c == root {
		t.Fatalf("no deliveries command: %v", err)
	}
	walk(c)
}
