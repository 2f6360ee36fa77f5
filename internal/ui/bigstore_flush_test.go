package ui

import "testing"

// TestTableFlushPages: a table written a page at a time (Flush) is, piped,
// the same bytes as one Render; on a terminal the header comes once and a
// column never narrows from one page to the next.
func TestTableFlushPages(t *testing.T) {
	pages := [][][]string{
		{{"abcdef", "off", "http://y"}, {"a", "enabled", "http://x"}},
		{{"b", "on", "http://z"}},
		{{"c", "enabled", "http://longer.example/"}},
	}
	for _, tty := range []bool{false, true} {
		ios, _, whole, _ := Test()
		ios.SetTTY(true, tty, true)
		ios.DecideColor(true)
		tb := NewTable(ios, "ID", "STATUS", "URL")
		for _, p := range pages {
			for _, r := range p {
				tb.AddRow(r...)
			}
		}
		if err := tb.Render(); err != nil {
			t.Fatal(err)
		}
		ios2, _, paged, _ := Test()
		ios2.SetTTY(true, tty, true)
		ios2.DecideColor(true)
		tb = NewTable(ios2, "ID", "STATUS", "URL")
		for _, p := range pages {
			for _, r := range p {
				tb.AddRow(r...)
			}
			if err := tb.Flush(); err != nil {
				t.Fatal(err)
			}
		}
		if !tty {
			if paged.String() != whole.String() {
				t.Fatalf("piped pages = %q, want one Render's %q", paged.String(), whole.String())
			}
			continue
		}
		want := "ID      STATUS   URL\n" +
			"abcdef  off      http://y\n" +
			"a       enabled  http://x\n" +
			"b       on       http://z\n" + // widths of the page before
			"c       enabled  http://longer.example/\n"
		if paged.String() != want {
			t.Fatalf("terminal pages =\n%s\nwant\n%s", paged.String(), want)
		}
	}
}
