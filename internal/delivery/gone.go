package delivery

import (
	"errors"
	"fmt"

	"github.com/hookctl/hookctl/internal/store"
)

// StoppedGone is the error of a trigger or replay run whose store file was
// deleted or replaced under it (err is store.IsGone): the run stopped at
// the first write the store's guard refused (store.GuardWrites), and it
// says how many requests were sent without a record, then what else is
// lost (recorded, e.g. "what this run recorded (…) is lost with it"). It
// keeps the store's message and hint.
func StoppedGone(err error, e *Engine, recorded string) error {
	var env *store.EnvironmentError
	if errors.As(err, &env) {
		err = env // without "recording attempts: " and the like
	}
	n := e.SentUnrecorded()
	sent := "no request was sent without its record"
	switch {
	case n == 1:
		sent = "1 request was sent whose attempt could not be recorded"
	case n > 1:
		sent = fmt.Sprintf("%d requests were sent whose attempts could not be recorded", n)
	}
	return fmt.Errorf("%w: the run stopped at its first write since; %s, and %s", err, sent, recorded)
}
