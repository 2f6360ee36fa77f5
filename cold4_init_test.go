//go:build !windows

package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// Every hookctl process runs the package initialisers of everything it
// links, `hookctl --help` and `hookctl version` too (cold start, issue 18;
// bench/README.md). What hookctl's own packages build at init (SQL text,
// tables, errors) is made on first use instead. This test runs the real
// binary with GODEBUG=inittrace=1, which reports each package's init heap
// allocation, and fails when one of hookctl's packages allocates more than
// a few small maps' worth at init, or all of them together more than a
// budget: a new package-level `var x = build()` of any size shows here.
// Allocation counts do not depend on the machine's load.
func TestCold4OwnPackageInitsStaySmall(t *testing.T) {
	if raceBuild {
		t.Skip("race-built binaries allocate differently at init")
	}
	t.Parallel()
	const (
		perPackage = 4 << 10  // bytes one package's init may allocate
		total      = 24 << 10 // all of hookctl's packages together
	)
	bin := hookctlBinary(t)
	dir := t.TempDir()
	cmd := exec.Command(bin, "version")
	cmd.Env = append(os.Environ(),
		"GODEBUG=inittrace=1",
		"HOOKCTL_STORE="+filepath.Join(dir, "hookctl.db"),
		"HOOKCTL_CONFIG_DIR="+filepath.Join(dir, "config"),
	)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if out, err := cmd.Output(); err != nil {
		t.Fatalf("hookctl version: %v\n%s%s", err, out, stderr.String())
	}
	// init github.com/hookctl/hookctl/internal/store @1.2 ms, 0.004 ms clock, 288 bytes, 8 allocs
	line := regexp.MustCompile(`(?m)^init (\S+) @\S+ ms, \S+ ms clock, (\d+) bytes, (\d+) allocs$`)
	seen, sum := 0, 0
	for _, m := range line.FindAllStringSubmatch(stderr.String(), -1) {
		if m[1] != "github.com/hookctl/hookctl" && !strings.HasPrefix(m[1], "github.com/hookctl/hookctl/") {
			continue
		}
		seen++
		b, _ := strconv.Atoi(m[2])
		sum += b
		if b > perPackage {
			t.Errorf("package %s allocates %d bytes (%s allocs) at init, more than %d: make what it builds at init on first use (sync.OnceValue)", m[1], b, m[3], perPackage)
		}
	}
	if seen == 0 {
		t.Fatalf("no init line of hookctl's packages in GODEBUG=inittrace=1 output:\n%s", stderr.String())
	}
	if sum > total {
		t.Errorf("hookctl's %d packages allocate %d bytes at init together, more than %d", seen, sum, total)
	}
	t.Logf("hookctl's %d packages allocate %d bytes at init", seen, sum)
}
