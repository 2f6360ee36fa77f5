package cli

import (
	"context"
	"errors"
	"strings"

	"github.com/hookctl/hookctl/internal/delivery"
	"github.com/hookctl/hookctl/internal/store"
	"github.com/hookctl/hookctl/internal/ui"
)

// DeliveryOrEventID returns err, the error of looking up a delivery by id,
// said better when id is no delivery's but an event's (or a unique prefix
// of one): the id trigger, replay, worker and listen print in brackets
// after an event's type, which reads as the thing to replay. The error
// then names the event and its deliveries' IDs, with the command that
// takes them (cmd: "hookctl replay", which takes several, or "hookctl
// deliveries show", one: many false). Any other error, or an id that
// names no event either, is returned as is.
func DeliveryOrEventID(ctx context.Context, st store.Store, id string, err error, cmd string, many bool) error {
	var nf *store.NotFoundError
	if !errors.As(err, &nf) || nf.Kind != "delivery" {
		return err
	}
	// An event id as -o json writes one whose bytes are not UTF-8
	// (store.EncodeText).
	e, gerr := st.GetEvent(ctx, store.DecodeText(id))
	if gerr != nil {
		return err
	}
	const show = 10
	ds, lerr := st.ListDeliveries(ctx, store.DeliveryFilter{EventID: e.ID, Limit: show + 1})
	if lerr != nil {
		return err
	}
	// A sender made the type and id: escaped, as everywhere hookctl
	// prints them, so they cannot drive the terminal.
	what := ui.Printable(e.ID, false)
	if e.Type != "" {
		what = ui.Printable(e.Type, false) + " " + what
	}
	out := Failf("%q is not a delivery but an event: %s", id, what)
	// The id as the command the hints name takes it: as -o json writes
	// it (store.EncodeText), and quoted for a shell: "$(printf '…')"
	// when it holds what the terminal must not get raw (a byte that is
	// not UTF-8, a control character, the encoded form's \x01). The
	// escaped form above (id_\xe9) named another id when pasted.
	arg := delivery.ShellWord(store.EncodeText(e.ID))
	if len(ds) == 0 {
		return out.Hint("it has no delivery: hookctl events show %s", arg)
	}
	ids := make([]string, 0, show)
	// replay refuses a delivery that already succeeded without --force:
	// the command the hint names for the event, given to be replayed,
	// carries it then, or it would fail as printed.
	force := ""
	for _, d := range ds[:min(len(ds), show)] {
		ids = append(ids, d.ID)
		if cmd == "hookctl replay" && d.Status == store.DeliverySucceeded {
			force = " --force"
		}
	}
	switch {
	case len(ids) == 1:
		return out.Hint("its delivery: %s %s%s", cmd, ids[0], force)
	case !many:
		out = out.Hint("its deliveries: %s (%s ID)", strings.Join(ids, ", "), cmd)
	default:
		out = out.Hint("its deliveries: %s %s%s", cmd, strings.Join(ids, " "), force)
	}
	if len(ds) > show {
		out = out.Hint("those are the first %d; all of them: hookctl events show %s", show, arg)
	}
	return out
}
