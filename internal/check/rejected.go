package check

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// ignores-rejected: a receiver can answer 400 to a request that fails
// verification and act on it all the same: a handler that sends the 400
// and goes on without returning (res.status(400).send(…) with no return)
// passed every rejects-* check, whose verdicts see only the answer.
// With --effect-cmd, what the app did is watched across those probes.

// effectMark is --effect-cmd's output before the rejects-* probes (ok:
// ignores-rejected runs).
type effectMark struct {
	ok     bool
	before string
}

// rejectedIDs are the checks whose probes fail verification, in order.
var rejectedIDs = []string{RejectsMissingSig, RejectsWrongSecret, RejectsTamperedBody, RejectsMalformedSig, RejectsStaleTimestamp, RejectsFutureTimestamp}

// markEffect reads --effect-cmd's output before the rejects-* probes.
// settled: the first valid event changed it (the command shows what the
// app did); and dedupes-duplicate passed: the output held still for
// --effect-wait after the duplicate, so the app is done with the valid
// events.
func (r *runner) markEffect(ctx context.Context, settled bool) (effectMark, error) {
	switch {
	case !r.on(IgnoresRejected):
		return effectMark{}, nil
	case len(r.props.SigHeaders) == 0:
		r.skip(IgnoresRejected, r.unsignedWhy())
		return effectMark{}, nil
	case r.cfg.Effect == nil:
		r.skip(IgnoresRejected, "no --effect-cmd to observe what the app did")
		return effectMark{}, nil
	case r.hung.Load() != nil:
		return effectMark{}, nil // notRun fails it as not run
	case !r.on(DedupesDuplicate):
		r.skip(IgnoresRejected, "needs dedupes-duplicate, which watches the first valid event's effect")
		return effectMark{}, nil
	case !settled:
		r.skip(IgnoresRejected, "the first valid event did not change --effect-cmd's output (see dedupes-duplicate): nothing to compare with")
		return effectMark{}, nil
	case !r.passed(DedupesDuplicate):
		// The duplicate changed the output: the app may still be acting
		// on the valid events, and a change would be blamed on the probes.
		r.skip(IgnoresRejected, "needs dedupes-duplicate to pass: --effect-cmd's output must hold still after the valid events before it can show what the probes did")
		return effectMark{}, nil
	}
	out, err := r.cfg.Effect(ctx)
	if errors.Is(err, ErrEffectTimeout) {
		return effectMark{}, err
	}
	if err != nil {
		r.skip(IgnoresRejected, "--effect-cmd failed before the rejects-* probes: "+err.Error())
		return effectMark{}, nil
	}
	return effectMark{ok: true, before: out}, nil
}

// passed reports whether check id has a PASS in the report so far.
func (r *runner) passed(id string) bool {
	return slices.ContainsFunc(r.rep.Checks, func(c Result) bool { return c.ID == id && c.Verdict == Pass })
}

// judgeRejectedEffect watches --effect-cmd for --effect-wait after the
// rejects-* probes: it must not have changed.
func (r *runner) judgeRejectedEffect(ctx context.Context, m effectMark) error {
	if !m.ok || r.hung.Load() != nil || !r.begin(IgnoresRejected) {
		return nil
	}
	var sent []Result
	for _, id := range rejectedIDs {
		for _, c := range r.rep.Checks {
			if c.ID == id && c.Verdict != Skip {
				sent = append(sent, c)
			}
		}
	}
	if len(sent) == 0 {
		r.skip(IgnoresRejected, "no rejects-* check ran")
		return nil
	}
	final, moved, err := r.watchEffect(ctx, m.before, r.cfg.Settle, false)
	if err != nil {
		return err
	}
	ids := make([]string, len(sent))
	var refused []string
	for i, c := range sent {
		ids[i] = c.ID
		if c.Status >= 400 && c.Status < 500 {
			refused = append(refused, c.ID)
		}
	}
	res := Result{ID: IgnoresRejected, DeliveryID: sent[0].DeliveryID}
	if !moved {
		// A receiver that answered 2xx to some of them did not act on
		// them (it verifies, drops, and acknowledges anyway): their hints
		// ("an attacker's request would be processed", "the timestamp is
		// not checked at all") are not what happened; what the 2xx costs is.
		for i, c := range r.rep.Checks {
			if slices.Contains(ids, c.ID) && c.Verdict == Fail && c.Status >= 200 && c.Status < 300 {
				r.rep.Checks[i].Hint = "the app did not act on this request (--effect-cmd unchanged, see ignores-rejected) but answered it " +
					fmt.Sprint(c.Status) + ", which the provider counts as delivered: answer 400 or 401 to a request that fails verification, so that failures show as failed deliveries"
				if c.Body != "" && c.Body == r.acceptedBody {
					// The very answer a valid event gets ("ok"): a handler
					// that answers first and verifies after cannot refuse.
					r.rep.Checks[i].Hint += fmt.Sprintf(" (it got the answer a valid event gets, %s: if the handler answers before it verifies, verify first, then answer)", c.Body)
				}
			}
		}
		res.Verdict = Pass
		res.Detail = fmt.Sprintf("--effect-cmd printed %q before the probes of %s, and the same for %s after them", short(m.before), strings.Join(ids, ", "), ms(r.cfg.Settle))
		r.rep.add(res)
		return nil
	}
	detail := fmt.Sprintf("--effect-cmd printed %q before the probes of %s, %q after them", short(m.before), strings.Join(ids, ", "), short(final))
	if len(refused) < len(sent) {
		// Some were accepted: their rejects-* checks fail already, and
		// the change may be theirs alone; which probe it followed is not
		// known (one check of the effect after them all).
		var accepted []string
		for _, c := range sent {
			if !slices.Contains(refused, c.ID) {
				accepted = append(accepted, c.ID)
			}
		}
		r.skip(IgnoresRejected, detail+": the probes of "+strings.Join(accepted, ", ")+" were not refused, which may be what it acted on (see those checks)")
		return nil
	}
	// Every probe was refused (4xx), and the app acted all the same.
	res.Verdict, res.Detail, res.Status = Fail, detail, sent[0].Status
	res.Hint = "the app acted on a request that fails verification, though it answered each of them with a 4xx: stop the handler once it refuses (return after sending the 400 or 401), before any processing"
	r.rep.add(res)
	return nil
}
