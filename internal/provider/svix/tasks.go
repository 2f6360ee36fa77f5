package svix

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/hookctl/hookctl/internal/provider"
	"github.com/hookctl/hookctl/internal/service"
	"github.com/hookctl/hookctl/internal/store"
)

// kindTask is the store object of a background task (recover/,
// replay-missing/, bulk-replay/): a Task, by its qtask_ id, so
// GET /api/v1/background-task/{task_id} reads it back from any server
// sharing the store. A task is history: it is written as a tombstone of
// store.HistoryKinds, so `hookctl store prune` deletes it with the
// history of its time (Svix lists the tasks of the past 90 days).
const kindTask = store.KindSvixTask

// Task is Svix's BackgroundTaskOut. hookctl does a task's work before it
// answers (the deliveries are queued in the outbox, sent by the worker),
// so every task is "finished" when it is answered; data.messagesSent is
// the number of messages it sent (the shape Svix documents for
// endpoint.bulk-replay; recover and replay-missing give theirs the same
// way).
type Task struct {
	ID        string         `json:"id"`
	Status    string         `json:"status"`
	Task      string         `json:"task"`
	Data      map[string]any `json:"data"`
	UpdatedAt Time           `json:"updatedAt"`
}

// finishTask records a finished task that sent n messages and answers
// its ReplayOut/RecoverOut (202), as Svix answers these routes.
func (a *api) finishTask(w http.ResponseWriter, r *http.Request, kind string, n int) {
	a.finishTaskData(w, r, kind, map[string]any{"messagesSent": n})
}

// finishTaskData is finishTask with the task's data given.
func (a *api) finishTaskData(w http.ResponseWriter, r *http.Request, kind string, data map[string]any) {
	t := Task{ID: newID("qtask_"), Status: "finished", Task: kind, Data: data,
		UpdatedAt: svixTime(a.s.NowUTC())}
	b, err := json.Marshal(t)
	if a.bad(w, err) {
		return
	}
	// The messages are queued whatever happens now: the record is
	// written even when the caller has hung up.
	_, err = a.s.Store.ChangeObject(context.WithoutCancel(r.Context()), kindTask, t.ID, func(cur *store.Object) (*store.Object, error) {
		return &store.Object{Data: b, Deleted: true, CreatedAt: t.UpdatedAt.Time}, nil
	})
	if a.bad(w, err) {
		return
	}
	provider.WriteJSON(w, http.StatusAccepted, map[string]any{"id": t.ID, "status": t.Status, "task": t.Task, "updatedAt": t.UpdatedAt})
}

// getTask is GET /api/v1/background-task/{task_id}.
func (a *api) getTask(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("task_id")
	o, err := a.s.Store.GetObject(r.Context(), kindTask, id)
	if err == nil && o.ID != id {
		err = store.ErrNotFound
	}
	if a.bad(w, err) {
		return
	}
	var t Task
	if a.bad(w, json.Unmarshal(o.Data, &t)) {
		return
	}
	provider.WriteJSON(w, http.StatusOK, t)
}

var taskKinds = []string{"endpoint.replay", "endpoint.recover", "application.stats", "message.broadcast", "sdk.generate",
	"event-type.aggregate", "application.purge_content", "endpoint.bulk-replay"}

// listTasks is GET /api/v1/background-task: newest first by default
// (order), filtered by status and task, a page of limit (default 50, at
// most 250) after the iterator's task ("-id": the page before it).
func (a *api) listTasks(w http.ResponseWriter, r *http.Request) {
	limit, ok := limitOf(w, r, 50, 250)
	if !ok {
		return
	}
	q := r.URL.Query()
	ascending := false
	switch o := q.Get("order"); o {
	case "", "descending":
	case "ascending":
		ascending = true
	default:
		fail(w, http.StatusUnprocessableEntity, "validation", "order must be ascending or descending")
		return
	}
	status, kind := q.Get("status"), q.Get("task")
	if status != "" && !slices.Contains([]string{"running", "finished", "failed"}, status) {
		failValidation(w, []string{"query", "status"}, "status must be running, finished or failed")
		return
	}
	if kind != "" && !slices.Contains(taskKinds, kind) {
		failValidation(w, []string{"query", "task"}, "task must be one of "+strings.Join(taskKinds, ", "))
		return
	}
	it, prev := iteratorOf(r)
	if it != "" && !strings.HasPrefix(it, "qtask_") {
		badIterator(w, q.Get("iterator"), "a qtask_ id")
		return
	}
	objs, err := a.s.Store.ListObjects(r.Context(), kindTask) // oldest first
	if a.bad(w, err) {
		return
	}
	if !ascending {
		slices.Reverse(objs)
	}
	if i := slices.IndexFunc(objs, func(o *store.Object) bool { return o.ID == it }); i >= 0 {
		if prev {
			objs = objs[:i]
		} else {
			objs = objs[i+1:]
		}
	} else {
		prev = false
	}
	out := []Task{}
	for _, o := range objs {
		var t Task
		if json.Unmarshal(o.Data, &t) != nil || t.ID != o.ID {
			continue
		}
		if (status == "" || t.Status == status) && (kind == "" || t.Task == kind) {
			out = append(out, t)
		}
	}
	writeIDPage(w, out, prev, limit, func(t Task) string { return t.ID })
}

// bulkReplay is Svix's endpoint.bulkReplay: every message created in
// [since, until] that went to the endpoint (it has a delivery there),
// successful or failed, narrowed by eventTypes, channel, tag, status
// (its latest delivery's there, as the endpoint's message list shows it)
// and statusCodeClass (that delivery's last response: 0 none, 100 …
// 500), is sent to the endpoint again: its latest delivery requeued to
// the endpoint's URL now, as resend/ does (a fresh delivery of the
// stored bytes when that one is in flight). A message the endpoint never
// got is replay-missing's, not this; one whose delivery there has no
// attempt recorded yet (queued, scheduled by deliverAt, or its first
// attempt in flight) is left to go out at its time.
func (a *api) bulkReplay(w http.ResponseWriter, r *http.Request) {
	_, sub, ok := a.appEndpoint(w, r)
	if !ok {
		return
	}
	var in struct {
		Since           *time.Time `json:"since"`
		Until           *time.Time `json:"until"`
		EventTypes      []string   `json:"eventTypes"`
		Channel         *string    `json:"channel"`
		Tag             *string    `json:"tag"`
		Status          *int       `json:"status"`
		StatusCodeClass *int       `json:"statusCodeClass"`
	}
	if !a.decode(w, r, &in, false) {
		return
	}
	if in.Since == nil {
		failValidation(w, []string{"body", "since"}, "since is required (an RFC 3339 time)")
		return
	}
	if in.Until != nil && in.Until.Before(*in.Since) {
		failValidation(w, []string{"body", "until"}, "until must not be before since ("+
			in.Until.UTC().Format(time.RFC3339)+" is before "+in.Since.UTC().Format(time.RFC3339)+")")
		return
	}
	lf := listFilter{status: -1, codeClass: -1}
	for _, t := range in.EventTypes {
		if !validName(t, 256, "") {
			failValidation(w, []string{"body", "eventTypes"}, "eventTypes: "+strconv.Quote(t)+" is not an event type's name (1 to 256 letters, digits, '-', '_' or '.')")
			return
		}
		lf.types = append(lf.types, t)
	}
	if in.Channel != nil {
		if !validName(*in.Channel, 128, ":+") {
			failValidation(w, []string{"body", "channel"}, "channel must be 1 to 128 characters: letters, digits, '-', '_', '.', ':' or '+'")
			return
		}
		lf.channel = *in.Channel
	}
	if in.Tag != nil {
		if !validName(*in.Tag, 128, `/\#`) {
			failValidation(w, []string{"body", "tag"}, "tag must be 1 to 128 characters: letters, digits, '-', '_', '.', '/', '\\' or '#'")
			return
		}
		lf.tag = *in.Tag
	}
	if in.Status != nil {
		if !slices.Contains([]int{0, 1, 2, 3, 4}, *in.Status) {
			failValidation(w, []string{"body", "status"}, "status must be 0 (success), 1 (pending), 2 (fail), 3 (sending) or 4 (canceled)")
			return
		}
		lf.status = *in.Status
	}
	if in.StatusCodeClass != nil {
		if !slices.Contains([]int{0, 100, 200, 300, 400, 500}, *in.StatusCodeClass) {
			failValidation(w, []string{"body", "statusCodeClass"}, "statusCodeClass must be 0, 100, 200, 300, 400 or 500")
			return
		}
		lf.codeClass = *in.StatusCodeClass
	}
	ctx := r.Context()
	// The endpoint's deliveries since since, a page at a time: a message
	// created then has every delivery of it made since. Each message is
	// judged once, by its latest delivery there.
	const page = 500
	f := store.DeliveryFilter{SubscriptionID: sub.ID, Since: *in.Since, Limit: page}
	seen := map[string]bool{}
	var latest []*store.Delivery // one per message to replay, oldest first
	events := map[string]*store.Event{}
	for {
		ds, err := a.s.Store.ListDeliveries(ctx, f)
		if a.bad(w, err) {
			return
		}
		var fresh []*store.Delivery
		for _, d := range ds {
			if !seen[d.EventID] {
				seen[d.EventID] = true
				fresh = append(fresh, d)
			}
		}
		sentTo, evs, err := a.pageMessages(ctx, sub.ID, fresh)
		if a.bad(w, err) {
			return
		}
		for _, d := range fresh {
			e := evs[d.EventID]
			all := sentTo[d.EventID]
			if e == nil || expunged(e) || len(all) == 0 || e.CreatedAt.Before(*in.Since) || in.Until != nil && e.CreatedAt.After(*in.Until) || !lf.eventOK(e) {
				continue
			}
			last := all[len(all)-1]
			if last.Status == store.DeliveryPending && last.AttemptCount == 0 {
				// Not sent yet (queued, scheduled by deliverAt, or its
				// first attempt in flight): it goes out at its time; a
				// replay would send it early, or twice.
				continue
			}
			if st, _, _ := deliveryStatus(last); lf.status >= 0 && st != lf.status {
				continue
			}
			if lf.codeClass >= 0 && last.LastStatus/100*100 != lf.codeClass {
				continue
			}
			latest = append(latest, last)
			events[e.ID] = e
		}
		if len(ds) < page {
			break
		}
		f.AfterSeq = ds[len(ds)-1].Seq
	}
	if len(latest) > 0 {
		ids := make([]string, len(latest))
		for i, d := range latest {
			ids[i] = d.ID
		}
		// To the endpoint's URL now, successful deliveries too (Force).
		requeued, err := a.s.Dispatch.Replay(ctx, ids, store.Requeue{Force: true, URL: sub.CallbackURL})
		if a.bad(w, err) {
			return
		}
		for _, d := range latest {
			if slices.Contains(requeued, d.ID) {
				continue
			}
			// In flight right now (a requeue leaves it to its sender): a
			// fresh delivery of the stored bytes, as resend/ sends one.
			if _, err := a.s.Dispatch.PublishTo(ctx, events[d.EventID], []*store.Subscription{sub}, service.Target{Manual: true}); a.bad(w, err) {
				return
			}
		}
	}
	a.finishTask(w, r, "endpoint.bulk-replay", len(latest))
}
