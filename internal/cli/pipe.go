package cli

import (
	"errors"
	"io"
	"os"
	"os/signal"
	"sync"
	"sync/atomic"
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

// ExitReaderGone is the exit status of a run stopped because its stdout's
// reader left: the status a shell shows for a process SIGPIPE ended.
const ExitReaderGone = 141

// StdoutWatch is the stdout of a command with an end whose stdout is its
// live log (trigger, replay), with SurviveClosedStdout: the first write
// its reader is no longer there for (`hookctl trigger … | head -1`) calls
// Stop once, which stops the run as Ctrl-C does (the attempts in flight
// are finished and recorded, the rest stays pending for a worker).
// SIGPIPE ended the process in the middle of its attempts: requests the
// receiver got were never recorded.
type StdoutWatch struct {
	W    io.Writer
	Stop func()

	once   sync.Once
	closed atomic.Bool
}

func (s *StdoutWatch) Write(p []byte) (int, error) {
	n, err := s.W.Write(p)
	if err != nil && errors.Is(err, syscall.EPIPE) {
		s.closed.Store(true)
		s.once.Do(s.Stop)
	}
	return n, err
}

// Closed reports whether a write found the reader gone.
func (s *StdoutWatch) Closed() bool { return s.closed.Load() }
