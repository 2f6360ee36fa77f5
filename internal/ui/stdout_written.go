package ui

import (
	"errors"
	"io"
	"os"
	"sync/atomic"
	"syscall"
)

// watchedOut is stdout with a note of whether anything was written to it:
// the root prints a failed command's error as a JSON document under -o
// json only when the command printed nothing there itself (verify's and
// store import's documents carry their error; a trigger that failed
// after its results printed them).
type watchedOut struct {
	w     io.Writer
	wrote atomic.Bool
	// failed is the first write error (StdoutWriteError).
	failed atomic.Pointer[error]
}

func (o *watchedOut) Write(p []byte) (int, error) {
	if len(p) > 0 {
		o.wrote.Store(true)
	}
	n, err := o.w.Write(p)
	if err != nil {
		o.failed.CompareAndSwap(nil, &err)
	}
	return n, err
}

// SyscallConn is the file's, so that cli.ReaderGone still tells a pipe
// whose reader left.
func (o *watchedOut) SyscallConn() (syscall.RawConn, error) {
	if sc, ok := o.w.(syscall.Conn); ok {
		return sc.SyscallConn()
	}
	return nil, errors.ErrUnsupported
}

// WatchStdout makes s note whether anything is written to Out from now on
// (StdoutWritten). Out stays the same stream underneath (StdoutFile).
func (s *IOStreams) WatchStdout() {
	if _, ok := s.Out.(*watchedOut); !ok {
		s.Out = &watchedOut{w: s.Out}
	}
}

// StdoutWritten reports whether anything was written to Out since
// WatchStdout (false when it was not called).
func (s *IOStreams) StdoutWritten() bool {
	o, ok := s.Out.(*watchedOut)
	return ok && o.wrote.Load()
}

// StdoutWriteError is the first error a write to Out met since
// WatchStdout (nil when none, or when it was not called): what a command
// that cannot return one (cobra's help) left unsaid.
func (s *IOStreams) StdoutWriteError() error {
	if o, ok := s.Out.(*watchedOut); ok {
		if e := o.failed.Load(); e != nil {
			return *e
		}
	}
	return nil
}

// StdoutFile is the file Out writes to, when it is one.
func (s *IOStreams) StdoutFile() (*os.File, bool) {
	w := s.Out
	if o, ok := w.(*watchedOut); ok {
		w = o.w
	}
	f, ok := w.(*os.File)
	return f, ok
}
