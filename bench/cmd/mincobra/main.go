// Command mincobra is the cold-start reference for bench/run: the smallest
// cobra program with a root command, help and a version subcommand.
package main

import (
	"fmt"
	"os"

	"github.com/spf13/cobra"
)

func main() {
	root := &cobra.Command{Use: "mincobra", Short: "minimal cobra program"}
	root.AddCommand(&cobra.Command{
		Use:   "version",
		Short: "print the version",
		Run:   func(*cobra.Command, []string) { fmt.Println("mincobra dev") },
	})
	if err := root.Execute(); err != nil {
		os.Exit(1)
	}
}
