package h1wire

import (
	"bufio"
	"io"
)

// Body is a Content-Length body read from a connection's reader: exactly
// N bytes, then io.EOF (with the last bytes when they complete it);
// io.ErrUnexpectedEOF when the connection ends first, as net/http's body.
type Body struct {
	R *bufio.Reader
	N int64 // bytes not read yet
}

func (b *Body) Read(p []byte) (int, error) {
	if b.N <= 0 {
		return 0, io.EOF
	}
	if int64(len(p)) > b.N {
		p = p[:b.N]
	}
	n, err := b.R.Read(p)
	b.N -= int64(n)
	if err == io.EOF && b.N > 0 {
		err = io.ErrUnexpectedEOF
	}
	if err == nil && b.N == 0 {
		err = io.EOF
	}
	return n, err
}

// Close does nothing: the connection's owner decides what becomes of the
// bytes left unread (N).
func (b *Body) Close() error { return nil }
