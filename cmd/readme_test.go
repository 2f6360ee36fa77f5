package cmd

import (
	"os"
	"regexp"
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
