package cli

import (
	"context"
	"errors"
	"time"

	"github.com/hookctl/hookctl/internal/listen"
	"github.com/hookctl/hookctl/internal/store"
	"github.com/hookctl/hookctl/internal/ui"
)

// ListenFit is the layout of listen's live log on a terminal: lines
// fitted to its width, event ids cut to a prefix that names the event in
// st (ReceivedEventID). Nil when stdout is not a terminal or with -o
// json (the lines stay whole, byte for byte).
func ListenFit(ctx context.Context, ios *ui.IOStreams, st store.Store) *listen.Fit {
	if !ios.IsStdoutTTY() || ios.JSON() {
		return nil
	}
	// Lines are written while listen drains after Ctrl-C (ctx cancelled).
	ctx = context.WithoutCancel(ctx)
	return &listen.Fit{
		Width:   ios.OutWidth,
		EventID: func(id string) string { return ReceivedEventID(ctx, st, id) },
	}
}

// ReceivedEventID cuts the id of an event listen received to a prefix
// that events show takes once the event is recorded. listen prints its
// line before its recorder may have written the event, so a prefix is
// not checked as storeUnique checks one: a prefix no event has yet is
// the event's own once it is recorded (kept), and one another event has
// is lengthened past that event's id. When the store cannot be asked
// (gone, locked past a second) the id is whole: a line must not name an
// event that is not its own.
func ReceivedEventID(ctx context.Context, st store.Store, id string) string {
	p := id[:min(ui.ShortIDLen, len(id))]
	for p != id {
		lctx, cancel := context.WithTimeout(ctx, time.Second)
		e, err := st.GetEvent(lctx, p)
		cancel()
		var amb *store.AmbiguousError
		var others []string
		switch {
		case err == nil && e.ID == id:
			return p
		case err == nil:
			others = []string{e.ID}
		case errors.As(err, &amb):
			others = amb.Matches
		case errors.Is(err, store.ErrNotFound):
			return p
		default:
			return id
		}
		n := len(p) + 1
		for _, m := range others {
			common := 0
			for common < len(m) && common < len(id) && m[common] == id[common] {
				common++
			}
			if m != id {
				n = max(n, common+1)
			}
		}
		p = id[:min(n, len(id))]
	}
	return p
}
