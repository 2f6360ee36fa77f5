package cli

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/hookctl/hookctl/internal/catalog"
	"github.com/hookctl/hookctl/internal/subscription"
)

// CheckEventFilter checks an --event filter (of deliveries list, events
// log, replay) as subscribe checks its patterns: one that can match
// nothing ('card*', 'card.*.x', a space) is a usage error (exit 2) with
// the reason, not an empty result. Names the catalog lacks are fine: the log holds events of
// any type.
func CheckEventFilter(flag, pattern string) error {
	if pattern == "" {
		return nil
	}
	if err := subscription.CheckPatternSyntax(pattern); err != nil {
		return WithCode(ExitUsage, fmt.Errorf("invalid %s: %w", flag, err))
	}
	return nil
}

// EventTypoHint says, after an --event filter matched nothing, when it
// names no catalog type but one close to it ("card.craeted"): a hint,
// not an error, since events of types the catalog lacks are in the log too.
func EventTypoHint(w io.Writer, pattern string) {
	if strings.TrimSpace(pattern) == "" {
		return
	}
	cat, err := catalog.Load(catalog.Options{})
	if err != nil {
		return
	}
	var ce *catalog.Error
	if err := cat.ValidatePatterns([]string{pattern}); errors.As(err, &ce) {
		for _, h := range ce.Hints() {
			if strings.HasPrefix(h, "did you mean") {
				fmt.Fprintf(w, "hookctl: hint: no event type is called %q: %s\n", pattern, h)
			}
		}
	}
}
