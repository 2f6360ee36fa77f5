package check

import (
	"context"
	"net/http"
	"strings"
)

// rejects-malformed-signature: a signature header of the wrong length.
// Node's crypto.timingSafeEqual throws when its two buffers differ in
// length, and the comparison GitHub's docs showed for years
// (timingSafeEqual(Buffer.from(expected), Buffer.from(header))) has no
// length check: behind a guard for a missing header it passed every
// check (another secret's signature has the right length), and answered
// any request with a short header with a 500 (express) or ended the
// whole process (an exception on node:http), for anyone to send.

// malformedSig runs rejects-malformed-signature: each signature header
// cut to half its length (Stripe's "t=…,v1=" keeps its timestamp, a
// short v1 after it).
func (r *runner) malformedSig(ctx context.Context) error {
	if !r.on(RejectsMalformedSig) {
		return nil
	}
	if len(r.props.SigHeaders) == 0 {
		r.skip(RejectsMalformedSig, r.unsignedWhy())
		return nil
	}
	if !r.begin(RejectsMalformedSig) {
		return nil // the receiver hung before: notRun fails it as not run
	}
	ev, m, err := r.build(r.cfg.Event)
	if err != nil {
		return err
	}
	sig := r.props.SigHeaders
	names, its, was := strings.Join(headerNames(sig), ", "), "its", "was"
	if len(sig) > 1 {
		its, was = "their", "were"
	}
	o := r.send(ctx, probe{ev: ev, method: m, alter: func(h http.Header, b []byte) []byte {
		for _, k := range sig {
			if v := h.Get(k); v != "" {
				h.Set(k, v[:len(v)/2])
			}
		}
		return b
	}})
	res := r.judgeReject(RejectsMalformedSig, o, names+" cut to half "+its+" length")
	st := o.a.ResponseStatus
	switch {
	case res.Verdict != Fail:
	case st >= 200 && st < 300 && r.refusalBody(o) == "": // else judgeReject's hint: refused in its body
		res.Hint = "accepted a request whose " + names + " " + was + " cut short: an attacker's request would be processed; compare the whole value with the one you compute and answer 400 or 401 when it does not match"
	case st >= 500:
		res.Hint = o.failedHint("a malformed signature header made the receiver fail: a comparison that throws on different lengths (Node's crypto.timingSafeEqual) does, so anyone can make it fail; compare the lengths first, and answer 400 or 401 to a request that fails verification")
	}
	r.rep.add(res)
	return nil
}
