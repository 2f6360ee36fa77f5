//go:build linux

package main

import (
	"bytes"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// readmeStep is one command of a README block and what README shows it
// prints: the `$ ` lines of a console block and the lines after them, or
// in an sh block the `# ` comment lines right under a command (a comment
// after a blank line is prose, as is one above a command). "(exit N)"
// shown alone names the exit status.
type readmeStep struct {
	cmd   string
	shown []string
	exit  int
}

// readmeBlock returns the steps of the README block that starts with a
// line containing first (console or sh).
func readmeBlock(t *testing.T, first string) []readmeStep {
	t.Helper()
	s := readme(t)
	i := strings.Index(s, first)
	if i < 0 {
		t.Fatalf("README has no block starting %q", first)
	}
	start := strings.LastIndex(s[:i], "```")
	lang := s[start+3 : start+strings.IndexByte(s[start:], '\n')]
	body := s[start+strings.IndexByte(s[start:], '\n')+1:]
	body, _, _ = strings.Cut(body, "\n```")
	var steps []readmeStep
	var pending string
	afterCmd := false
	for _, line := range strings.Split(body, "\n") {
		if lang == "console" {
			if c, ok := strings.CutPrefix(line, "$ "); ok {
				pending = c
			} else if pending != "" && strings.HasPrefix(line, "    ") && strings.HasSuffix(steps[len(steps)-1].cmd, `\`) {
				line = strings.TrimSpace(line)
				steps[len(steps)-1].cmd = strings.TrimSuffix(steps[len(steps)-1].cmd, `\`) + line
				continue
			}
			if pending != "" {
				steps = append(steps, readmeStep{cmd: pending})
				pending = ""
				continue
			}
			if len(steps) > 0 {
				steps[len(steps)-1].shown = append(steps[len(steps)-1].shown, line)
			}
			continue
		}
		trimmed := strings.TrimSpace(line)
		switch {
		case trimmed == "":
			afterCmd = false
		case strings.HasPrefix(trimmed, "#"):
			if afterCmd {
				out := strings.TrimPrefix(strings.TrimPrefix(trimmed, "#"), " ")
				if m := regexp.MustCompile(`^\(exit (\d+)\)$`).FindStringSubmatch(out); m != nil {
					steps[len(steps)-1].exit, _ = strconv.Atoi(m[1])
				} else {
					steps[len(steps)-1].shown = append(steps[len(steps)-1].shown, out)
				}
			}
		default:
			if pending != "" || strings.HasSuffix(trimmed, `\`) {
				pending += strings.TrimSuffix(trimmed, `\`) + " "
				if strings.HasSuffix(trimmed, `\`) {
					continue
				}
				trimmed, pending = strings.TrimSpace(pending), ""
			}
			c, _ := cutComment(trimmed)
			steps = append(steps, readmeStep{cmd: c})
			afterCmd = true
		}
	}
	return steps
}

// shownLine: a line README shows, as a pattern: … stands for anything.
func shownLine(l string) *regexp.Regexp {
	parts := strings.Split(l, "…")
	for i, p := range parts {
		parts[i] = regexp.QuoteMeta(p)
	}
	return regexp.MustCompile(`(?m)^` + strings.Join(parts, `.*`) + `$`)
}

// TestHuntdocsReadmeShowsWhatRuns: README's blocks that show what a
// command prints — the console blocks of one-shot commands, and the sh
// block of "Signing and verifying", whose outputs are the comments under
// each command — are run as written in a fresh HOME and store, one
// bash per block (so its export and files carry on, as in a terminal),
// and every line README shows must be a line of what that command
// printed (… standing for anything), with the exit status it names. The
// curl line's receiver at 127.0.0.1:3000 is one this test runs.
func TestHuntdocsReadmeShowsWhatRuns(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("bash"); err != nil {
		t.Skip("no bash")
	}
	bin := hookctlBinary(t)
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprintln(w, "ok") }))
	defer app.Close()
	appAddr := "127.0.0.1:" + strconv.Itoa(app.Listener.Addr().(*net.TCPAddr).Port)

	for _, tc := range []struct {
		name  string
		first string            // the block's first command line
		setup string            // what the block takes as done (a subscription)
		files map[string]string // files the block reads that README gives elsewhere
	}{
		{name: "typo", first: "$ hookctl events show kyc.verification.sucess"},
		// The note of an older provider's name: with an endpoint that
		// takes the event, as the section's reader has.
		{name: "note", first: "$ hookctl trigger customer.updated",
			setup: "hookctl subscribe --url http://" + appAddr + "/webhooks --events customer.updated >/dev/null"},
		// The file README shows the error of: line 4 calls "uuidd".
		{name: "fixtures", first: "$ hookctl events list --fixtures bad", files: map[string]string{
			"bad/broken.yaml": "type: order.broken\nbody:\n  a: 1\n  id: \"{{uuidd @x}}\"\n",
		}},
		{name: "sign-verify", first: "printf '{\"test\": 2432232314}' > body.json"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			steps := readmeBlock(t, tc.first)
			dir := t.TempDir()
			for name, body := range tc.files {
				os.MkdirAll(filepath.Join(dir, filepath.Dir(name)), 0o755)
				if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			// One script: each command's output between markers, its
			// exit status after it.
			var script strings.Builder
			script.WriteString(tc.setup + "\n")
			for i, st := range steps {
				line := strings.ReplaceAll(st.cmd, "127.0.0.1:3000", appAddr)
				fmt.Fprintf(&script, "echo '@@@ %d'\n%s\necho \"@@@ rc $?\"\n", i, line)
			}
			c := exec.Command("bash", "-c", script.String())
			c.Dir = dir
			c.Env = []string{
				"PATH=" + filepath.Dir(bin) + ":" + os.Getenv("PATH"),
				"HOME=" + dir,
				"HOOKCTL_CONFIG_DIR=" + filepath.Join(dir, "config"),
				"HOOKCTL_STORE=" + filepath.Join(dir, "hookctl.db"),
				"NO_COLOR=1",
			}
			var out bytes.Buffer
			c.Stdout, c.Stderr = &out, &out
			if err := c.Run(); err != nil {
				t.Fatalf("%v\n%s", err, out.String())
			}
			all := out.String()
			checked := 0
			for i, st := range steps {
				_, got, _ := strings.Cut(all, fmt.Sprintf("@@@ %d\n", i))
				got, rc, _ := strings.Cut(got, "@@@ rc ")
				code, _ := strconv.Atoi(strings.TrimSpace(strings.SplitN(rc, "\n", 2)[0]))
				if len(st.shown) == 0 && st.exit == 0 {
					continue
				}
				checked++
				want := st.exit
				if want == 0 && strings.HasPrefix(strings.Join(st.shown, "\n"), "hookctl: error:") {
					want = -1 // an error: any non-zero status
				}
				if (want == -1 && code == 0) || (want >= 0 && code != want) {
					t.Errorf("README: %s\nexited %d, README shows %d:\n%s", st.cmd, code, st.exit, got)
				}
				for _, l := range st.shown {
					if !shownLine(l).MatchString(got) {
						t.Errorf("README: %s\nshows %q; it printed:\n%s", st.cmd, l, got)
					}
				}
			}
			if checked == 0 {
				t.Errorf("no command of the block shows an output (the README parser lost it): %+v", steps)
			}
		})
	}
}
