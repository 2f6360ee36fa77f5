package svix

import (
	"context"
	"errors"
	"net/http"
	"slices"

	"github.com/hookctl/hookctl/internal/provider"
	"github.com/hookctl/hookctl/internal/store"
)

// expiredPayload is what Svix answers for the payload of a message whose
// content was expunged (or expired): svix-server's MessageOut.
const expiredPayload = `{"expired":true}`

// missingPayload is Svix's answer to a resend of such a message
// (svix-server's resend_webhook: 400 missing_payload).
func missingPayload(w http.ResponseWriter) {
	fail(w, http.StatusBadRequest, "missing_payload", "Unable to resend message. Payload is missing (probably expired).")
}

func expunged(e *store.Event) bool {
	_, ok := e.Expunged()
	return ok
}

// expungeMsg is Svix's message.expungeContent (DELETE
// …/msg/{msg_id}/content, 204): the message's payload is forgotten; it
// reads {"expired":true} since, a resend of it is refused (400
// missing_payload), recover, bulk-replay and replay-missing leave it
// out, and its deliveries not yet sent are not sent (failed, as Svix's
// worker drops them). Again is a 204 too.
func (a *api) expungeMsg(w http.ResponseWriter, r *http.Request) {
	app, ok := a.appOr404(w, r)
	if !ok {
		return
	}
	e, err := a.msg(r.Context(), app, r.PathValue("msg_id"))
	if a.bad(w, err) {
		return
	}
	x, ok := a.expunger(w)
	if !ok {
		return
	}
	if err := x.ExpungeEvent(r.Context(), e.ID, a.s.NowUTC()); !a.expungeFailed(w, err) {
		w.WriteHeader(http.StatusNoContent)
	}
}

// expunger is the store's store.ContentExpunger; without one, the answer
// is a 501.
func (a *api) expunger(w http.ResponseWriter) (store.ContentExpunger, bool) {
	x, ok := a.s.Store.(store.ContentExpunger)
	if !ok {
		unsupported(w)
	}
	return x, ok
}

func unsupported(w http.ResponseWriter) {
	fail(w, http.StatusNotImplemented, "not_implemented", "this store cannot expunge content")
}

// expungeFailed answers err (501 when the store behind a wrapper cannot
// expunge); it reports whether it did.
func (a *api) expungeFailed(w http.ResponseWriter, err error) bool {
	if errors.Is(err, errors.ErrUnsupported) {
		unsupported(w)
		return true
	}
	return a.bad(w, err)
}

// expungeAttempt is Svix's messageAttempt.expungeContent (DELETE
// …/msg/{msg_id}/attempt/{attempt_id}/content, 204): the attempt's
// response body reads "EXPUNGED" since, as in Svix. 404 with Svix's
// details when the message, or that attempt of it, is not there.
func (a *api) expungeAttempt(w http.ResponseWriter, r *http.Request) {
	app, ok := a.appOr404(w, r)
	if !ok {
		return
	}
	ctx := r.Context()
	e, err := a.msg(ctx, app, r.PathValue("msg_id"))
	if provider.IsNotFound(err) {
		fail(w, http.StatusNotFound, "not_found", "Message not found")
		return
	}
	if a.bad(w, err) {
		return
	}
	attemptGone := func() { fail(w, http.StatusNotFound, "not_found", "Message attempt not found") }
	k, ok, err := a.attemptOf(ctx, e, r.PathValue("attempt_id"))
	if a.bad(w, err) {
		return
	}
	if !ok {
		attemptGone()
		return
	}
	d, err := a.s.Store.GetDelivery(ctx, k.DeliveryID)
	if provider.IsNotFound(err) || err == nil && (d.ID != k.DeliveryID || d.EventID != e.ID) {
		attemptGone()
		return
	}
	if a.bad(w, err) {
		return
	}
	atts, err := a.s.Store.ListAttempts(ctx, d.ID)
	if a.bad(w, err) {
		return
	}
	if !slices.ContainsFunc(atts, func(at *store.Attempt) bool { return at.Number == k.Number }) {
		attemptGone()
		return
	}
	x, ok := a.expunger(w)
	if !ok {
		return
	}
	err = x.ExpungeAttemptBody(ctx, d.ID, k.Number)
	if provider.IsNotFound(err) {
		attemptGone()
		return
	}
	if a.expungeFailed(w, err) {
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// expungeAllMsgs is Svix's message.expungeAllContents (POST
// …/msg/expunge-all-contents, 202): every message of the application is
// expunged as expungeMsg expunges one, before the answer, a task
// application.purge_content whose data.messagesPurged is the number of
// messages expunged now (one expunged before is not counted again).
func (a *api) expungeAllMsgs(w http.ResponseWriter, r *http.Request) {
	app, ok := a.appOr404(w, r)
	if !ok {
		return
	}
	x, ok := a.expunger(w)
	if !ok {
		return
	}
	// Once begun, the purge goes on when the caller hangs up: a
	// half-purged application is not what anyone asked for.
	ctx := context.WithoutCancel(r.Context())
	const page = 200
	f := store.EventFilter{Source: store.SourceTriggered, Header: map[string]string{hdrApp: app.ID},
		Oldest: true, Limit: page, NoCounts: true}
	at, n := a.s.NowUTC(), 0
	for {
		evs, err := a.s.Store.ListEvents(ctx, f)
		if a.bad(w, err) {
			return
		}
		for _, e := range evs {
			if expunged(&e.Event) {
				continue
			}
			if err := x.ExpungeEvent(ctx, e.ID, at); err != nil && !provider.IsNotFound(err) {
				a.expungeFailed(w, err) // a message deleted meanwhile (pruned) is no failure
				return
			}
			n++
		}
		if len(evs) < page {
			break
		}
		f.After = evs[len(evs)-1].ID
	}
	a.finishTaskData(w, r, "application.purge_content", map[string]any{"messagesPurged": n})
}
