//go:build !windows

package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestClipolishEmptyAnyFilters: listen's and subscribe's --provider and
// --scheme given an empty or blank value ("$P" with the variable unset)
// are refused (exit 2) with a hint to leave the flag out for "any" (or
// auto), as clierr refused the other commands' empty filters; before,
// subscribe created a subscription for every provider and listen listened
// for every provider with auto-detection. listen is also given --timeout 0,
// which it refuses after these flags, so that the old binary ends at once
// (with the wrong error) instead of listening.
func TestClipolishEmptyAnyFilters(t *testing.T) {
	e := newClierrEnv(t)
	sub := []string{"subscribe", "--url", "http://127.0.0.1:1/hooks", "--events", "*"}
	lis := []string{"listen", "--port", "0", "--timeout", "0"}
	for _, tc := range []struct {
		args      []string
		err, hint string
	}{
		{append(sub[:len(sub):len(sub)], "--provider", ""), "--provider is empty", "leave out --provider for any provider"},
		{append(sub[:len(sub):len(sub)], "--provider", " "), "--provider is empty", "leave out --provider for any provider"},
		{append(sub[:len(sub):len(sub)], "--scheme", ""), "--scheme is empty", "leave out --scheme for auto"},
		{append(lis[:len(lis):len(lis)], "--provider", ""), "--provider is empty", "leave out --provider for any provider"},
		{append(lis[:len(lis):len(lis)], "--scheme", ""), "--scheme is empty", "leave out --scheme for auto"},
		{append(lis[:len(lis):len(lis)], "--scheme="), "--scheme is empty", "leave out --scheme for auto"},
	} {
		what := "hookctl " + strings.Join(tc.args, " ")
		r := e.run(nil, tc.args...)
		wantHumanError(t, what, r, tc.err)
		if !strings.Contains(r.stderr, "hookctl: hint: "+tc.hint) {
			t.Errorf("%s: no hint saying %q:\n%s", what, tc.hint, r.stderr)
		}
		if !strings.Contains(r.stderr, "hookctl: hint: or give one of: ") {
			t.Errorf("%s: no hint naming the valid values:\n%s", what, r.stderr)
		}
		j := e.run(nil, append(tc.args, "-o", "json")...)
		wantJSONError(t, what+" -o json", j, tc.err)
		if !strings.Contains(j.stdout, tc.hint) {
			t.Errorf("%s -o json: the document's hints do not say %q:\n%s", what, tc.hint, j.stdout)
		}
	}
	if _, err := os.Stat(filepath.Join(e.dir, "hookctl.db")); err == nil {
		if r := e.run(nil, "subscriptions", "list", "-o", "json"); strings.Contains(r.stdout, "127.0.0.1:1/hooks") {
			t.Errorf("a refused subscribe created a subscription:\n%s", r.stdout)
		}
	}
	// Left out, the flags still mean any provider and auto, as --help says.
	r := e.run(nil, append(sub, "-o", "json")...)
	if r.code != 0 || !strings.Contains(r.stdout, `"provider": ""`) || !strings.Contains(r.stdout, `"scheme": "auto"`) {
		t.Errorf("subscribe without --provider/--scheme: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	for _, c := range [][]string{{"listen", "--help"}, {"subscribe", "--help"}} {
		h := e.run(nil, c...)
		if !strings.Contains(h.stdout, "(default any)") {
			t.Errorf("%v: the help no longer says --provider's default is any:\n%s", c, h.stdout)
		}
	}
}
