//go:build !windows

package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/testutil/syncbuf"
)

// These tests type into real bash, zsh and fish on a pseudo-terminal,
// with the committed scripts of completions/ loaded (or installed as the
// README says) and the freshly built binary on PATH as hookctl, and read
// what the shell then shows. A shell that is not installed skips the test,
// unless HOOKCTL_REQUIRE_SHELLS=1 (CI installs them and sets it).

// bashCompletion is the bash-completion package's loader, which the bash
// script needs (README: "Bash completion needs the bash-completion
// package").
const bashCompletion = "/usr/share/bash-completion/bash_completion"

// shellSession is one interactive shell on a pseudo-terminal.
type shellSession struct {
	t    *testing.T
	name string
	f    *os.File
	out  *syncbuf.Buffer
	mark int // where the output not yet consumed by expect starts
}

// needShell returns the path of shell, skipping the test when it is
// missing (failing it under HOOKCTL_REQUIRE_SHELLS=1).
func needShell(t *testing.T, shell string) string {
	t.Helper()
	p, err := exec.LookPath(shell)
	if err == nil && shell == "bash" {
		if _, err = os.Stat(bashCompletion); err != nil {
			err = fmt.Errorf("the bash-completion package is missing (%s)", bashCompletion)
		}
	}
	if err != nil {
		msg := fmt.Sprintf("SKIPPING %s COMPLETION TEST: %v (apt-get install bash-completion zsh fish)", strings.ToUpper(shell), err)
		if os.Getenv("HOOKCTL_REQUIRE_SHELLS") == "1" {
			t.Fatal(msg + "; HOOKCTL_REQUIRE_SHELLS=1 requires it")
		}
		t.Skip(msg)
	}
	return p
}

// shellEnv is a store with two subscriptions, two events and three
// deliveries (left2Env), and a bin directory with hookctl in it.
func shellEnv(t *testing.T) (*ptyEnv, string) {
	e := left2Env(t)
	bin := filepath.Join(e.dir, "bin")
	if err := os.Mkdir(bin, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(hookctlBinary(t), filepath.Join(bin, "hookctl")); err != nil {
		t.Fatal(err)
	}
	return e, bin
}

// startShell starts shell interactively with no user start-up files, in
// e's isolated home, config and store, with bin first on PATH, and runs
// setup (one line) in it. The prompt is READY followed by a sign.
func startShell(t *testing.T, e *ptyEnv, bin, shell, setup string) *shellSession {
	t.Helper()
	return startShellArgs(t, e, bin, shell, nil, setup)
}

// startShellArgs is startShell with the shell's arguments (nil: those that
// read no start-up file).
func startShellArgs(t *testing.T, e *ptyEnv, bin, shell string, args []string, setup string) *shellSession {
	t.Helper()
	path := needShell(t, shell)
	def := args == nil
	switch shell {
	case "bash":
		if def {
			args = []string{"--norc", "--noprofile", "-i"}
		}
		// 'RE''ADY': the echo of the typed line is not the prompt.
		setup += "; PS1='RE''ADY$ '"
	case "zsh":
		if def {
			args = []string{"-f", "-i"}
		}
		setup += "; PROMPT='RE''ADY%% '"
	case "fish":
		if def {
			args = []string{"--no-config", "-i"}
		}
		setup += "; set -g fish_autosuggestion_enabled 0; function fish_prompt; echo -n 'RE''ADY> '; end"
	}
	c := exec.Command(path, args...)
	c.Dir = e.dir
	c.Env = []string{
		"PATH=" + bin + ":/usr/local/bin:/usr/bin:/bin",
		"HOME=" + e.dir,
		"TERM=xterm-256color",
		"LANG=C.UTF-8",
		"HOOKCTL_CONFIG_DIR=" + filepath.Join(e.dir, "config"),
		"HOOKCTL_STORE=" + filepath.Join(e.dir, "hookctl.db"),
	}
	f, out := e.start(c, 200)
	s := &shellSession{t: t, name: shell, f: f, out: out}
	t.Cleanup(func() {
		f.Close()
		if c.Process != nil {
			c.Process.Kill()
		}
		c.Wait()
	})
	s.send(setup + "\n")
	s.expect("READY")
	return s
}

func (s *shellSession) send(keys string) {
	s.t.Helper()
	if _, err := s.f.WriteString(keys); err != nil {
		s.t.Fatalf("%s: %v", s.name, err)
	}
}

// shellEscapes matches the escape sequences a shell draws with.
var shellEscapes = regexp.MustCompile(`\x1b(\[[0-9;?=>]*[ -/]*[@-~]|\][^\x07\x1b]*(\x07|\x1b\\)|[()][0-9A-Za-z]|[=>78M])`)

// screenText is out without escape sequences and carriage returns.
func screenText(out string) string {
	return strings.ReplaceAll(shellEscapes.ReplaceAllString(out, ""), "\r", "")
}

// expect waits (at most 10 s) until the output since the last expect
// holds want (escape sequences removed), and returns that output, up to
// the end of want.
func (s *shellSession) expect(want string) string {
	s.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		all := s.out.String()
		text := screenText(all[s.mark:])
		if strings.Contains(text, want) {
			// The next expect starts right after want: the shortest
			// output that holds it.
			n := sort.Search(len(all)-s.mark, func(n int) bool {
				return strings.Contains(screenText(all[s.mark:s.mark+n]), want)
			})
			text = screenText(all[s.mark : s.mark+n])
			s.mark += n
			return text
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("%s: no %q on the terminal; it shows:\n%s\n(raw, all: %q)", s.name, want, text, all)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// expectAll waits (at most 10 s) until the output since the last expect
// holds each of wants, in any order (a menu's layout is the shell's).
func (s *shellSession) expectAll(wants ...string) {
	s.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		all := s.out.String()
		text := screenText(all[s.mark:])
		var missing []string
		for _, w := range wants {
			if !strings.Contains(text, w) {
				missing = append(missing, w)
			}
		}
		if len(missing) == 0 {
			s.mark = len(all)
			return
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("%s: no %q on the terminal; it shows:\n%s", s.name, missing, text)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// line returns the command line as the shell holds it after keys (typed
// at the prompt, TABs in them) and an X, the start of the next word as the
// user would type it (zsh takes back the space a completion added when
// the next key is not one to insert): it puts printf before the line and
// runs it, so the shell prints it between < and >.
func (s *shellSession) line(keys string) string {
	s.t.Helper()
	// Ctrl-A: the start of the line; Ctrl-E: its end (emacs keys, the
	// default of the three shells).
	s.send(keys + "X\x01printf 'L%sE<%s>\\n' IN \"\x05\"\n")
	text := s.expect(">\n")
	m := regexp.MustCompile(`LINE<([^>\n]*)>\n`).FindStringSubmatch(text)
	if m == nil {
		s.t.Fatalf("%s: %q: no line printed:\n%s", s.name, keys, text)
	}
	s.expect("READY")
	return m[1]
}

// The committed script of each shell, sourced, completes commands, event
// types, subscription ids with their description, enum flags and files,
// and leaves the prompt as it was.
func TestShellsCompletion(t *testing.T) {
	t.Parallel()
	for _, shell := range []string{"bash", "zsh", "fish"} {
		t.Run(shell, func(t *testing.T) {
			e, bin := shellEnv(t)
			script, err := filepath.Abs(filepath.Join("completions", map[string]string{"bash": "hookctl.bash", "zsh": "hookctl.zsh", "fish": "hookctl.fish"}[shell]))
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(e.dir, "seed-export.json"), []byte("{}"), 0o600); err != nil {
				t.Fatal(err)
			}
			setup := map[string]string{
				"bash": "source " + bashCompletion + "; source " + script,
				"zsh":  "autoload -U compinit; compinit -u; source " + script,
				"fish": "source " + script,
			}[shell]
			s := startShell(t, e, bin, shell, setup)

			for _, tc := range []struct{ keys, want string }{
				{"hookctl tri\t", "hookctl trigger X"},
				{"hookctl trigger card.c\t", "hookctl trigger card.created X"},
				{"hookctl subscriptions show 2c\t", "hookctl subscriptions show 2c01e681-cd51-4f5e-920e-c345372e7371 X"},
				{"hookctl deliveries show 0a1b2c3d-0000-4000-8000-0000000000d3\t", "hookctl deliveries show 0a1b2c3d-0000-4000-8000-0000000000d3 X"},
				{"hookctl listen --scheme stri\t", "hookctl listen --scheme stripe X"},
				{"hookctl listen --output js\t", "hookctl listen --output json X"},
				{"hookctl store import seed-e\t", "hookctl store import seed-export.json X"},
			} {
				if got := s.line(tc.keys); got != tc.want {
					t.Errorf("%s: %q shows %q, want %q", shell, tc.keys, got, tc.want)
				}
			}

			// Several candidates: the menu lists the ids, each with its
			// URL and events (bash lists them at the second TAB). Each
			// menu in a shell of its own.
			tab := "\t"
			if shell == "bash" {
				tab = "\t\t"
			}
			s = startShell(t, e, bin, shell, setup)
			s.send("hookctl subscriptions show " + tab)
			menu := s.expect("card.created,kyc.verification.success")
			for _, want := range []string{"2c01e681-cd51-4f5e-920e-c345372e7371", "http://127.0.0.1:9/h card.*", "feaa607a-f403-47c9-9f76-c914e0262cad", "http://127.0.0.1:9/h2 card.created,kyc.verification.success"} {
				if !strings.Contains(menu, want) {
					t.Errorf("%s: subscriptions show <TAB> menu has no %q:\n%s", shell, want, menu)
				}
			}
			if strings.Contains(menu, "Completion ended") || strings.Contains(menu, "hookctl:") {
				t.Errorf("%s: hookctl wrote on the terminal during TAB:\n%s", shell, menu)
			}

			// Event types with their description (fish shows the
			// candidates without what is typed: …d.status.active).
			s = startShell(t, e, bin, shell, setup)
			s.send("hookctl trigger card.status." + tab)
			s.expectAll("status.active", "Card status is now Active", "status.closed", "Card status is now Closed", "Card status is now Stolen")

			// --output's values: table and json, and no file names
			// (they would come before table).
			s = startShell(t, e, bin, shell, setup)
			s.send("hookctl listen --output " + tab)
			menu = s.expect("table")
			if !strings.Contains(menu, "json") || strings.Contains(menu, "seed-export.json") || strings.Contains(menu, "hookctl.db") {
				t.Errorf("%s: listen --output <TAB>:\n%s", shell, menu)
			}
		})
	}
}

// The README's installation lines, run as written in a new home, make TAB
// work in the next shell: bash's line in ~/.bashrc (after the system's
// bash-completion), zsh's file in ~/.zfunc with the README's ~/.zshrc
// lines (and no system start-up file: they are all it needs), fish's
// file in ~/.config/fish/completions (which a new fish does not have:
// the README's line without mkdir -p failed there).
func TestShellsCompletionInstall(t *testing.T) {
	t.Parallel()
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	section := string(readme)
	if i := strings.Index(section, "## Shell completion"); i >= 0 {
		section = section[i:]
	}
	if i := strings.Index(section, "\n```\n"); i >= 0 {
		section = section[:i]
	}
	readmeLine := func(t *testing.T, line string) string {
		t.Helper()
		if !strings.Contains(section, "\n"+line+"\n") {
			t.Fatalf("README's Shell completion block has no line %q", line)
		}
		return line
	}
	for _, shell := range []string{"bash", "zsh", "fish"} {
		t.Run(shell, func(t *testing.T) {
			e, bin := shellEnv(t)
			write := func(name, text string) {
				t.Helper()
				if err := os.WriteFile(filepath.Join(e.dir, name), []byte(text), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			var s *shellSession
			switch shell {
			case "bash":
				// The system's bash-completion (Debian's
				// /etc/bash.bashrc leaves it to the user), then the line.
				write(".bashrc", "source "+bashCompletion+"\n"+readmeLine(t, "source <(hookctl completion bash)")+"\n")
				s = startShellArgs(t, e, bin, shell, []string{"--noprofile", "-i"}, "true")
			case "zsh":
				once := readmeLine(t, "mkdir -p ~/.zfunc && hookctl completion zsh > ~/.zfunc/_hookctl")
				startShell(t, e, bin, shell, once)
				write(".zshenv", "unsetopt GLOBAL_RCS\n") // no /etc/zsh/zshrc (Debian's runs compinit)
				write(".zshrc", readmeLine(t, "fpath=(~/.zfunc $fpath)")+"\n"+readmeLine(t, "autoload -Uz compinit && compinit")+"\n")
				s = startShellArgs(t, e, bin, shell, []string{"-i"}, "true")
			case "fish":
				once := readmeLine(t, "mkdir -p ~/.config/fish/completions && hookctl completion fish > ~/.config/fish/completions/hookctl.fish")
				startShell(t, e, bin, shell, once)
				if _, err := os.Stat(filepath.Join(e.dir, ".config", "fish", "completions", "hookctl.fish")); err != nil {
					t.Fatalf("the README's fish line wrote no script: %v", err)
				}
				// A plain fish: --no-config would load no completions.
				s = startShellArgs(t, e, bin, shell, []string{"-i"}, "true")
			}
			for _, tc := range []struct{ keys, want string }{
				{"hookctl tri\t", "hookctl trigger X"},
				{"hookctl subscriptions show 2c\t", "hookctl subscriptions show 2c01e681-cd51-4f5e-920e-c345372e7371 X"},
			} {
				if got := s.line(tc.keys); got != tc.want {
					t.Errorf("%s: %q shows %q, want %q", shell, tc.keys, got, tc.want)
				}
			}
		})
	}
}
