//go:build !windows

package main

import (
	"bufio"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestReadmeExampleReceiversAsWritten: the READMEs' lines for the example
// receivers work as a newcomer types them, in a checkout: README.md's
// receiver command and then its check, both in a shell at the checkout's
// root (the Node line once cd'ed into its directory, so its processed.log
// was not where the check's --effect-cmd read it: exit 2), and
// examples/receivers/README.md's, both in the example's directory (or the
// root, where its Run says so). Only the secret placeholder is filled in
// and the port made a free one.
func TestReadmeExampleReceiversAsWritten(t *testing.T) {
	t.Parallel()
	type example struct{ name, dir, start, check string }
	var examples []example

	s := readme(t)
	_, list, ok := strings.Cut(s, "`examples/receivers/` holds small receivers")
	if !ok {
		t.Fatal("README has no paragraph on examples/receivers/")
	}
	list, _, _ = strings.Cut(list, "\n\n```")
	line := regexp.MustCompile("(?m)^- (\\w+) \\([^)]*\\): `([^`]+)`, then `([^`]+)`$")
	for _, m := range line.FindAllStringSubmatch(list, -1) {
		examples = append(examples, example{"README/" + m[1], ".", m[2], m[3]})
	}
	if len(examples) != 3 {
		t.Fatalf("want the 3 example receivers' lines, found %d in:\n%s", len(examples), list)
	}
	b, err := os.ReadFile("examples/receivers/README.md")
	if err != nil {
		t.Fatal(err)
	}
	row := regexp.MustCompile("(?m)^\\| `(\\w+)/` \\|[^|]*\\|[^|]*\\| `([^`]+)`([^|]*)\\| `([^`]+)` \\|$")
	for _, m := range row.FindAllStringSubmatch(string(b), -1) {
		dir := filepath.Join("examples/receivers", m[1])
		if strings.Contains(m[3], "from the repository root") {
			dir = "."
		}
		examples = append(examples, example{"examples/" + m[1], dir, m[2], m[4]})
	}
	if len(examples) != 6 {
		t.Fatalf("want the 3 rows of examples/receivers/README.md's table too, found %d", len(examples)-3)
	}
	bin := hookctlBinary(t)

	const secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw" // suits standard, stripe and bond
	port := regexp.MustCompile(`PORT=\d+`)
	url := regexp.MustCompile(`http://localhost:\d+/webhooks`)
	for _, ex := range examples {
		name, start, check := ex.name, ex.start, ex.check
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			var need []string
			switch {
			case strings.Contains(start, "npm "):
				need = []string{"node", "npm"}
			case strings.Contains(start, "python3 "):
				need = []string{"python3"}
			default:
				need = []string{"go"}
			}
			for _, tool := range need {
				if _, err := exec.LookPath(tool); err != nil {
					t.Skipf("SKIP: %s not found: the %s example's README line is not run", tool, name)
				}
			}
			// A checkout of its own (each writes processed.log where it runs):
			// the examples (no node_modules, no processed.log) and the
			// module files `go run ./examples/receivers/go` needs.
			root := t.TempDir()
			for _, f := range []string{"go.mod", "go.sum"} {
				copyFile(t, f, filepath.Join(root, f))
			}
			for _, f := range []string{"node/package.json", "node/server.js", "python/receiver.py", "go/main.go"} {
				copyFile(t, filepath.Join("examples/receivers", f), filepath.Join(root, "examples/receivers", f))
			}
			start = port.ReplaceAllString(strings.ReplaceAll(start, "whsec_…", secret), "PORT=0")
			recv := exec.Command("bash", "-c", start)
			recv.Dir = filepath.Join(root, ex.dir)
			recv.SysProcAttr = &syscall.SysProcAttr{Setpgid: true} // go run's and npm's children too
			out, err := recv.StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			var stderr strings.Builder
			recv.Stderr = &stderr
			if err := recv.Start(); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() {
				syscall.Kill(-recv.Process.Pid, syscall.SIGKILL)
				recv.Wait()
			})
			ready := make(chan string, 1)
			go func() {
				sc := bufio.NewScanner(out)
				for sc.Scan() {
					if u, ok := strings.CutPrefix(sc.Text(), "listening on "); ok {
						ready <- u
						io.Copy(io.Discard, out)
						return
					}
				}
				ready <- "" // it ended without starting
			}()
			var got string
			select {
			case got = <-ready:
			case <-time.After(5 * time.Minute): // npm install and go run, at load 30
			}
			if got == "" {
				syscall.Kill(-recv.Process.Pid, syscall.SIGKILL)
				recv.Wait()
				if strings.Contains(stderr.String(), "npm error") {
					t.Skipf("SKIP: npm install failed (offline?), the Node example's README line is not run:\n%s", stderr.String())
				}
				t.Fatalf("$ %s\nprinted no \"listening on\" line; stderr:\n%s", start, stderr.String())
			}
			check = url.ReplaceAllString(strings.ReplaceAll(check, "whsec_…", secret), got)
			c := exec.Command("bash", "-c", check)
			c.Dir = filepath.Join(root, ex.dir)
			c.Env = append(os.Environ(),
				"PATH="+filepath.Dir(bin)+string(os.PathListSeparator)+os.Getenv("PATH"),
				"HOOKCTL_CONFIG_DIR="+t.TempDir(), "HOOKCTL_STORE="+filepath.Join(t.TempDir(), "hookctl.db"))
			var cout, cerr strings.Builder
			c.Stdout, c.Stderr = &cout, &cerr
			err = c.Run()
			if err != nil || !regexp.MustCompile(`(?m)^dedupes-duplicate\tPASS\t`).MatchString(cout.String()) {
				t.Fatalf("%s's lines, run in %s:\n$ %s\n$ %s\n%v\n%s%s", name, ex.dir, start, check, err, cout.String(), cerr.String())
			}
		})
	}
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(to), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, b, 0o644); err != nil {
		t.Fatal(err)
	}
}
