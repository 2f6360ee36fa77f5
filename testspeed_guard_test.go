package main

import (
	"bufio"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// testGates are the environment variables that keep a test (or its long
// variant) out of plain `go test ./...`. .ci/test sets each of them on
// the `go test -run` lines that run those tests, so CI runs them all.
var testGates = []string{"HOOKCTL_LONG", "HOOKCTL_PG_FAULT", "HOOKCTL_MULTIWORKER"}

// TestEveryGatedTestRunsInCI: every test that reads a gate (os.Getenv of
// HOOKCTL_LONG, HOOKCTL_PG_FAULT or HOOKCTL_MULTIWORKER, itself or through
// helpers of its package such as slowFaultTest and startFaultPG) is named
// by a `go test -run` line of .ci/test that sets that gate to 1 and runs
// its package. A test parked behind a gate that no line of .ci/test names
// would never run anywhere.
func TestEveryGatedTestRunsInCI(t *testing.T) {
	t.Parallel()
	lines := ciRunLines(t, ".ci/test")
	if len(lines) == 0 {
		t.Fatal("no `VAR=1 go test -run '...' PKG` line in .ci/test: the parser no longer reads it")
	}
	gated := gatedTests(t, ".")
	if len(gated["."]["HOOKCTL_LONG"]) == 0 || len(gated["."]["HOOKCTL_PG_FAULT"]) == 0 {
		t.Fatalf("found no gated test in the root package (%v): the scan no longer sees the gates", gated["."])
	}
	var orphans []string
	for pkg, byGate := range gated {
		for gate, tests := range byGate {
			t.Logf("%s=1 %s: %s", gate, pkg, strings.Join(tests, " "))
			for _, name := range tests {
				if !ciRuns(lines, gate, pkg, name) {
					orphans = append(orphans, fmt.Sprintf("%s (package %s) reads %s, and no line of .ci/test runs it with %s=1: add it to that package's `%s=1 go test -run` line", name, pkg, gate, gate, gate))
				}
			}
		}
	}
	sort.Strings(orphans)
	for _, o := range orphans {
		t.Error(o)
	}
}

// ciRunLine is one `VAR=1 ... go test ... -run 'RE' PKG` line of .ci/test.
type ciRunLine struct {
	env map[string]string
	run *regexp.Regexp
	pkg string // "." or "./internal/web"
}

var ciRunRE = regexp.MustCompile(`^\s*((?:[A-Z_]+=\S+\s+)+)go test\s.*-run\s+'([^']+)'\s+(\S+)\s*$`)

func ciRunLines(t *testing.T, path string) []ciRunLine {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var lines []ciRunLine
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		m := ciRunRE.FindStringSubmatch(sc.Text())
		if m == nil {
			continue
		}
		env := map[string]string{}
		for _, kv := range strings.Fields(m[1]) {
			k, v, _ := strings.Cut(kv, "=")
			env[k] = v
		}
		re, err := regexp.Compile(m[2])
		if err != nil {
			t.Fatalf(".ci/test: -run %q: %v", m[2], err)
		}
		lines = append(lines, ciRunLine{env: env, run: re, pkg: strings.TrimSuffix(m[3], "/")})
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return lines
}

func ciRuns(lines []ciRunLine, gate, pkg, test string) bool {
	for _, l := range lines {
		if l.env[gate] == "1" && l.pkg == pkg && l.run.MatchString(test) {
			return true
		}
	}
	return false
}

// gatedTests parses every package's test files under root and returns,
// per package directory ("." or "./internal/web") and gate, the Test
// functions that read the gate, directly or through a function or method
// of their package that does.
func gatedTests(t *testing.T, root string) map[string]map[string][]string {
	t.Helper()
	files := map[string][]*ast.File{}
	fset := token.NewFileSet()
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if n := d.Name(); path != root && (strings.HasPrefix(n, ".") || n == "testdata" || n == "node_modules") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		dir := "./" + filepath.ToSlash(filepath.Dir(path))
		if dir == "./." {
			dir = "."
		}
		files[dir] = append(files[dir], f)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]map[string][]string{}
	for dir, fs := range files {
		if g := gatedInPackage(fs); len(g) > 0 {
			out[dir] = g
		}
	}
	return out
}

// gatedInPackage: the functions of one package (its files, test files
// included) that read a gate directly, then every function that calls one
// of them, to a fixed point; the Test functions among them, by gate.
func gatedInPackage(files []*ast.File) map[string][]string {
	consts := map[string]string{} // package-level string constants
	for _, f := range files {
		for _, d := range f.Decls {
			gd, ok := d.(*ast.GenDecl)
			if !ok || gd.Tok != token.CONST {
				continue
			}
			for _, s := range gd.Specs {
				vs := s.(*ast.ValueSpec)
				for i, n := range vs.Names {
					if i < len(vs.Values) {
						if lit, ok := vs.Values[i].(*ast.BasicLit); ok && lit.Kind == token.STRING {
							consts[n.Name], _ = strconv.Unquote(lit.Value)
						}
					}
				}
			}
		}
	}
	isGate := func(s string) bool {
		for _, g := range testGates {
			if s == g {
				return true
			}
		}
		return false
	}
	// Functions and methods are keyed by name alone: a method and a
	// function of the same name are merged, which can only add tests.
	reads := map[string]map[string]bool{} // func -> gates it reads
	calls := map[string]map[string]bool{} // func -> names it calls
	tests := map[string]bool{}
	for _, f := range files {
		for _, d := range f.Decls {
			fd, ok := d.(*ast.FuncDecl)
			if !ok || fd.Body == nil {
				continue
			}
			name := fd.Name.Name
			if fd.Recv == nil && strings.HasPrefix(name, "Test") && name != "TestMain" {
				tests[name] = true
			}
			if reads[name] == nil {
				reads[name], calls[name] = map[string]bool{}, map[string]bool{}
			}
			ast.Inspect(fd.Body, func(n ast.Node) bool {
				switch n := n.(type) {
				case *ast.CallExpr:
					switch fn := n.Fun.(type) {
					case *ast.Ident:
						calls[name][fn.Name] = true
					case *ast.SelectorExpr:
						if x, ok := fn.X.(*ast.Ident); ok && (x.Name == "os" && (fn.Sel.Name == "Getenv" || fn.Sel.Name == "LookupEnv")) && len(n.Args) == 1 {
							var v string
							switch a := n.Args[0].(type) {
							case *ast.BasicLit:
								v, _ = strconv.Unquote(a.Value)
							case *ast.Ident:
								v = consts[a.Name]
							}
							if isGate(v) {
								reads[name][v] = true
							}
						}
						calls[name][fn.Sel.Name] = true // a method, or a function of another package (ignored: not in reads)
					}
				case *ast.Ident:
					// A function passed as a value (t.Run(name, helper)).
					calls[name][n.Name] = true
				}
				return true
			})
		}
	}
	for changed := true; changed; {
		changed = false
		for fn, callees := range calls {
			for c := range callees {
				if c == fn {
					continue
				}
				for g := range reads[c] {
					if !reads[fn][g] {
						reads[fn][g] = true
						changed = true
					}
				}
			}
		}
	}
	out := map[string][]string{}
	for name := range tests {
		for g := range reads[name] {
			out[g] = append(out[g], name)
		}
	}
	for _, v := range out {
		sort.Strings(v)
	}
	return out
}
