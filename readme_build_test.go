package main

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// The README's own build command records the commit in `hookctl version`,
// even where the Go environment turns VCS stamping off, as this machine's
// does (GOFLAGS=-buildvcs=false) (issue 20 item 11). It runs in a fresh
// clone of the current commit, as a user would build it (the Go command
// does not stamp builds inside a git worktree, whose .git is a file).
func TestReadmeBuildRecordsCommit(t *testing.T) {
	if os.Getenv("HOOKCTL_LONG") == "" {
		t.Skip("builds hookctl in a fresh clone (~30 s): set HOOKCTL_LONG=1 (.ci/test does)")
	}
	head, err := exec.Command("git", "rev-parse", "HEAD").Output()
	if err != nil {
		t.Skipf("not a git checkout: %v", err)
	}
	src := t.TempDir()
	if out, err := exec.Command("git", "clone", "-q", "--shared", ".", src).CombinedOutput(); err != nil {
		t.Skipf("cannot clone the checkout: %v\n%s", err, out)
	}
	if out, err := exec.Command("git", "-C", src, "checkout", "-q", strings.TrimSpace(string(head))).CombinedOutput(); err != nil {
		t.Fatalf("checkout: %v\n%s", err, out)
	}
	f, err := os.Open(filepath.Join(src, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	// The command: `[NAME=value…] go build … -o hookctl …`, up to any `&&`.
	var build string
	var env, args []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line, _, _ := strings.Cut(sc.Text(), "&&")
		words := strings.Fields(line)
		i := 0
		for i < len(words) && envAssign.MatchString(words[i]) {
			i++
		}
		if len(words) > i+1 && words[i] == "go" && words[i+1] == "build" && strings.Contains(line, "-o hookctl") {
			build, env, args = line, words[:i], words[i:]
			break
		}
	}
	if build == "" {
		t.Fatal("README has no `go build … -o hookctl` command")
	}
	bin := filepath.Join(t.TempDir(), "hookctl")
	args = strings.Fields(strings.Replace(strings.Join(args, " "), "-o hookctl", "-o "+bin, 1))
	c := exec.Command(args[0], args[1:]...)
	c.Dir = src
	c.Env = append(append(os.Environ(), env...), "GOFLAGS=-buildvcs=false")
	if out, err := c.CombinedOutput(); err != nil {
		t.Fatalf("%s: %v\n%s", build, err, out)
	}
	out, err := exec.Command(bin, "version").Output()
	if err != nil {
		t.Fatal(err)
	}
	want := strings.TrimSpace(string(head))[:12]
	if !regexp.MustCompile(`\(commit ` + want + `(\+dirty)?,`).Match(out) {
		t.Errorf("after %q with GOFLAGS=-buildvcs=false: %q, want commit %s", strings.TrimSpace(build), out, want)
	}
}

// envAssign is a shell word that sets a variable for the command after it.
var envAssign = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*=\S*$`)
