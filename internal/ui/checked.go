package ui

import "io"

// CheckedWriter remembers the first error of its writes: a command that
// prints line by line (show's key: value lines) returns it at the end, so
// a full disk under stdout is an error (exit 3) instead of exit 0 with
// the output lost. After an error it writes nothing more.
type CheckedWriter struct {
	W   io.Writer
	Err error
}

func (c *CheckedWriter) Write(p []byte) (int, error) {
	if c.Err != nil {
		return 0, c.Err
	}
	n, err := c.W.Write(p)
	if err != nil {
		c.Err = err
	}
	return n, err
}
