// Package version implements `hookctl version`.
package version

import (
	"fmt"
	"runtime"

	"github.com/spf13/cobra"

	"github.com/hookctl/hookctl/internal/cli"
	"github.com/hookctl/hookctl/internal/ui"
)

// Options are the parsed flags of `hookctl version`.
type Options struct {
	IO      *ui.IOStreams
	Version string
	Commit  string
	Date    string
}

// NewCmd returns `hookctl version`.
func NewCmd(f *cli.Factory) *cobra.Command { return newCmd(f, nil) }

func newCmd(f *cli.Factory, runF func(*Options) error) *cobra.Command {
	opts := &Options{IO: f.IOStreams}
	return &cobra.Command{
		Use:     "version",
		Short:   "Print hookctl's version, commit and Go version",
		Args:    cobra.NoArgs,
		Example: "  hookctl version\n  hookctl version -o json",
		RunE: func(c *cobra.Command, args []string) error {
			opts.Version, opts.Commit, opts.Date = f.Version, f.Commit, f.BuildDate
			if runF != nil {
				return runF(opts)
			}
			return run(opts)
		},
	}
}

type versionInfo struct {
	Version   string `json:"version"`
	Commit    string `json:"commit"`
	GoVersion string `json:"go_version"`
	Platform  string `json:"platform"`
	Date      string `json:"date,omitempty"`
}

func run(opts *Options) error {
	v := versionInfo{opts.Version, opts.Commit, runtime.Version(), runtime.GOOS + "/" + runtime.GOARCH, opts.Date}
	if opts.IO.JSON() {
		return ui.WriteJSON(opts.IO.Out, v)
	}
	built := ""
	if v.Date != "" {
		built = ", built " + v.Date
	}
	_, err := fmt.Fprintf(opts.IO.Out, "hookctl %s (commit %s, %s, %s%s)\n", v.Version, v.Commit, v.GoVersion, v.Platform, built)
	return err
}
