//go:build !windows

package main

import (
	"strings"
	"testing"
)

// On a terminal of ordinary width, subscriptions list shows 8-character
// ids, as deliveries list does, so the URL and the time keep their room;
// that id is enough for get (which takes a prefix). Piped, the id is
// whole. The 36-character id cut the URLs of this list at 110 columns
// (and a typical list's to "http://…" at 100).
func TestPTYSubscriptionsListShortIDs(t *testing.T) {
	t.Parallel()
	e := left2Env(t)
	e.cols = 110
	r := e.pty([]string{"NO_COLOR=1"}, "subscriptions", "list")
	if r.code != 0 {
		t.Fatalf("exit %d\n%s", r.code, r.out)
	}
	lines := strings.Split(strings.TrimRight(r.out, "\n"), "\n")
	if len(lines) != 3 {
		t.Fatalf("%d lines, want a header and 2 rows:\n%s", len(lines), r.out)
	}
	linesFit(t, lines, 110)
	for _, want := range []struct{ id, url string }{{"2c01e681", "http://127.0.0.1:9/h "}, {"feaa607a", "http://127.0.0.1:9/h2"}} {
		found := false
		for _, l := range lines[1:] {
			if strings.HasPrefix(l, want.id+" ") {
				found = true
				if !strings.Contains(l+" ", want.url) {
					t.Errorf("row %q: the URL %q was cut", l, strings.TrimSpace(want.url))
				}
			}
		}
		if !found {
			t.Errorf("no row starts with the short id %s:\n%s", want.id, r.out)
		}
	}
	if strings.Contains(r.out, "2c01e681-cd51") {
		t.Errorf("the whole id on a terminal:\n%s", r.out)
	}
	if g := e.pty([]string{"NO_COLOR=1"}, "subscriptions", "get", "2c01e681"); g.code != 0 || !strings.Contains(g.out, "2c01e681-cd51-4f5e-920e-c345372e7371") {
		t.Errorf("get by the short id: exit %d\n%s", g.code, g.out)
	}
	if out := e.plain("subscriptions", "list"); !strings.Contains(out, "2c01e681-cd51-4f5e-920e-c345372e7371") {
		t.Errorf("piped, the id is whole:\n%s", out)
	}
}
