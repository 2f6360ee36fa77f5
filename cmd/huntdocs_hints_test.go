package cmd

import (
	"errors"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/spf13/pflag"
)

// messageCommand is one hookctl command line a message of the source
// names: a hint, a note, a warning, a --help text, a flag's usage.
type messageCommand struct {
	pos  string // file:line of the string
	text string // the string (format verbs and operands shown as X)
	line string // the command, as cut from it
}

// messageCommands returns every `hookctl SUBCOMMAND …` the non-test Go
// sources of cmd/ and internal/ put in a string a user reads. A string
// built with + counts as one, its operands that are not literals read
// as X, as are format verbs (%s, %d, %q): what a hint prints around a
// value its caller fills in. The command is cut where the prose goes on
// (a closing quote, a bracket, a comma, a full stop) or at a shell
// operator.
func messageCommands(t *testing.T, top map[string]bool) []messageCommand {
	t.Helper()
	var out []messageCommand
	fset := token.NewFileSet()
	verb := regexp.MustCompile(`%[-+# 0-9.]*[sdqvx]`)
	for _, root := range []string{".", "../internal"} {
		err := filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() && d.Name() == "testdata" {
				return filepath.SkipDir
			}
			if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
				return nil
			}
			f, err := parser.ParseFile(fset, path, nil, 0)
			if err != nil {
				return err
			}
			done := map[ast.Node]bool{}
			ast.Inspect(f, func(n ast.Node) bool {
				if n == nil || done[n] {
					return false
				}
				var s string
				switch e := n.(type) {
				case *ast.BinaryExpr:
					if e.Op != token.ADD {
						return true
					}
					var ok bool
					s, ok = concat(e, done)
					if !ok {
						return true
					}
				case *ast.BasicLit:
					if e.Kind != token.STRING {
						return true
					}
					s, _ = strconv.Unquote(e.Value)
				default:
					return true
				}
				s = verb.ReplaceAllString(s, "X")
				for _, line := range cutCommands(s, top) {
					out = append(out, messageCommand{pos: fset.Position(n.Pos()).String(), text: s, line: line})
				}
				return false
			})
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	return out
}

// concat flattens a + chain holding at least one string literal; its
// other operands read as X.
func concat(e ast.Expr, done map[ast.Node]bool) (string, bool) {
	switch e := e.(type) {
	case *ast.BinaryExpr:
		if e.Op != token.ADD {
			return "X", false
		}
		done[e] = true
		l, lok := concat(e.X, done)
		r, rok := concat(e.Y, done)
		return l + r, lok || rok
	case *ast.BasicLit:
		done[e] = true
		if e.Kind != token.STRING {
			return "X", false
		}
		s, _ := strconv.Unquote(e.Value)
		return s, true
	case *ast.ParenExpr:
		return concat(e.X, done)
	}
	return "X", false
}

var proseStop = regexp.MustCompile(`^[(\[]|\.\.\.$`)

// cutCommands cuts every `hookctl SUB …` out of a message.
func cutCommands(s string, top map[string]bool) []string {
	var out []string
	// Lines apart, continuation lines joined.
	s = strings.ReplaceAll(s, "\\\n", " ")
	for i := strings.Index(s, "hookctl "); i >= 0; {
		rest := s[i:]
		// Quoted ("hookctl events list", `hookctl …`, 'hookctl …'): up to
		// the closing quote.
		if i > 0 && strings.ContainsRune("\"`'", rune(s[i-1])) {
			if j := strings.IndexByte(rest, s[i-1]); j >= 0 {
				rest = rest[:j]
			}
		}
		rest, _, _ = strings.Cut(rest, "\n")
		var line []string
		for n, w := range words(rest) {
			if strings.Contains(w, "…") {
				w = "X" // a placeholder: hookctl sign …, --add-events NAME,…
			}
			if n > 0 && proseStop.MatchString(w) {
				break
			}
			trimmed := strings.TrimRight(w, ",.:;)]")
			if trimmed != "" {
				line = append(line, trimmed)
			}
			if trimmed != w || (n == 1 && !top[w]) {
				break
			}
		}
		if len(line) > 1 && top[line[1]] {
			out = append(out, strings.Join(quoteWords(line), " "))
		}
		j := strings.Index(s[i+1:], "hookctl ")
		if j < 0 {
			break
		}
		i += 1 + j
	}
	return out
}

func quoteWords(w []string) []string {
	out := make([]string, len(w))
	for i, s := range w {
		if strings.ContainsAny(s, " *'<>|;&#") {
			s = "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
		}
		out[i] = s
	}
	return out
}

// TestHuntdocsMessageCommandsParse: every hookctl command a message of the
// source names — a hint after an error ("subscribe an endpoint: hookctl
// subscribe --url … --events …"), a note, a warning, a --help text, a
// flag's usage — is a real invocation: the command exists and every flag
// it shows parses (with the value it shows, where that is no placeholder
// a caller fills in), as TestExamplesAreRealInvocations holds the
// Example lines and TestReadmeCommandsParse README's to. A hint that
// points a user at a flag the command does not have fails here.
func TestHuntdocsMessageCommandsParse(t *testing.T) {
	top := map[string]bool{}
	for _, c := range newTestRoot().Commands() {
		top[c.Name()] = true
		for _, a := range c.Aliases {
			top[a] = true
		}
	}
	cmds := messageCommands(t, top)
	if len(cmds) < 100 {
		t.Fatalf("found only %d hookctl commands in the sources' messages", len(cmds))
	}
	for _, mc := range cmds {
		w := words(mc.line)
		found, rest, err := newTestRoot().Find(w[1:])
		if err != nil {
			t.Errorf("%s: %q names %q: %v", mc.pos, mc.text, mc.line, err)
			continue
		}
		// A flag whose value is a placeholder (X) is checked for its name
		// only: the caller fills in a value of the flag's type.
		var args []string
		for k := 0; k < len(rest); k++ {
			a := rest[k]
			if !strings.HasPrefix(a, "-") || a == "-" {
				args = append(args, a)
				continue
			}
			if strings.Contains(a, "X") && strings.HasPrefix(a, "--X") {
				continue // --%s: the flag's name is the caller's
			}
			name, val, hasVal := strings.Cut(strings.TrimLeft(a, "-"), "=")
			var f = found.Flags().Lookup(name)
			if !strings.HasPrefix(a, "--") && len(name) == 1 {
				f = found.Flags().ShorthandLookup(name)
			}
			if f == nil {
				args = append(args, a) // ParseFlags reports it
				continue
			}
			if f.NoOptDefVal == "" && !hasVal && k+1 < len(rest) {
				val = rest[k+1]
				if val == "X" || strings.HasPrefix(val, "<") || strings.HasSuffix(val, "X") {
					k++
					continue
				}
				args = append(args, a, val)
				k++
				continue
			}
			if hasVal && val == "X" {
				continue
			}
			args = append(args, a)
		}
		if err := found.ParseFlags(args); err != nil && !errors.Is(err, pflag.ErrHelp) {
			t.Errorf("%s: %q names %q: %v", mc.pos, mc.text, mc.line, err)
		}
	}
}
