package cmd

import (
	"context"
	"io"
	"path/filepath"
	"testing"

	"github.com/hookctl/hookctl/internal/ui"
)

// BenchmarkRun measures the in-process part of a cold start: building the
// command tree, resolving the configuration and running the command. The
// process-level figure (runtime start, package init, page faults) is
// bench/run's cold start, measured with hyperfine.
func BenchmarkRun(b *testing.B) {
	dir := b.TempDir()
	b.Setenv("HOOKCTL_STORE", filepath.Join(dir, "cold.db"))
	b.Setenv("HOOKCTL_CONFIG_DIR", filepath.Join(dir, "cfg"))
	for _, args := range [][]string{
		{"--help"},
		{"version"},
		{"events", "list", "-o", "json"},
	} {
		b.Run(args[0], func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				ios, _, _, _ := ui.Test()
				ios.Out, ios.ErrOut = io.Discard, io.Discard
				if code := Run(context.Background(), ios, args); code != 0 {
					b.Fatalf("%v: exit %d", args, code)
				}
			}
		})
	}
}
