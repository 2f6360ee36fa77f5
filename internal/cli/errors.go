// Package cli holds what every command shares: the dependency factory and
// the typed errors that carry exit codes.
package cli

import (
	"errors"
	"fmt"
	"strings"

	"github.com/hookctl/hookctl/internal/textdist"
)

// Exit codes: the stable contract documented in the README.
const (
	ExitOK          = 0
	ExitFailed      = 1 // the operation failed or the thing was not found
	ExitUsage       = 2 // bad usage or bad input
	ExitEnvironment = 3 // store unreadable, port busy, …
	// ExitInterrupted is the code of an interrupted command (Ctrl-C);
	// stopped by another signal it is 128 plus its number (SIGTERM 143,
	// SIGHUP 129; InterruptedCode, which the root applies).
	ExitInterrupted = 130
)

// ExitError is an error with an exit code and optional hints. A nil Err
// means the command already reported what happened: exit silently.
type ExitError struct {
	Code  int
	Err   error
	Hints []string
}

func (e *ExitError) Error() string {
	if e.Err == nil {
		return fmt.Sprintf("exit status %d", e.Code)
	}
	return e.Err.Error()
}

func (e *ExitError) Unwrap() error { return e.Err }

// Usagef is bad usage or bad input: exit 2.
func Usagef(format string, args ...any) *ExitError {
	return &ExitError{Code: ExitUsage, Err: fmt.Errorf(format, args...)}
}

// Failf is a failed operation or a thing not found: exit 1.
func Failf(format string, args ...any) *ExitError {
	return &ExitError{Code: ExitFailed, Err: fmt.Errorf(format, args...)}
}

// Envf is an environment problem (store unreadable, port busy): exit 3.
func Envf(format string, args ...any) *ExitError {
	return &ExitError{Code: ExitEnvironment, Err: fmt.Errorf(format, args...)}
}

// Fail is err as a failed operation (exit 1), unless it carries its own
// exit code: an ExitError, or a typed error such as a store's environment
// error (the store unreachable or read-only: exit 3), which is returned as
// it is, with its hints.
func Fail(err error) error {
	var ee *ExitError
	var ce CodeError
	if errors.As(err, &ee) || errors.As(err, &ce) {
		return err
	}
	return &ExitError{Code: ExitFailed, Err: err}
}

// Silent exits with code without printing anything more.
func Silent(code int) *ExitError { return &ExitError{Code: code} }

// WithCode wraps err with an exit code (keeping hints of an inner ExitError).
func WithCode(code int, err error) *ExitError {
	var ee *ExitError
	if errors.As(err, &ee) {
		return &ExitError{Code: code, Err: ee.Err, Hints: ee.Hints}
	}
	return &ExitError{Code: code, Err: err}
}

// Hint returns a copy of e with hint lines appended.
func (e *ExitError) Hint(format string, args ...any) *ExitError {
	c := *e
	c.Hints = append(append([]string(nil), e.Hints...), fmt.Sprintf(format, args...))
	return &c
}

// HintError is implemented by errors from internal packages that know what
// the user should do next; Main prints each hint as a hint line.
type HintError interface {
	error
	Hints() []string
}

// CodeError is implemented by errors from internal packages that know
// their exit code (for example store errors: not found 1, corrupt 3).
type CodeError interface {
	error
	ExitCode() int
}

// Suggest returns e with a did-you-mean hint when one of valid is close
// to word (textdist.Closest, the helper every unknown value uses). word
// was refused, so one of valid that differs from it only in case (JSON
// for json) is the value meant: Closest, which compares case blind,
// skips it as the same name.
func (e *ExitError) Suggest(word string, valid ...string) *ExitError {
	for _, v := range valid {
		if v != word && strings.EqualFold(v, word) {
			return e.Hint("did you mean %q?", v)
		}
	}
	if s := textdist.Closest(word, valid); s != "" {
		return e.Hint("did you mean %q?", s)
	}
	return e
}
