//go:build !windows

package main

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// TestClipolishEveryUsagefHinted: every cli.Usagef in cmd/ and internal/
// says how to fix what it refuses: its result is given a .Hint in the
// same expression, or is assigned to a variable the function gives a
// .Hint. 59 did not (an invalid --concurrency, --port, --timeout, two
// flags given together, an unreadable --secret-file …) and ended with
// only the root's generic "run 'hookctl … --help' for usage". A new one
// without a hint fails here, naming its file and line.
func TestClipolishEveryUsagefHinted(t *testing.T) {
	t.Parallel()
	fset := token.NewFileSet()
	calls := 0
	var bare []string
	for _, top := range []string{"cmd", "internal"} {
		err := filepath.WalkDir(top, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() && d.Name() == "testdata" {
				return filepath.SkipDir
			}
			if d.IsDir() || !strings.HasSuffix(p, ".go") || strings.HasSuffix(p, "_test.go") {
				return nil
			}
			f, err := parser.ParseFile(fset, p, nil, 0)
			if err != nil {
				return err
			}
			for _, decl := range f.Decls {
				if fd, ok := decl.(*ast.FuncDecl); ok && fd.Body != nil {
					n, unhinted := clipolishUnhintedUsagef(fset, fd.Body)
					calls += n
					bare = append(bare, unhinted...)
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if calls < 100 {
		t.Fatalf("only %d Usagef calls found: is the walk reading the tree?", calls)
	}
	t.Logf("%d Usagef calls", calls)
	for _, b := range bare {
		t.Errorf("%s: a usage error without a hint (only the generic 'run … --help' would follow it): add .Hint(what a valid value looks like, or which command lists them)", b)
	}
}

// clipolishUnhintedUsagef returns the number of Usagef calls in body and
// the positions of those given no hint.
func clipolishUnhintedUsagef(fset *token.FileSet, body *ast.BlockStmt) (int, []string) {
	parent := map[ast.Node]ast.Node{}
	var stack []ast.Node
	hintedVars := map[string]bool{}
	ast.Inspect(body, func(x ast.Node) bool {
		if x == nil {
			stack = stack[:len(stack)-1]
			return false
		}
		if len(stack) > 0 {
			parent[x] = stack[len(stack)-1]
		}
		stack = append(stack, x)
		if c, ok := x.(*ast.CallExpr); ok {
			if s, ok := c.Fun.(*ast.SelectorExpr); ok && s.Sel.Name == "Hint" {
				if id, ok := s.X.(*ast.Ident); ok {
					hintedVars[id.Name] = true
				}
			}
		}
		return true
	})
	n := 0
	var out []string
	ast.Inspect(body, func(x ast.Node) bool {
		c, ok := x.(*ast.CallExpr)
		if !ok || !clipolishIsUsagef(c) {
			return true
		}
		n++
		// Up the method chain: Usagef(…).Suggest(…).Hint(…)
		var cur ast.Node = c
		hinted := false
		for {
			sel, ok := parent[cur].(*ast.SelectorExpr)
			if !ok || sel.X != cur {
				break
			}
			if sel.Sel.Name == "Hint" {
				hinted = true
			}
			cur = parent[sel]
		}
		if as, ok := parent[cur].(*ast.AssignStmt); ok && !hinted {
			for _, l := range as.Lhs {
				if id, ok := l.(*ast.Ident); ok && hintedVars[id.Name] {
					hinted = true
				}
			}
		}
		if !hinted {
			out = append(out, fset.Position(c.Pos()).String())
		}
		return true
	})
	return n, out
}

func clipolishIsUsagef(c *ast.CallExpr) bool {
	switch f := c.Fun.(type) {
	case *ast.SelectorExpr:
		id, ok := f.X.(*ast.Ident)
		return ok && id.Name == "cli" && f.Sel.Name == "Usagef"
	case *ast.Ident:
		return f.Name == "Usagef"
	}
	return false
}

// TestClipolishUsageHintsSpecific: through the real binary, usage errors
// that had only the generic hint now say what a valid value looks like
// (text and -o json). The generic "run 'hookctl … --help' for usage" may
// follow a specific hint, never stand alone; a missing or extra argument
// gives the command's usage line and an example.
func TestClipolishUsageHintsSpecific(t *testing.T) {
	t.Parallel()
	e := newClierrEnv(t)
	secrets := filepath.Join(e.dir, "two-secrets")
	if err := os.WriteFile(secrets, []byte("whsec_YWJj\nwhsec_ZGVm\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		args      []string
		err, hint string
		ownDoc    bool // -o json prints the command's own document (store import's report, verify's verdict)
	}{
		{[]string{"trigger", "card.created", "--count", "0"}, "invalid --count 0", "e.g. --count 100", false},
		{[]string{"trigger", "card.created", "--concurrency", "0"}, "invalid --concurrency 0", "e.g. --concurrency 8", false},
		{[]string{"trigger", "card.created", "--url", "http://127.0.0.1:1/", "--subscription", "x"}, "--url and --subscription cannot be used together", "keep one of them", false},
		{[]string{"trigger", "card.created", "--secret", "whsec_YWJj"}, "--secret needs --url", "add --url URL", false},
		{[]string{"trigger", "card.created", "--wait", "-1s"}, "invalid --wait", "e.g. --wait 30s", false},
		{[]string{"worker", "--poll", "0s"}, "invalid --poll 0s", "e.g. --poll 200ms", false},
		{[]string{"worker", "--store-wait", "-1s"}, "invalid --store-wait", "e.g. --store-wait 1m", false},
		{[]string{"listen", "--port", "99999"}, "invalid --port 99999", "e.g. --port 8787", false},
		{[]string{"listen", "--header", "nocolon"}, `invalid --header "nocolon"`, "e.g. --header 'Authorization: Bearer t0k3n'", false},
		{[]string{"serve", "--port", "-1"}, "invalid --port -1", "e.g. --port 8788", false},
		{[]string{"serve", "--api-key-file", secrets}, "holds 2 keys", "leave one key in", false},
		{[]string{"replay", "--failed", "--pending"}, "--failed and --pending cannot be used together", "hookctl replay --failed, then hookctl replay --pending", false},
		{[]string{"replay", "abc", "--event", "card.*"}, "filter a bulk replay", "hookctl replay --failed --event", false},
		{[]string{"replay", "--failed", "--timeout", "0s"}, "invalid --timeout", "e.g. --timeout 10s", false},
		{[]string{"deliveries", "list", "--status", "zzzz"}, `invalid --status "zzzz"`, "leave --status out", false},
		{[]string{"deliveries", "show", "abc", "--body", "--curl"}, "cannot be used together", "give one of --body, --response and --curl", false},
		{[]string{"deliveries", "show", "abc", "--curl", "--attempt", "0"}, "invalid --attempt 0", "e.g. --attempt 1", false},
		{[]string{"deliveries", "tail", "--lines", "5000"}, "--lines must be between 0 and 1000", "e.g. --lines 10", false},
		{[]string{"deliveries", "tail", "--interval", "1ms"}, "--interval must be at least", "e.g. --interval 250ms", false},
		{[]string{"subscriptions", "list", "--status", "zzzz"}, `invalid --status "zzzz"`, "leave --status out", false},
		{[]string{"subscriptions", "rotate-secret", "abc", "--grace", "-1h"}, "invalid --grace", "e.g. --grace 24h", false},
		{[]string{"sign", "--secret", "whsec_YWJj", "--format", "xml"}, `invalid --format "xml"`, "e.g. --format curl", false},
		{[]string{"sign", "--secret", "whsec_YWJj", "--timestamp", "yesterday"}, "--timestamp", "e.g. --timestamp 1700000000", false},
		{[]string{"sign", "--secret", "whsec_YWJj", "--secret-file", secrets}, "not both", "keep one of them", false},
		{[]string{"check", "http://127.0.0.1:1/", "--secret", "whsec_YWJj", "--burst", "0"}, "invalid --burst 0", "e.g. --burst 50", false},
		{[]string{"check", "http://127.0.0.1:1/", "--secret", "whsec_YWJj", "--deadline", "0s"}, "invalid --deadline", "e.g. --deadline 5s", false},
		{[]string{"check", "http://127.0.0.1:1/", "--subscription", "abc", "--secret", "whsec_YWJj"}, "--subscription cannot be used with --secret", "drop --secret and --scheme", false},
		{[]string{"store", "import", filepath.Join(e.dir, "nope.jsonl")}, "cannot read", "give the file hookctl store export wrote", true},
		{[]string{"store", "import", "-", "--batch-size", "0"}, "invalid --batch-size 0", "e.g. --batch-size 1000", true},
		{[]string{"verify", "--secret", "whsec_YWJj", "--header-file", filepath.Join(e.dir, "nope")}, "reading --header-file", `give the file "hookctl sign" wrote`, true},
		// Usage errors not made by Usagef.
		{[]string{"ui", "--addr", "127.0.0.1:nope"}, "invalid --addr", "e.g. --addr 127.0.0.1:4040", false},
		{[]string{"listen", "--ui=127.0.0.1:nope"}, "invalid --ui", "give host:port, e.g. --ui=127.0.0.1:5050", false},
		{[]string{"trigger", "card.created", "--url", "ftp://x"}, "invalid --url", "e.g. --url http://localhost:3000/webhooks", false},
		{[]string{"replay", "abc", "--to", "ftp://x"}, "invalid --to", "e.g. --to http://localhost:3000/webhooks", false},
		{[]string{"check", "ftp://x", "--secret", "whsec_YWJj"}, `invalid URL "ftp://x"`, "e.g. hookctl check http://localhost:3000/webhooks", false},
		{[]string{"trigger", "card.created", "--retry-schedule", "x"}, "in retry schedule", "e.g. --retry-schedule 0s,5s,5m,30m,2h", false},
		{[]string{"serve", "--retry-profile", "zzzz"}, `unknown retry profile "zzzz"`, "e.g. --retry-schedule 0s,5s,5m,30m,2h", false},
		// Arguments: the usage line and an example, not only --help.
		{[]string{"trigger"}, "hookctl trigger takes 1 argument (<event-type>), got none", "usage: hookctl trigger <event-type>", false},
		{[]string{"deliveries", "show"}, "hookctl deliveries show takes 1 argument (<delivery-id>), got none", "e.g. hookctl deliveries show ", false},
		{[]string{"version", "extra"}, `hookctl version takes no arguments, got "extra"`, "usage: hookctl version", false},
	} {
		what := "hookctl " + strings.Join(tc.args, " ")
		r := e.run(nil, tc.args...)
		wantHumanError(t, what, r, tc.err)
		var hints []string
		for _, l := range strings.Split(r.stderr, "\n") {
			if h, ok := strings.CutPrefix(l, "hookctl: hint: "); ok {
				hints = append(hints, h)
			}
		}
		if len(hints) == 0 || clipolishGeneric.MatchString(hints[0]) {
			t.Errorf("%s: only the generic hint (or none) first: %q", what, hints)
		}
		if !slices.ContainsFunc(hints, func(h string) bool { return strings.Contains(h, tc.hint) }) {
			t.Errorf("%s: no hint saying %q:\n%s", what, tc.hint, r.stderr)
		}
		if tc.ownDoc {
			continue
		}
		j := e.run(nil, append(tc.args, "-o", "json")...)
		wantJSONError(t, what+" -o json", j, tc.err)
		if !strings.Contains(j.stdout, tc.hint) {
			t.Errorf("%s -o json: the document's hints do not say %q:\n%s", what, tc.hint, j.stdout)
		}
	}
}

// clipolishGeneric is the hint every usage error had at least.
var clipolishGeneric = regexp.MustCompile(`^run "hookctl[^"]*--help" for (usage|the commands)$`)

// clipolishHasSpecificHint reports whether stderr has a hint line other
// than the generic one.
func clipolishHasSpecificHint(stderr string) bool {
	for _, l := range strings.Split(stderr, "\n") {
		if h, ok := strings.CutPrefix(l, "hookctl: hint: "); ok && !clipolishGeneric.MatchString(h) {
			return true
		}
	}
	return false
}
