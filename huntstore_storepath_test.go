package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestHuntstoreStorePathWithTrailingSlash: --store DIR/ (a directory meant,
// not there yet) is refused by the commands that create a store (exit 3,
// saying it names a directory, with the hint of a file in it), and
// nothing is created. Before, subscribe created the store as a file
// named DIR (holding the subscription's secret), and then --store
// DIR/hookctl.db failed with "mkdir DIR: not a directory".
func TestHuntstoreStorePathWithTrailingSlash(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("hookctl"); err != nil {
		t.Skip("hookctl is not on PATH")
	}
	c := newCrashEnv(t)
	dir := filepath.Join(c.dir, "stores")
	for _, args := range [][]string{
		{"subscribe", "--url", "http://127.0.0.1:9/x", "--events", "*"},
		{"store", "migrate"},
	} {
		var errb strings.Builder
		cmd := c.cmd("hookctl", append(args, "--store", dir+string(filepath.Separator))...)
		cmd.Stderr = &errb
		err := cmd.Run()
		code := 0
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		}
		want := "hookctl: error: store " + dir + string(filepath.Separator) + " names a directory (it ends with " + string(filepath.Separator) + "), not a store file\n" +
			"hookctl: hint: point --store at a file in it, e.g. " + filepath.Join(dir, "hookctl.db") + "\n"
		if code != 3 || errb.String() != want {
			t.Errorf("hookctl %v --store %s/: exit %d, stderr:\n%s\nwant exit 3 and:\n%s", args, dir, code, errb.String(), want)
		}
		if _, err := os.Lstat(dir); !os.IsNotExist(err) {
			t.Fatalf("hookctl %v --store %s/ created %s (%v)", args, dir, dir, err)
		}
	}
}
