package store

import (
	"context"
	"io"
)

type noticesKey struct{}

// WithNotices returns ctx carrying w, where a store opened with it says
// what takes a while before it can be used (a migration that rebuilds a
// large table): a command passes its stderr.
func WithNotices(ctx context.Context, w io.Writer) context.Context {
	return context.WithValue(ctx, noticesKey{}, w)
}

// Notices returns the writer WithNotices put in ctx, or nil.
func Notices(ctx context.Context) io.Writer {
	w, _ := ctx.Value(noticesKey{}).(io.Writer)
	return w
}
