package cmd

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// readmeCommands returns every hookctl command line of README.md's shell
// and console blocks: continuation lines joined, prompts dropped, and each
// pipeline split so that `… | hookctl sign …` and `$(hookctl …)` count.
func readmeCommands(t *testing.T) []string {
	t.Helper()
	b, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	var cmds []string
	inBlock := false
	var pending string
	subst := regexp.MustCompile(`\$\((hookctl [^)]*)\)`)
	for _, line := range strings.Split(string(b), "\n") {
		trimmed := strings.TrimSpace(line)
		if strings.HasPrefix(trimmed, "```") {
			lang := strings.TrimPrefix(trimmed, "```")
			inBlock = !inBlock && (lang == "sh" || lang == "console" || lang == "yaml")
			pending = ""
			continue
		}
		if !inBlock {
			continue
		}
		if strings.HasSuffix(trimmed, `\`) {
			pending += strings.TrimSuffix(trimmed, `\`) + " "
			continue
		}
		full := pending + trimmed
		pending = ""
		full = strings.TrimPrefix(full, "$ ")
		full = strings.TrimPrefix(full, "run: ")
		full = strings.TrimPrefix(full, "- run: ")
		for _, m := range subst.FindAllStringSubmatch(full, -1) {
			cmds = append(cmds, m[1])
		}
		for _, seg := range regexp.MustCompile(`\|\||&&|\||;`).Split(full, -1) {
			seg = strings.TrimSpace(seg)
			seg = strings.TrimPrefix(seg, "./")
			for _, env := range regexp.MustCompile(`^(\w+=\S+ )+`).FindAllString(seg, 1) {
				seg = strings.TrimPrefix(seg, env)
			}
			if strings.HasPrefix(seg, "hookctl ") || seg == "hookctl" {
				cmds = append(cmds, seg)
			}
		}
	}
	return cmds
}

// TestReadmeCommandsParse: every hookctl command line in README.md names a
// real command and only flags it has (with values they accept where the
// flag parses them), as TestExamplesAreRealInvocations holds --help's
// examples to.
func TestReadmeCommandsParse(t *testing.T) {
	cmds := readmeCommands(t)
	if len(cmds) < 80 {
		t.Fatalf("found only %d hookctl command lines in README.md", len(cmds))
	}
	for _, line := range cmds {
		w := words(line)
		if len(w) == 0 || w[0] != "hookctl" {
			continue
		}
		root := newTestRoot()
		found, rest, err := root.Find(w[1:])
		if err != nil {
			t.Errorf("README: %q: %v", line, err)
			continue
		}
		if err := found.ParseFlags(rest); err != nil {
			t.Errorf("README: %q: %v", line, err)
		}
	}
}

// TestReadmeExitCodes: README's exit-code table lists every exit code
// internal/cli defines (the Exit… constants, read from the source of
// every file of the package — ExitReaderGone lives in pipe.go, not
// beside the others — so a new one cannot go undocumented), and no other.
func TestReadmeExitCodes(t *testing.T) {
	files, err := filepath.Glob("../internal/cli/*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	var decls []ast.Decl
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		decls = append(decls, f.Decls...)
	}
	defined := map[string]string{} // code → constant
	for _, d := range decls {
		gd, ok := d.(*ast.GenDecl)
		if !ok || gd.Tok != token.CONST {
			continue
		}
		for _, sp := range gd.Specs {
			vs := sp.(*ast.ValueSpec)
			for i, n := range vs.Names {
				if lit, ok := vs.Values[i].(*ast.BasicLit); ok && strings.HasPrefix(n.Name, "Exit") {
					defined[lit.Value] = n.Name
				}
			}
		}
	}
	if len(defined) < 5 {
		t.Fatalf("found only %v in internal/cli/errors.go", defined)
	}
	b, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, table, ok := strings.Cut(string(b), "### Exit codes\n")
	if !ok {
		t.Fatal("README has no ### Exit codes section")
	}
	table, _, _ = strings.Cut(table, "\n## ")
	documented := map[string]bool{}
	for _, m := range regexp.MustCompile(`(?m)^\| (\d+) \| (.+) \|$`).FindAllStringSubmatch(table, -1) {
		documented[m[1]] = true
	}
	for code, name := range defined {
		if !documented[code] {
			t.Errorf("exit code %s (cli.%s) is not in README's exit-code table", code, name)
		}
	}
	for code := range documented {
		if defined[code] == "" {
			t.Errorf("README's exit-code table lists %s, which internal/cli does not define", code)
		}
	}
}

// TestHelpExitStatusMatchesReadme: the exit codes trigger's and replay's
// --help list are the ones README's "Exit status of" paragraphs list.
func TestHelpExitStatusMatchesReadme(t *testing.T) {
	b, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"trigger", "replay"} {
		_, para, ok := strings.Cut(string(b), "Exit status of `"+name+"`:")
		if !ok {
			t.Fatalf("README has no exit status of %s", name)
		}
		para, _, _ = strings.Cut(para, "\n\n")
		var readme []string
		for _, m := range regexp.MustCompile(`\*\*(\d+)\*\*`).FindAllStringSubmatch(para, -1) {
			readme = append(readme, m[1])
		}
		c, _, err := newTestRoot().Find([]string{name})
		if err != nil {
			t.Fatal(err)
		}
		_, help, ok := strings.Cut(c.Long, "Exit status:")
		if !ok {
			t.Fatalf("%s --help has no exit status", name)
		}
		var codes []string
		for _, m := range regexp.MustCompile(`(?:^|[ ,(])(\d+) (?:when|for)\b`).FindAllStringSubmatch(strings.ReplaceAll(help, "\n", " "), -1) {
			codes = append(codes, m[1])
		}
		if strings.Join(codes, ",") != strings.Join(readme, ",") {
			t.Errorf("%s: --help lists exit codes %v, README %v", name, codes, readme)
		}
	}
}

// TestReadmeContents: README's table of contents lists every section
// (## and ### headings outside code blocks) in order, nested as they are,
// each linked to GitHub's anchor of its heading; and every #anchor link in
// README names a heading. A section added, renamed or moved without its
// entry fails here.
func TestReadmeContents(t *testing.T) {
	b, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	var want []string
	anchors := map[string]bool{}
	inBlock := false
	heading := regexp.MustCompile(`^(##|###) (.+)$`)
	for _, line := range strings.Split(s, "\n") {
		if strings.HasPrefix(strings.TrimSpace(line), "```") {
			inBlock = !inBlock
			continue
		}
		m := heading.FindStringSubmatch(line)
		if inBlock || m == nil {
			continue
		}
		// GitHub's anchor: lower case, punctuation dropped, spaces to dashes.
		a := strings.ToLower(m[2])
		a = regexp.MustCompile(`[^\p{L}\p{N}_\- ]`).ReplaceAllString(a, "")
		a = strings.ReplaceAll(a, " ", "-")
		if anchors[a] {
			t.Errorf("two headings have the anchor #%s", a)
		}
		anchors[a] = true
		indent := ""
		if m[1] == "###" {
			indent = "  "
		}
		want = append(want, fmt.Sprintf("%s- [%s](#%s)", indent, m[2], a))
	}
	if len(want) < 20 {
		t.Fatalf("found only %d headings in README.md", len(want))
	}
	_, toc, ok := strings.Cut(s, "\n**Contents**\n\n")
	if !ok {
		t.Fatal("README has no **Contents** list")
	}
	toc, _, _ = strings.Cut(toc, "\n\n")
	if got := strings.Split(toc, "\n"); !slices.Equal(got, want) {
		t.Errorf("README's contents:\n%s\nwant (its headings):\n%s", toc, strings.Join(want, "\n"))
	}
	for _, m := range regexp.MustCompile(`\]\(#([^)]+)\)`).FindAllStringSubmatch(s, -1) {
		if !anchors[m[1]] {
			t.Errorf("README links to #%s, which no heading has", m[1])
		}
	}
}

// TestReadmeNamesRealTests: every test README.md names as evidence
// (`TestMultiWorkerSQLite`, or `TestPgbusy*` for a family) is a test
// function of the module, so a renamed or deleted test cannot leave a
// claim pointing at nothing.
func TestReadmeNamesRealTests(t *testing.T) {
	b, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	funcs := map[string]bool{}
	decl := regexp.MustCompile(`(?m)^func (Test[A-Za-z0-9_]*)\(`)
	err = filepath.WalkDir("..", func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == "node_modules" || strings.HasPrefix(d.Name(), ".") && path != "..") {
			return filepath.SkipDir
		}
		if !d.IsDir() && strings.HasSuffix(path, "_test.go") {
			src, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			for _, m := range decl.FindAllStringSubmatch(string(src), -1) {
				funcs[m[1]] = true
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	named := regexp.MustCompile(`\bTest[A-Z][A-Za-z0-9_]*\*?`).FindAllString(string(b), -1)
	if len(named) < 20 {
		t.Fatalf("README names only %d tests", len(named))
	}
	for _, name := range named {
		if prefix, family := strings.CutSuffix(name, "*"); family {
			if !slices.ContainsFunc(slices.Collect(maps.Keys(funcs)), func(f string) bool { return strings.HasPrefix(f, prefix) }) {
				t.Errorf("README names the tests %s: none is a test function", name)
			}
		} else if !funcs[name] {
			t.Errorf("README names %s, which is no test function", name)
		}
	}
}
