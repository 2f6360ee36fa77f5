package svix

import (
	"cmp"
	"context"
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/hookctl/hookctl/internal/provider"
	"github.com/hookctl/hookctl/internal/store"
)

// MessageEndpoint is Svix's MessageEndpointOut: an endpoint a message was
// sent to, with how its delivery stands.
type MessageEndpoint struct {
	Endpoint
	Status      int    `json:"status"` // 0 success, 1 pending, 2 fail
	StatusText  string `json:"statusText"`
	NextAttempt *Time  `json:"nextAttempt"`
}

// listAttemptedDestinations lists the application's endpoints a message
// went to (GET …/msg/{msg_id}/endpoint/), each once with its latest
// delivery's status, in the order the message first went to them. The
// iterator is the page's last endpoint's id and its place in that order
// (the Seq of the message's first delivery there: "ep_…~SEQ"), so the
// next page starts after that place even when that endpoint was deleted
// in between; an iterator that is only an endpoint's id (as pages gave it
// before) is found by id among the endpoints listed.
func (a *api) listAttemptedDestinations(w http.ResponseWriter, r *http.Request) {
	app, ok := a.appOr404(w, r)
	if !ok {
		return
	}
	limit, ok := limitOf(w, r, 50, 250)
	if !ok {
		return
	}
	e, err := a.msg(r.Context(), app, r.PathValue("msg_id"))
	if a.bad(w, err) {
		return
	}
	ds, err := a.s.Store.ListDeliveries(r.Context(), store.DeliveryFilter{EventID: e.ID})
	if a.bad(w, err) {
		return
	}
	// ds is oldest first (by Seq): a subscription's first delivery of
	// the message gives its place.
	latest := map[string]*store.Delivery{}
	place := map[string]int64{}
	var order []string
	for _, d := range ds {
		if d.SubscriptionID == "" {
			continue
		}
		if _, seen := latest[d.SubscriptionID]; !seen {
			order = append(order, d.SubscriptionID)
			place[d.SubscriptionID] = d.Seq
		}
		if cur := latest[d.SubscriptionID]; cur == nil || d.Seq > cur.Seq {
			latest[d.SubscriptionID] = d
		}
	}
	type dest struct {
		MessageEndpoint
		place int64
	}
	var out []dest
	for _, subID := range order {
		sub, err := a.s.Store.GetSubscription(r.Context(), subID)
		if provider.IsNotFound(err) {
			continue // deleted since
		}
		if a.bad(w, err) {
			return
		}
		if sub.Metadata[MetaApp] != app.ID || sub.Metadata[MetaID] == "" {
			continue
		}
		me := MessageEndpoint{Endpoint: render(sub)}
		me.Status, me.StatusText, me.NextAttempt = deliveryStatus(latest[subID])
		out = append(out, dest{me, place[subID]})
	}
	if it := r.URL.Query().Get("iterator"); it != "" {
		if !strings.HasPrefix(it, "ep_") {
			badIterator(w, it, `an ep_ id and its place, "ep_…~N"`)
			return
		}
		if at, ok := destPlace(it); ok {
			i := 0
			for i < len(out) && out[i].place <= at {
				i++
			}
			out = out[i:]
		} else if i := slices.IndexFunc(out, func(m dest) bool { return m.ID == it }); i >= 0 {
			out = out[i+1:]
		}
	}
	done := len(out) <= limit
	out = out[:min(limit, len(out))]
	var next *string
	page := []MessageEndpoint{}
	for _, d := range out {
		page = append(page, d.MessageEndpoint)
	}
	if len(out) > 0 {
		last := out[len(out)-1]
		it := last.ID + "~" + strconv.FormatInt(last.place, 10)
		next = &it
	}
	provider.WriteJSON(w, http.StatusOK, listPage{Data: page, Iterator: next, Done: done})
}

// destPlace reads the place a listAttemptedDestinations iterator
// ("ep_…~SEQ") names.
func destPlace(it string) (int64, bool) {
	i := strings.LastIndexByte(it, '~')
	if i < 0 {
		return 0, false
	}
	n, err := strconv.ParseInt(it[i+1:], 10, 64)
	return n, err == nil && n > 0
}

// pageMessages reads what listAttemptedMessages needs of a page of an
// endpoint's deliveries: every delivery to the endpoint of the page's
// messages (by message, oldest first) and the messages (absent or nil
// when one is gone), in one read each. A store without batched event
// reads is asked for each event.
func (a *api) pageMessages(ctx context.Context, subID string, ds []*store.Delivery) (map[string][]*store.Delivery, map[string]*store.Event, error) {
	sentTo := map[string][]*store.Delivery{}
	events := map[string]*store.Event{}
	if len(ds) == 0 {
		return sentTo, events, nil
	}
	var ids []string
	for _, d := range ds {
		if _, seen := sentTo[d.EventID]; !seen {
			sentTo[d.EventID] = nil
			ids = append(ids, d.EventID)
		}
	}
	all, err := a.s.Store.ListDeliveries(ctx, store.DeliveryFilter{SubscriptionID: subID, EventIDs: ids})
	if err != nil {
		return nil, nil, err
	}
	slices.SortFunc(all, func(x, y *store.Delivery) int { return cmp.Compare(x.Seq, y.Seq) })
	for _, d := range all {
		sentTo[d.EventID] = append(sentTo[d.EventID], d)
	}
	if err := store.LoadEvents(ctx, a.s.Store, ids, events); err != nil {
		return nil, nil, err
	}
	if _, batched := a.s.Store.(store.EventsGetter); batched {
		return sentTo, events, nil // an event it did not give is gone
	}
	for _, id := range ids {
		e, err := a.s.Store.GetEvent(ctx, id)
		if err != nil && !provider.IsNotFound(err) {
			return nil, nil, err
		}
		events[id] = e
	}
	return sentTo, events, nil
}

// endpointMsgPlace reads an iterator of an endpoint's message list:
// "ID~SEQ", a message's id and its place there (the Seq of its first
// delivery to the endpoint). ok is false for an id alone (as pages gave
// it before; an iterator of another list is taken as its id).
func endpointMsgPlace(it string) (id string, place int64, ok bool) {
	i := strings.LastIndexByte(it, '~')
	if i < 0 {
		return it, 0, false
	}
	n, err := strconv.ParseInt(it[i+1:], 10, 64)
	if err != nil || n < 1 {
		return it[:i], 0, false
	}
	return it[:i], n, true
}

// endpointMsgIterator is the iterator of an endpoint's message list that
// names message id at its place (the Seq of its first delivery to the
// endpoint): the id alone, as Svix's iterators are, when it says when its
// message was created (newMsgID), which places it also once the message
// is pruned (firstSentSince); else "ID~SEQ".
func endpointMsgIterator(id string, place int64) string {
	if _, ok := msgIDTime(id); ok {
		return id
	}
	return id + "~" + strconv.FormatInt(place, 10)
}

// firstSentSince is the Seq of the endpoint's first delivery made at or
// after t (math.MaxInt64 when none is): the place, in its message list,
// of a message created at t that the store no longer has.
func (a *api) firstSentSince(ctx context.Context, subID string, t time.Time) (int64, error) {
	ds, err := a.s.Store.ListDeliveries(ctx, store.DeliveryFilter{SubscriptionID: subID, Since: t, Limit: 1})
	if err != nil || len(ds) == 0 {
		return math.MaxInt64, err
	}
	return ds[0].Seq, nil
}

// EndpointMessage is Svix's EndpointMessageOut: a message sent to an
// endpoint, with how its delivery there stands.
type EndpointMessage struct {
	Message
	Status      int    `json:"status"` // 0 success, 1 pending, 2 fail
	StatusText  string `json:"statusText"`
	NextAttempt *Time  `json:"nextAttempt"`
}

// deliveryStatus is a delivery's Svix MessageStatus, its text and, while
// it is pending, when it is tried next.
func deliveryStatus(d *store.Delivery) (int, string, *Time) {
	switch d.Status {
	case store.DeliverySucceeded:
		return 0, "success", nil
	case store.DeliveryFailed:
		return 2, "fail", nil
	}
	if d.NextAttemptAt.IsZero() {
		return 1, "pending", nil
	}
	t := svixTime(d.NextAttemptAt)
	return 1, "pending", &t
}

// listAttemptedMessages lists the messages sent to an endpoint (GET
// …/endpoint/{endpoint_id}/msg/), newest first, each once (Svix lists
// messages, not deliveries: a resend while the message was in flight made
// a second delivery of it) at the place of its first delivery there, with
// its latest delivery's status; the iterator is the last message's id, as
// Svix's is (endpointMsgIterator), found by its deliveries, or placed by
// the time it carries when the message was pruned since (an iterator
// "ID~SEQ", as pages gave them before and still give for a message whose
// id carries no time, names its place).
// The query filters as Svix documents it: event_types, channel, tag,
// status (the latest delivery's), before and after (the message's
// creation). The store reads a page of the endpoint's deliveries at a
// time, by Seq both ways: deliveries written together share a creation
// time, so a time cursor skipped some and listed others twice.
func (a *api) listAttemptedMessages(w http.ResponseWriter, r *http.Request) {
	app, sub, ok := a.appEndpoint(w, r)
	if !ok {
		return
	}
	limit, ok := limitOf(w, r, 50, 250)
	if !ok {
		return
	}
	lf, ok := parseListFilter(w, r)
	if !ok {
		return
	}
	ctx := r.Context()
	// sent reads a message's deliveries to the endpoint, oldest first.
	sent := func(eventID string) ([]*store.Delivery, error) {
		return a.s.Store.ListDeliveries(ctx, store.DeliveryFilter{SubscriptionID: sub.ID, EventID: eventID})
	}
	f := store.DeliveryFilter{SubscriptionID: sub.ID, Newest: true}
	it, prev := iteratorOf(r)
	// The iterator's message's id says when it was created (newMsgID):
	// Svix's default window is the 90 days before it (after it, for a
	// prevIterator), else before now.
	itID, _, _ := endpointMsgPlace(it)
	itTime, _ := msgIDTime(itID)
	lf.setWindow(a.s.NowUTC(), itTime, prev)
	if !lf.winAfter.IsZero() {
		// A message's first delivery is made with it or later: those
		// made before the window are of messages created before it.
		f.Since = lf.winAfter
	}
	if it == "" && lf.readsUp() {
		// after alone: the messages just after it (see readsUp), read
		// oldest first from the deliveries made since (a message's first
		// delivery is made with it).
		prev, f.Newest, f.Since = true, false, lf.after
	}
	if id, place, ok := endpointMsgPlace(it); ok {
		// A place: the message's first delivery to the endpoint, which
		// holds when the message was pruned or deleted since.
		if ok, err := a.msgIterator(ctx, app, id); a.bad(w, err) {
			return
		} else if !ok || id == "" {
			badIterator(w, r.URL.Query().Get("iterator"), "a msg_ id and its place")
			return
		}
		it = ""
		if prev {
			f.Newest, f.AfterSeq = false, place
		} else {
			f.BeforeSeq = place
		}
	} else {
		it = id
	}
	if it != "" {
		// From the iterator's message on (from the newest when the
		// endpoint has none with that id); with "-id" (a prevIterator),
		// the newer ones just before it, read oldest first by the
		// deliveries' creation order and turned back.
		ds, err := sent(it)
		if a.bad(w, err) {
			return
		}
		if len(ds) == 0 {
			if ok, err := a.msgIterator(ctx, app, it); a.bad(w, err) {
				return
			} else if !ok {
				badIterator(w, r.URL.Query().Get("iterator"), "a msg_ id")
				return
			}
		}
		switch {
		case len(ds) == 0 && !itTime.IsZero():
			// The message is gone (pruned) or never went to the
			// endpoint: its place is where the deliveries made since
			// its creation begin, which its id says.
			if prev {
				if f.AfterSeq, err = a.firstSentSince(ctx, sub.ID, itTime); a.bad(w, err) {
					return
				}
				f.Newest, f.AfterSeq = false, max(f.AfterSeq-1, 0)
			} else {
				if f.BeforeSeq, err = a.firstSentSince(ctx, sub.ID, itTime); a.bad(w, err) {
					return
				}
			}
		case len(ds) == 0:
			prev = false
		case prev:
			f.Newest, f.AfterSeq = false, ds[0].Seq
		default:
			f.BeforeSeq = ds[0].Seq
		}
	}
	out := []EndpointMessage{}
	var places []int64 // out's messages' places: their first delivery's Seq
	more := false
	for !more {
		f.Limit = limit + 1
		ds, err := a.s.Store.ListDeliveries(ctx, f)
		if a.bad(w, err) {
			return
		}
		// The page's messages' deliveries to the endpoint and their
		// events, each in one read, not two reads per message.
		sentTo, events, err := a.pageMessages(ctx, sub.ID, ds)
		if a.bad(w, err) {
			return
		}
		for _, d := range ds {
			all := sentTo[d.EventID]
			if len(all) == 0 || all[0].ID != d.ID {
				continue // listed at its first delivery
			}
			e := events[d.EventID]
			if e == nil {
				continue
			}
			em := EndpointMessage{Message: renderMsg(e, r.URL.Query().Get("with_content") != "false")}
			em.Status, em.StatusText, em.NextAttempt = deliveryStatus(all[len(all)-1])
			if !lf.msgOK(e) || (lf.status >= 0 && em.Status != lf.status) {
				continue
			}
			if len(out) == limit {
				more = true
				break
			}
			out = append(out, em)
			places = append(places, d.Seq)
		}
		if len(ds) < f.Limit {
			break
		}
		if prev {
			f.AfterSeq = ds[len(ds)-1].Seq
		} else {
			f.BeforeSeq = ds[len(ds)-1].Seq
		}
	}
	if prev {
		slices.Reverse(out)
		slices.Reverse(places)
	}
	var next, prevIt *string
	if len(out) > 0 {
		n := endpointMsgIterator(out[len(out)-1].ID, places[len(places)-1])
		next, prevIt = &n, prevIteratorOf(endpointMsgIterator(out[0].ID, places[0]), len(out))
	}
	provider.WriteJSON(w, http.StatusOK, listPage{Data: out, Iterator: next, PrevIterator: prevIt, Done: !more})
}
