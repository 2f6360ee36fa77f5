package cli

import (
	"os"
	"os/signal"
	"syscall"
)

// SurviveClosedStdout is for the commands that run until stopped and
// whose stdout is only their log (listen, worker): a script may stop
// reading it (`hookctl listen -o json | head -1` takes the ready line and
// goes), and the next write to the closed pipe would end the process with
// SIGPIPE in the middle of its work. Taking the signal makes that write
// fail with EPIPE instead (the log is lost, the work goes on). It returns
// the function that gives the signal back its default action.
func SurviveClosedStdout() (stop func()) {
	ch := make(chan os.Signal, 1) // never read: the signal only has to be taken
	signal.Notify(ch, syscall.SIGPIPE)
	return func() { signal.Stop(ch) }
}
