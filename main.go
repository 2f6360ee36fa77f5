// Command hookctl builds, sends, receives, verifies and replays webhooks locally.
package main

import (
	"os"

	"github.com/hookctl/hookctl/cmd"
)

func main() { os.Exit(cmd.Main()) }
