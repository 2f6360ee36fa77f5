//go:build linux

package main

import (
	"regexp"
	"strings"
	"testing"
)

// On a terminal, a listing longer than a page (events log and deliveries
// list --limit 0 over 2,500 events, written 1,000 rows at a time) has its
// header once, every row on one line that fits the terminal, and its
// columns aligned with the header on every page (a column may widen at a
// page, never narrow).
func TestBigstoreListsPagedOnATerminal(t *testing.T) {
	e := newPTYEnv(t)
	seedBigstore(t, e.dir+"/hookctl.db", 2500, 2000)
	e.cols = 100
	for _, args := range [][]string{{"events", "log", "--limit", "0"}, {"deliveries", "list", "--limit", "0"}} {
		r := e.pty([]string{"NO_COLOR=1"}, args...)
		if r.code != 0 {
			t.Fatalf("%v: exit %d\n%.2000s", args, r.code, r.out)
		}
		lines := strings.Split(strings.TrimRight(strings.ReplaceAll(r.out, "\r\n", "\n"), "\n"), "\n")
		linesFit(t, lines, int(e.cols))
		if len(lines) != 2501 {
			t.Fatalf("%v: %d lines, want a header and 2,500 rows", args, len(lines))
		}
		header := lines[0]
		if !strings.HasPrefix(header, "ID ") || strings.Count(r.out, header) != 1 {
			t.Fatalf("%v: the header %q is not once, at the top", args, header)
		}
		// Every row's cells start where the header's columns do (or
		// further right, from a page with a wider cell on).
		starts := regexp.MustCompile(`\S+`).FindAllStringIndex(header, -1)
		for i, l := range lines[1:] {
			for _, s := range starts[1:] {
				if s[0] > len(l) || l[s[0]-1] != ' ' {
					t.Fatalf("%v: row %d not aligned under the header:\n%s\n%s", args, i+1, header, l)
				}
			}
		}
	}
}
