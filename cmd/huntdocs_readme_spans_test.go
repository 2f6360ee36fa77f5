package cmd

import (
	"os"
	"regexp"
	"strings"
	"testing"
)

var spanPlaceholder = regexp.MustCompile(`^([A-Z][A-Z_0-9]*|X|<.*>|\[.*\])$|…`)

// readmeSpans returns README.md's inline code spans (outside code blocks)
// that read as a hookctl command line: `hookctl …`, or a command's name
// followed by more (`replay --failed --subscription ID`, `deliveries
// list --status failed`).
func readmeSpans(t *testing.T, top map[string]bool) []string {
	t.Helper()
	b, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	inBlock := false
	span := regexp.MustCompile("`([^`\n]+)`")
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(strings.TrimSpace(line), "```") {
			inBlock = !inBlock
			continue
		}
		if inBlock {
			continue
		}
		for _, m := range span.FindAllStringSubmatch(line, -1) {
			s := strings.TrimSpace(m[1])
			s = strings.TrimPrefix(s, "sudo ")
			if !strings.HasPrefix(s, "hookctl ") {
				f := strings.Fields(s)
				if len(f) < 2 || !top[f[0]] || !(strings.HasPrefix(f[1], "-") || !strings.ContainsAny(f[1], ".:/")) {
					continue
				}
				s = "hookctl " + s
			}
			out = append(out, s)
		}
	}
	return out
}

// TestHuntdocsReadmeSpansParse: every command README.md's prose names in
// an inline code span (`hookctl listen --ui [ADDR]`, `replay --failed
// --subscription ID`, `deliveries list --since/--until`) is a real
// command with only flags it has, as TestReadmeCommandsParse holds the
// code blocks' lines to: a renamed or removed flag cannot stay in the
// prose that explains it.
func TestHuntdocsReadmeSpansParse(t *testing.T) {
	top := map[string]bool{}
	for _, c := range newTestRoot().Commands() {
		top[c.Name()] = true
	}
	spans := readmeSpans(t, top)
	for _, s := range spans {
		w := words(s)
		var keep []string
		for _, x := range w {
			if strings.Contains(x, "…") {
				x = "X"
			}
			// --since/--until: two flags named at once.
			if strings.HasPrefix(x, "--") && strings.Contains(x, "/--") {
				keep = append(keep, strings.Split(x, "/")...)
				continue
			}
			keep = append(keep, x)
		}
		found, rest, err := newTestRoot().Find(keep[1:])
		if err != nil {
			t.Errorf("README `%s`: %v", s, err)
			continue
		}
		// A flag named without its value (`trigger --count`,
		// `--since/--until`) is named, not run: the name must be the
		// command's. A value shown is checked unless it is a
		// placeholder (ID, URL, X).
		for k := 0; k < len(rest); k++ {
			a := rest[k]
			if !strings.HasPrefix(a, "-") || a == "-" || a == "--" {
				continue
			}
			name, val, hasVal := strings.Cut(strings.TrimLeft(a, "-"), "=")
			f := found.Flags().Lookup(name)
			if f == nil {
				f = found.InheritedFlags().Lookup(name)
			}
			if f == nil && !strings.HasPrefix(a, "--") && len(name) == 1 {
				if f = found.Flags().ShorthandLookup(name); f == nil {
					f = found.InheritedFlags().ShorthandLookup(name)
				}
			}
			if f == nil {
				t.Errorf("README `%s`: %s has no flag %s", s, found.CommandPath(), a)
				continue
			}
			if !hasVal && f.NoOptDefVal == "" && k+1 < len(rest) && !strings.HasPrefix(rest[k+1], "-") {
				val, hasVal = rest[k+1], true
				k++
			}
			if hasVal && !spanPlaceholder.MatchString(val) {
				if err := f.Value.Set(val); err != nil {
					t.Errorf("README `%s`: %s %s: %v", s, a, val, err)
				}
			}
		}
	}
	if len(spans) < 150 {
		t.Errorf("found only %d command spans in README.md", len(spans))
	}
}
