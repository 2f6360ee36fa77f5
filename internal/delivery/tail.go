package delivery

import (
	"context"
	"errors"
	"slices"
	"sync"
	"time"

	"github.com/hookctl/hookctl/internal/store"
)

// TailItem is one thing the delivery log's tail reports: a delivery
// (Attempt nil), or one attempt of it. Row is the delivery as read when
// the item was found; for an attempt, State is the delivery after that
// attempt (its status, error and next attempt), which is Row's own state
// for its latest attempt.
type TailItem struct {
	Row     *store.DeliveryRow
	Attempt *store.Attempt
	State   *store.Delivery
	// Source is the delivery's source as deliveries list says it: sent,
	// received or check.
	Source string
	// BudgetRaised: an attempt asked for (a replay, a resend) followed
	// this one, and replays add attempts to the budget: State's
	// MaxAttempts is the budget now, not the one this attempt was made
	// under, which attempts do not keep.
	BudgetRaised bool
}

// At is when the item happened: a delivery's creation, an attempt's end.
func (it TailItem) At() time.Time {
	if it.Attempt != nil {
		return it.Attempt.StartedAt.Add(it.Attempt.Duration)
	}
	return it.Row.CreatedAt
}

// Tailer follows the delivery log: it reports the last Lines deliveries
// that match, then every delivery created after it started (by any
// process sharing the store) and every attempt of those as it is
// recorded. Each tick is one range query by Seq after the newest
// delivery seen, plus one read of the deliveries it reported that are
// still pending (at most MaxWatch of them) and due — one whose retry is
// not due yet cannot have made an attempt, and is read again when it is
// (at most watchIdle later; nextRead) — and of the attempts of those
// that made one since.
//
// A replay adds attempts to a delivery that had settled; its Seq does not
// change. Each requeue (a replay, serve's resends) appends the delivery
// and its attempt count to the store's requeue log (store.RequeueLog),
// which the tail follows by id at every tick, as it follows deliveries by
// Seq: a delivery requeued since is read (one read by ID), its attempts
// above that count are reported once each, as a pending one's are, and
// it is followed until it settles — also one the tail never reported
// (older than its backlog), and one a replay sent within the tick. The log
// is read before the followed deliveries: one it names (a replay of a
// delivery waiting for its retry) is read, its replay's attempt
// reported, at the same tick. One
// the requeue left settled (PostgreSQL's replay --failed leases a failed
// delivery in place until its attempt is recorded) is followed as a
// pending one is until it made an attempt above that count, or for
// requeueGrace. On
// PostgreSQL the log's ids commit out of order (store.RequeueCommitLog):
// at each tick the entries at or below the log's cursor that the last
// tick's snapshot did not see are read by transaction, as the deliveries
// are (below): a requeue committed late is shown however late. Every Recheck the tail
// also re-reads the last MaxDone settled deliveries it reported (one
// read by ID, at most MaxDone rows) for their new attempts: on a store
// without a requeue log, a replay's; with one, a replay's whose attempt
// came after requeueGrace, or beyond MaxWatch.
//
// On PostgreSQL a delivery's Seq is taken inside its transaction, so
// deliveries commit out of Seq order (store.CommitReader): each tick takes
// a transaction snapshot before its reads, and reads, after the range
// read, the deliveries at or below the cursor the last tick's snapshot
// did not see (one indexed read, as the inspector's live log does): a
// long transaction's delivery, or an import's, is reported whenever it
// commits, however far below the cursor, in the tick's time order. SQLite
// assigns Seq in commit order: no such read. Neither store gives a Seq
// again, also once the newest deliveries were deleted (store prune, a
// reset; SQLite since schema 11): what is made next is above the cursor.
type Tailer struct {
	Store store.Store
	Insp  store.Inspector
	// Filters, as deliveries list takes them. Status selects what is
	// reported: a delivery is born pending, so with succeeded or failed
	// it is reported (with its attempts) once it settled so; with
	// pending, it and its attempts that left it pending are.
	Status         string
	EventPattern   string
	SubscriptionID string
	Source         string // sent, received or check
	// Lines is how many deliveries of the log to report first (at most
	// 1000).
	Lines int
	// Interval is the time between two reads (default 250 ms).
	Interval time.Duration
	// MaxWatch bounds the pending deliveries whose attempts are followed
	// (default DefaultTailWatch); beyond it a new delivery is reported
	// with the attempts it had when found, and OnOverflow is told once.
	MaxWatch int
	// MaxDone bounds the settled deliveries re-read for replays (the
	// last reported; default DefaultTailDone), Recheck is how often they
	// are (default DefaultTailRecheck).
	MaxDone int
	Recheck time.Duration
	// Emit hears each item, in order: a delivery before its attempts,
	// attempts by number, a tick's items by the time they happened.
	Emit func(TailItem) error
	// Batch, when set, hears the items of each read before Emit hears
	// them one by one (the last Lines deliveries are one read): deliveries
	// tail shortens their ids to prefixes unique among all of them.
	Batch func([]TailItem)
	// OnError hears the first failed read of an outage and OnBack its end
	// (the tail goes on reading at every tick meanwhile).
	OnError    func(err error)
	OnBack     func(down time.Duration)
	OnOverflow func(max int)
	// OnReady hears that the log was read up to now: whatever is written
	// from then on is followed.
	OnReady func()
	// Out, when set, is asked at each tick, before the store is read,
	// whether what Emit writes to is still read: an error ends Run with
	// it (a pipe whose reader exited: the tail would only end at its next
	// line, which may never come).
	Out func() error
	// OnLost hears that n requeue log entries (replays) the tail had not
	// read yet were deleted (the log keeps its last RequeueLogKeep), so
	// their attempts are not reported: once when the tail finds it fell
	// that far behind, then (more) once for those lost after, while it
	// was still behind, when it caught up or ends. upTo: n is an upper
	// bound, not the exact count: on PostgreSQL (store.RequeueCommitLog) an
	// id missing from the log may never have been a replay (a requeue's
	// transaction rolled back took it, and nothing tells the two apart
	// once pruned); SQLite's log (AUTOINCREMENT) takes an id only when
	// the requeue commits, so n is exact there.
	OnLost func(n int64, more, upTo bool)

	watch map[string]*watched
	rq    store.RequeueLog // nil: the store keeps none
	rqTop int64            // the newest requeue log id read
	// rqCommits: the log's entries commit out of id order (PostgreSQL),
	// read by transaction: those at or below rqSnapTop (rqTop when snap
	// was taken) that snap did not see; rqLastSent are the ids the last
	// tick read (one that committed after snap, read then, is not read
	// again).
	rqCommits  store.RequeueCommitLog
	rqSnapTop  int64
	rqLastSent map[int64]bool
	done       *doneSet  // settled deliveries reported, for replays
	checked    time.Time // the last re-read of done
	page       int       // rows per range read (tailPage; tests make it small)
	undo       *tailUndo // what the current step changed, while it runs
	top        int64     // the newest Seq read
	// commits: the store's deliveries commit out of seq order
	// (PostgreSQL); snap is the snapshot taken before the last reads up
	// to top, lastSent the seqs those reads returned (a delivery that
	// committed after the snapshot, read then, is not reported again).
	commits  store.CommitReader
	snap     string
	lastSent map[int64]bool
	down     time.Time
	overflow bool
	// subSchemes: the schemes of the subscriptions of the rows reported
	// (sentScheme), by subscription id.
	schemesMu  sync.Mutex
	subSchemes map[string]string
	// The requeue log entries deleted before the tail read them: found by
	// this step (lostTick), by the steps since the first was said while
	// still behind (lostMore); rqFull: the step's reads of the log were
	// all full (more to read).
	lostTick, lostMore int64
	lostSaid, rqFull   bool
}

// DefaultTailWatch is how many pending deliveries a tail follows.
const DefaultTailWatch = 10_000

// DefaultTailDone is how many settled deliveries a tail re-reads for the
// attempts of a replay, DefaultTailRecheck how often.
const (
	DefaultTailDone    = 1000
	DefaultTailRecheck = time.Second
)

// MinTailInterval is the shortest Interval a tail takes.
const MinTailInterval = 10 * time.Millisecond

type watched struct {
	printed int  // attempts reported
	shown   bool // the delivery was reported
	// next is when a pending one is read again (zero: at the next tick):
	// no attempt is made of it before it is due (nextRead).
	next time.Time
	// requeued is when a requeue log entry named it while it was not
	// pending (PostgreSQL's replay --failed leases a failed delivery in
	// place: it stays failed until its attempt is recorded), above the
	// entry's attempt count: it is followed, whatever its status, until
	// it made an attempt above that or requeueGrace passed (inPlace).
	requeued time.Time
	above    int
}

// requeueGrace is how long a delivery a requeue log entry named while it
// was settled (leased in place) is followed for the replay's attempt.
const requeueGrace = time.Minute

// inPlace reports whether the settled row w follows is waiting for the
// attempt of a requeue that leased it in place, and when it is read
// again: at every tick for watchOverdue, then every Recheck.
func (t *Tailer) inPlace(row *store.DeliveryRow, w *watched, now time.Time) (bool, time.Time) {
	if w.requeued.IsZero() || row.AttemptCount > w.above || now.Sub(w.requeued) >= requeueGrace {
		return false, time.Time{}
	}
	if now.Sub(w.requeued) < watchOverdue {
		return true, time.Time{}
	}
	return true, now.Add(t.Recheck)
}

// watchIdle is the longest a followed pending delivery goes unread (a
// safety net for clocks that disagree, and for one deleted meanwhile);
// watchOverdue is how long past its due time one is read at every tick
// (its attempt is being made), after which a busy or stopped worker's
// backlog is read every Recheck.
const (
	watchIdle    = 5 * time.Second
	watchOverdue = 2 * time.Second
)

// nextRead is when the pending delivery row, read at now, is read again:
// no attempt is recorded before its due time, so a delivery waiting for
// its retry costs nothing until then (at most watchIdle); one due is
// read at every tick for watchOverdue, then every Recheck.
func (t *Tailer) nextRead(row *store.DeliveryRow, now time.Time) time.Time {
	due := row.NextAttemptAt
	switch {
	case due.IsZero():
		return time.Time{}
	case due.After(now):
		return minTime(due, now.Add(watchIdle))
	case now.Sub(due) < watchOverdue:
		return time.Time{}
	}
	return now.Add(t.Recheck)
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

// tailPage is how many rows one range read returns; tailPages bounds the
// reads of one tick (a flood is read over several ticks).
const (
	tailPage  = 1000
	tailPages = 5
	idsChunk  = 500
)

// Run reports the log and follows it until ctx is done (then it returns
// nil), Emit or Out fails, or the store's file is deleted or replaced (a
// store.IsGone error), or its tables are (store.IsTableGone).
func (t *Tailer) Run(ctx context.Context) error {
	if t.Interval <= 0 {
		t.Interval = 250 * time.Millisecond
	}
	t.Interval = max(t.Interval, MinTailInterval)
	if t.MaxWatch <= 0 {
		t.MaxWatch = DefaultTailWatch
	}
	if t.MaxDone <= 0 {
		t.MaxDone = DefaultTailDone
	}
	if t.Recheck <= 0 {
		t.Recheck = DefaultTailRecheck
	}
	t.watch = map[string]*watched{}
	defer t.sayLost(true)
	if err := t.start(ctx); err != nil {
		if ctx.Err() != nil {
			return nil
		}
		return err
	}
	if t.OnReady != nil {
		t.OnReady()
	}
	tick := time.NewTicker(t.Interval)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		}
		if t.Out != nil {
			if err := t.Out(); err != nil {
				return err
			}
		}
		// A store file deleted or replaced (SQLite) is no longer the
		// log: one stat.
		if err := store.CheckInPlace(t.Store); err != nil {
			return err
		}
		items, err := t.step(ctx)
		for try := 0; try < 3 && store.IsConflict(err) && ctx.Err() == nil; try++ {
			// The server broke a deadlock with another transaction (a
			// schema dropped under tail, a concurrent writer): not an
			// outage. The failed step was undone: read again at once.
			items, err = t.step(ctx)
		}
		if err != nil && ctx.Err() != nil {
			return nil
		}
		if store.IsTableGone(err) {
			// Its tables dropped (PostgreSQL: the schema dropped or
			// reset): no outage, nothing more of this log.
			return err
		}
		if err != nil {
			if t.down.IsZero() {
				t.down = time.Now()
				if t.OnError != nil {
					t.OnError(err)
				}
			}
			continue
		}
		if !t.down.IsZero() {
			if t.OnBack != nil {
				t.OnBack(time.Since(t.down))
			}
			t.down = time.Time{}
		}
		// A tick read whole is printed whole, also when a signal came
		// meanwhile; then the tail ends.
		if t.Batch != nil && len(items) > 0 {
			t.Batch(items)
		}
		for _, it := range items {
			if err := t.Emit(it); err != nil {
				return err
			}
		}
		if ctx.Err() != nil {
			return nil
		}
	}
}

// start reads the cursor, then the last Lines deliveries below it, and
// reports them.
func (t *Tailer) start(ctx context.Context) error {
	// On PostgreSQL the transaction snapshot before the cursors: a
	// delivery (or a requeue) that commits below its cursor after it
	// (its transaction still open now) is reported at the first tick, or
	// in the backlog.
	t.commits, _ = t.Insp.(store.CommitReader)
	if t.commits != nil {
		s, err := t.commits.TxSnapshot(ctx)
		if err != nil {
			return err
		}
		t.snap = s
	}
	// The requeue log's cursor: a requeue from then on is read, also of
	// a delivery the backlog's reads below return.
	if err := t.startRequeues(ctx); err != nil {
		return err
	}
	pg, err := t.Insp.InspectDeliveries(ctx, store.InspectQuery{Limit: 1})
	if err != nil {
		return err
	}
	if len(pg.Rows) > 0 {
		t.top = pg.Rows[0].Seq
	}
	if t.Lines <= 0 || t.top == 0 {
		return nil
	}
	f := store.DeliveryFilter{EventPattern: t.EventPattern, SubscriptionID: t.SubscriptionID, Source: t.Source,
		BeforeSeq: t.top + 1, Limit: min(t.Lines, 1000), Newest: true}
	var ids []string
	seen := map[string]bool{}
	// With --status succeeded or failed, the backlog's pending deliveries
	// (the last Lines of them) are followed too, as the follow path
	// follows a new one: each is reported once it settled so. They are
	// read first: one that settles between the two reads is in the
	// second.
	if t.Status == store.DeliverySucceeded || t.Status == store.DeliveryFailed {
		pf := f
		pf.Status = store.DeliveryPending
		ds, err := t.Store.ListDeliveries(ctx, pf)
		if err != nil {
			return err
		}
		for _, d := range ds {
			ids, seen[d.ID] = append(ids, d.ID), true
		}
	}
	f.Status = t.Status
	ds, err := t.Store.ListDeliveries(ctx, f)
	if err != nil {
		return err
	}
	for _, d := range ds {
		if !seen[d.ID] {
			ids, seen[d.ID] = append(ids, d.ID), true
		}
	}
	rows, err := t.byIDs(ctx, ids)
	if err != nil {
		return err
	}
	slices.SortFunc(rows, func(a, b *store.DeliveryRow) int { return cmpInt(a.Seq, b.Seq) })
	// One committed since the snapshot is in the first tick's read by
	// transaction too: reported here, not again.
	t.lastSent = make(map[int64]bool, len(rows))
	for _, row := range rows {
		t.lastSent[row.Seq] = true
	}
	var items []TailItem
	for _, row := range rows {
		// One that changed since the list is reported as report says
		// (not at all when it left the filter); a pending one is
		// followed.
		w := &watched{}
		got, err := t.report(ctx, row, w)
		if err != nil {
			return err
		}
		items = append(items, got...)
		t.keep(row, w)
	}
	if t.Batch != nil && len(items) > 0 {
		t.Batch(items)
	}
	for _, it := range items {
		if err := t.Emit(it); err != nil {
			return err
		}
	}
	return nil
}

// tailUndo is what a step changed in the watch: a step that fails (the
// store went away in the middle of it) is undone, its items dropped, and
// the next tick reads the same changes again, so nothing is lost.
type tailUndo struct {
	was     map[*watched]watched
	added   []string
	removed map[string]*watched
	// done is the settled set before the step changed it (doneSaved).
	done      *doneSet
	doneSaved bool
}

func (u *tailUndo) save(w *watched) {
	if u == nil {
		return
	}
	if _, ok := u.was[w]; !ok {
		u.was[w] = *w
	}
}

// step reads what changed since the last tick and returns its items; when
// it fails, the watch is as it was before it.
func (t *Tailer) step(ctx context.Context) ([]TailItem, error) {
	u := &tailUndo{was: map[*watched]watched{}, removed: map[string]*watched{}}
	t.undo = u
	defer func() { t.undo = nil }()
	rqTop, rqSnapTop, rqLastSent, snap, lastSent := t.rqTop, t.rqSnapTop, t.rqLastSent, t.snap, t.lastSent
	t.lostTick, t.rqFull = 0, false
	items, err := t.read(ctx)
	if err != nil {
		t.rqTop, t.rqSnapTop, t.rqLastSent, t.snap, t.lastSent = rqTop, rqSnapTop, rqLastSent, snap, lastSent
		t.lostTick = 0
		for w, v := range u.was {
			*w = v
		}
		for _, id := range u.added {
			delete(t.watch, id)
		}
		for id, w := range u.removed {
			t.watch[id] = w
		}
		if u.doneSaved {
			t.done = u.done
		}
		return nil, err
	}
	t.sayLost(false)
	return items, nil
}

// lostUpTo reports whether the counts OnLost hears are upper bounds: the
// requeue log's ids commit out of order (PostgreSQL), where a rolled-back
// requeue leaves an id no entry had.
func (t *Tailer) lostUpTo() bool {
	_, gaps := t.rq.(store.RequeueCommitLog)
	return gaps
}

// sayLost tells OnLost what the step lost of the requeue log, before its
// items: at once the first time, then once the tail caught up (or, end,
// when it ends).
func (t *Tailer) sayLost(end bool) {
	n := t.lostTick
	t.lostTick = 0
	switch {
	case n > 0 && !t.lostSaid:
		t.lostSaid = true
		if t.OnLost != nil {
			t.OnLost(n, false, t.lostUpTo())
		}
	case n > 0:
		t.lostMore += n
	}
	if t.lostSaid && (end || !t.rqFull) {
		if t.lostMore > 0 && t.OnLost != nil {
			t.OnLost(t.lostMore, true, t.lostUpTo())
		}
		t.lostSaid, t.lostMore = false, 0
	}
}

// read is step's work.
func (t *Tailer) read(ctx context.Context) ([]TailItem, error) {
	q := store.InspectQuery{TypePattern: t.EventPattern, SubscriptionID: t.SubscriptionID}
	// On PostgreSQL the snapshot first, before every read up to the
	// cursor: what commits at or below the cursor after it is read by
	// transaction at the next tick (late).
	var tickSnap string
	tickTop := t.top
	if t.commits != nil {
		var err error
		if tickSnap, err = t.commits.TxSnapshot(ctx); err != nil {
			return nil, err
		}
	}
	// A filter can hide every new delivery: the cursor then moves to the
	// newest as of before the filtered read, so the next range stays
	// short (read after it, one stored in between would be skipped).
	var newest int64
	if q.Filtered() {
		pg, err := t.Insp.InspectDeliveries(ctx, store.InspectQuery{Limit: 1})
		if err != nil {
			return nil, err
		}
		if len(pg.Rows) > 0 {
			newest = pg.Rows[0].Seq
		}
	}
	// The deliveries at or below the cursor committed since the last
	// snapshot (PostgreSQL): a slower transaction's, an import's. Read
	// before the requeue log: one replayed since is followed from there.
	// sent: the seqs this tick read (range and late).
	sent := map[int64]bool{}
	var items []TailItem
	if t.commits != nil && t.snap != "" && tickTop > 0 {
		lq := q
		lq.Tail, lq.Limit = true, tailPage
		for {
			rows, _, err := t.commits.InspectCommittedAfter(ctx, lq, tickTop, t.snap)
			if err != nil {
				return nil, err
			}
			for _, row := range rows {
				if t.lastSent[row.Seq] || sent[row.Seq] {
					continue // read by the last tick, committed after its snapshot
				}
				sent[row.Seq] = true
				if err := t.fresh(ctx, row, &items); err != nil {
					return nil, err
				}
			}
			if len(rows) < lq.Limit {
				break
			}
			lq.AfterSeq = rows[len(rows)-1].Seq
		}
	}
	// The requeue log: a followed delivery it names (a replay of one
	// waiting for its retry) is due at once, and read below in this
	// tick, its replay's attempt with it; one it read is not read again.
	got, read, err := t.requeued(ctx, sent, tickSnap)
	if err != nil {
		return nil, err
	}
	items = append(items, got...)
	// Then the pending deliveries already reported, before the new ones:
	// a new delivery found below is not read twice in one tick.
	now := time.Now()
	var ids []string
	for id, w := range t.watch {
		if !now.Before(w.next) && !read[id] {
			ids = append(ids, id)
		}
	}
	if len(ids) > 0 {
		rows, err := t.byIDs(ctx, ids)
		if err != nil {
			return nil, err
		}
		found := make(map[string]bool, len(rows))
		for _, row := range rows {
			found[row.ID] = true
			w := t.watch[row.ID]
			got, err := t.report(ctx, row, w)
			if err != nil {
				return nil, err
			}
			items = append(items, got...)
			if row.Status != store.DeliveryPending {
				if wait, next := t.inPlace(row, w, now); wait {
					t.undo.save(w)
					w.next = next
					continue
				}
				t.undo.save(w)
				w.requeued = time.Time{}
				t.unwatch(row.ID)
				t.settled(row.ID, w)
				continue
			}
			t.undo.save(w)
			w.next = t.nextRead(row, now)
		}
		for _, id := range ids {
			if !found[id] {
				t.unwatch(id) // removed (a reset, a prune)
			}
		}
	}
	if t.done.len() > 0 && time.Since(t.checked) >= t.Recheck {
		got, err := t.recheck(ctx)
		if err != nil {
			return nil, err
		}
		items = append(items, got...)
		t.checked = time.Now()
	}
	top := t.top
	page := t.page
	if page <= 0 {
		page = tailPage
	}
	caughtUp := false // the last range read was not full: nothing more matches
	for range tailPages {
		q.AfterSeq, q.Limit, q.Tail = top, page, true
		pg, err := t.Insp.InspectDeliveries(ctx, q)
		if err != nil {
			return nil, err
		}
		for _, row := range pg.Rows {
			top = row.Seq
			sent[row.Seq] = true
			if err := t.fresh(ctx, row, &items); err != nil {
				return nil, err
			}
		}
		if len(pg.Rows) < page {
			caughtUp = true
			break
		}
	}
	// Only once caught up: after five full reads (a flood), the rows
	// between top and newest are still to be read.
	if caughtUp && newest > top {
		top = newest
	}
	t.top = top
	if t.commits != nil {
		t.snap, t.lastSent = tickSnap, sent
	}
	return inOrder(items), nil
}

// fresh reports a delivery read for the first time (new, or one committed
// late below the cursor), within the Source filter, and keeps it.
func (t *Tailer) fresh(ctx context.Context, row *store.DeliveryRow, items *[]TailItem) error {
	if t.Source != "" && store.DeliverySource(row.Delivery, row.Source) != t.Source {
		return nil
	}
	w := &watched{}
	got, err := t.report(ctx, row, w)
	if err != nil {
		return err
	}
	*items = append(*items, got...)
	t.keep(row, w)
	return nil
}

// keep watches a reported delivery that is still pending, within
// MaxWatch; a settled one it reported is kept for replays.
func (t *Tailer) keep(row *store.DeliveryRow, w *watched) {
	if row.Status != store.DeliveryPending {
		t.settled(row.ID, w)
		return
	}
	if len(t.watch) >= t.MaxWatch {
		if !t.overflow && t.OnOverflow != nil {
			t.OnOverflow(t.MaxWatch)
		}
		t.overflow = true
		return
	}
	w.next = t.nextRead(row, time.Now())
	t.watch[row.ID] = w
	if t.undo != nil {
		t.undo.added = append(t.undo.added, row.ID)
	}
}

// follow watches delivery id (recorded for a tick's undo) and stops
// keeping it among the settled ones recheck reads, if it was.
func (t *Tailer) follow(id string, w *watched) {
	t.watch[id] = w
	if t.undo != nil {
		t.undo.added = append(t.undo.added, id)
	}
	if t.done.has(id) {
		t.saveDone()
		t.done.remove(id)
	}
}

// settled keeps a settled delivery the tail reported among the last
// MaxDone, whose attempts recheck follows (those of a replay).
func (t *Tailer) settled(id string, w *watched) {
	if !w.shown {
		return // never reported: its replay is not either
	}
	t.saveDone()
	if t.done == nil {
		t.done = &doneSet{m: map[string]doneEntry{}}
	}
	t.done.add(id, w, max(t.MaxDone, 1))
}

// saveDone keeps the settled set as it was before the step changed it.
func (t *Tailer) saveDone() {
	if t.undo != nil && !t.undo.doneSaved {
		t.undo.done, t.undo.doneSaved = t.done.clone(), true
	}
}

// recheck re-reads the settled deliveries kept (at most MaxDone: one read
// by ID, in chunks) and returns the attempts they made since they were
// reported (a replay, and its retries). One pending again is followed at
// every tick from then on (within MaxWatch) and comes back once settled.
func (t *Tailer) recheck(ctx context.Context) ([]TailItem, error) {
	ids := make([]string, 0, t.done.len())
	for id := range t.done.m {
		if t.watch[id] == nil {
			ids = append(ids, id)
		}
	}
	rows, err := t.byIDs(ctx, ids)
	if err != nil {
		return nil, err
	}
	found := make(map[string]bool, len(rows))
	var items []TailItem
	for _, row := range rows {
		found[row.ID] = true
		w := t.done.m[row.ID].w
		if row.AttemptCount < w.printed {
			continue // not what it was (an import over a reset): left alone
		}
		if row.AttemptCount == w.printed && row.Status != store.DeliveryPending {
			continue
		}
		got, err := t.report(ctx, row, w)
		if err != nil {
			return nil, err
		}
		items = append(items, got...)
		switch {
		case row.Status == store.DeliveryPending && len(t.watch) < t.MaxWatch:
			t.follow(row.ID, w)
		case row.Status != store.DeliveryPending && t.Status != "" && t.Status != store.DeliveryPending && row.Status != t.Status:
			// Settled out of the --status filter: its attempts are
			// not reported, now or with a later replay's.
			t.undo.save(w)
			w.printed = row.AttemptCount
		}
	}
	for _, id := range ids {
		if !found[id] {
			t.saveDone()
			t.done.remove(id) // removed (a reset, a prune)
		}
	}
	return items, nil
}

// startRequeues takes the requeue log's cursor (the store keeps one):
// its newest id, read after the snapshot (PostgreSQL: an entry below it
// still committing is read by transaction at the first tick).
func (t *Tailer) startRequeues(ctx context.Context) error {
	rq, ok := t.Store.(store.RequeueLog)
	if !ok {
		rq, ok = t.Insp.(store.RequeueLog)
	}
	if !ok {
		return nil
	}
	top, err := rq.LastRequeue(ctx)
	if err != nil {
		return err
	}
	t.rq, t.rqTop, t.rqSnapTop = rq, top, top
	if cl, ok := rq.(store.RequeueCommitLog); ok && t.commits != nil {
		t.rqCommits = cl
	}
	return nil
}

// requeued reads the requeue log since the last tick (and on PostgreSQL
// the entries below its cursor committed since the last tick's snapshot,
// tickSnap being this tick's) and returns the attempts the deliveries requeued made since
// (a replay's, and their retries), once each, and the deliveries it read;
// one still pending is followed at every tick (within MaxWatch) until it
// settles. A delivery followed already is made due (read at this tick's
// read of the followed ones, after this), one not read yet as new (its
// Seq above the cursor: it is reported whole when read) is left to that.
func (t *Tailer) requeued(ctx context.Context, sent map[int64]bool, tickSnap string) ([]TailItem, map[string]bool, error) {
	if t.rq == nil {
		return nil, nil, nil
	}
	var es []store.Requeued
	rqSent := map[int64]bool{}
	if t.rqCommits != nil && t.snap != "" && t.rqSnapTop > 0 {
		for after := int64(0); ; {
			got, err := t.rqCommits.RequeuesCommittedAfter(ctx, after, t.rqSnapTop, t.snap, tailPage)
			if err != nil {
				return nil, nil, err
			}
			for _, e := range got {
				if !t.rqLastSent[e.ID] && !rqSent[e.ID] {
					rqSent[e.ID] = true
					es = append(es, e)
				}
			}
			if len(got) < tailPage {
				break
			}
			after = got[len(got)-1].ID
		}
	}
	t.rqFull = true
	for range tailPages {
		got, err := t.rq.RequeuesAfter(ctx, t.rqTop, tailPage)
		if err != nil {
			return nil, nil, err
		}
		if len(got) > 0 && got[0].ID > t.rqTop+1 {
			if err := t.pruned(ctx, got[0].ID); err != nil {
				return nil, nil, err
			}
		}
		for _, e := range got {
			t.rqTop = e.ID
			if !rqSent[e.ID] {
				rqSent[e.ID] = true
				es = append(es, e)
			}
		}
		if len(got) < tailPage {
			t.rqFull = false
			break
		}
	}
	if t.rqCommits != nil {
		// This tick's snapshot was taken before these reads: the next
		// tick reads what it did not see up to here.
		t.rqSnapTop, t.rqLastSent = t.rqTop, rqSent
	}
	// A delivery requeued twice: its attempts above the first count.
	since := map[string]int{}
	var ids []string
	for _, e := range es {
		if w := t.watch[e.DeliveryID]; w != nil {
			t.undo.save(w)
			w.next = time.Time{} // requeued: read in this tick
			// Settled meanwhile and leased in place: followed for
			// the replay's attempt too.
			w.requeued, w.above = time.Now(), max(w.above, e.Attempts)
			continue
		}
		if n, ok := since[e.DeliveryID]; !ok {
			since[e.DeliveryID] = e.Attempts
			ids = append(ids, e.DeliveryID)
		} else if e.Attempts < n {
			since[e.DeliveryID] = e.Attempts
		}
	}
	if len(ids) == 0 {
		return nil, nil, nil
	}
	rows, err := t.byIDs(ctx, ids)
	if err != nil {
		return nil, nil, err
	}
	slices.SortFunc(rows, func(a, b *store.DeliveryRow) int { return cmpInt(a.Seq, b.Seq) })
	var items []TailItem
	read := make(map[string]bool, len(rows))
	for _, row := range rows {
		read[row.ID] = true
		if row.Seq > t.top || !t.matches(row) {
			continue
		}
		// Its attempts from here: a read by transaction at the next
		// tick (one committed just now, below the cursor) does not
		// report it again.
		sent[row.Seq] = true
		w := &watched{printed: since[row.ID], shown: true}
		if e, ok := t.done.get(row.ID); ok {
			w = e // reported: its attempts above those it reported
		}
		if row.AttemptCount < w.printed {
			continue // not what it was (an import over a reset): left alone
		}
		got, err := t.report(ctx, row, w)
		if err != nil {
			return nil, nil, err
		}
		items = append(items, got...)
		switch {
		case row.Status == store.DeliveryPending && len(t.watch) < t.MaxWatch:
			t.follow(row.ID, w)
		case row.Status != store.DeliveryPending && row.AttemptCount <= since[row.ID] && len(t.watch) < t.MaxWatch:
			// Leased in place (PostgreSQL's replay --failed): still
			// settled, its attempt to come. Followed as a pending one
			// is, not left to the bounded re-read of the settled ones
			// (a bulk replay of more than MaxDone lost the oldest).
			t.undo.save(w)
			w.requeued, w.above, w.next = time.Now(), since[row.ID], time.Time{}
			t.follow(row.ID, w)
		case row.Status == store.DeliveryPending:
			if !t.overflow && t.OnOverflow != nil {
				t.OnOverflow(t.MaxWatch)
			}
			t.overflow = true
		default:
			if t.Status != "" && t.Status != store.DeliveryPending && row.Status != t.Status {
				// Settled out of the --status filter: its attempts
				// are not reported, now or with a later replay's.
				t.undo.save(w)
				w.printed = row.AttemptCount
			}
			// Kept for a replay that finds it settled (leased in
			// place: its attempt comes later).
			t.settled(row.ID, w)
		}
	}
	return items, read, nil
}

// pruned is told that the oldest requeue log entry above the cursor is
// first, not the next id: the ids between were deleted before the tail
// read them (the log keeps its last RequeueLogKeep entries: those up to
// its newest id less that were), or on PostgreSQL are still committing or
// were rolled back (gaps, re-read for a while). Those up to the newest id
// less RequeueLogKeep are counted lost (lostTick) and the cursor moves
// past them: not watched as gaps. One read (the newest id), only when
// first is not the next id.
func (t *Tailer) pruned(ctx context.Context, first int64) error {
	last, err := t.rq.LastRequeue(ctx)
	if err != nil {
		return err
	}
	if cut := min(first-1, last-store.RequeueLogKeep); cut > t.rqTop {
		t.lostTick += cut - t.rqTop
		t.rqTop = cut
	}
	return nil
}

// matches reports whether row is within the filters the store's reads do
// not apply to it (those by ID): event type, subscription, source.
func (t *Tailer) matches(row *store.DeliveryRow) bool {
	if t.EventPattern != "" && !store.MatchEvent(t.EventPattern, row.EventType) {
		return false
	}
	if t.SubscriptionID != "" && row.SubscriptionID != t.SubscriptionID {
		return false
	}
	return t.Source == "" || store.DeliverySource(row.Delivery, row.Source) == t.Source
}

// doneSet is the last settled deliveries a tail reported, by ID, the
// oldest reported dropped beyond its bound.
type doneSet struct {
	m     map[string]doneEntry
	order []doneRef // by the time added; entries replaced since are stale
	n     uint64
}

type doneEntry struct {
	w *watched
	n uint64
}

type doneRef struct {
	id string
	n  uint64
}

func (d *doneSet) len() int {
	if d == nil {
		return 0
	}
	return len(d.m)
}

func (d *doneSet) get(id string) (*watched, bool) {
	if d == nil {
		return nil, false
	}
	e, ok := d.m[id]
	return e.w, ok
}

func (d *doneSet) has(id string) bool {
	_, ok := d.get(id)
	return ok
}

func (d *doneSet) add(id string, w *watched, bound int) {
	d.n++
	d.m[id] = doneEntry{w, d.n}
	d.order = append(d.order, doneRef{id, d.n})
	for len(d.m) > bound {
		r := d.order[0]
		d.order = d.order[1:]
		if e, ok := d.m[r.id]; ok && e.n == r.n {
			delete(d.m, r.id)
		}
	}
	d.compact()
}

func (d *doneSet) remove(id string) {
	delete(d.m, id)
	d.compact()
}

// compact drops the stale references once they are most of order.
func (d *doneSet) compact() {
	if len(d.order) <= 2*len(d.m)+64 {
		return
	}
	live := make([]doneRef, 0, len(d.m))
	for _, r := range d.order {
		if e, ok := d.m[r.id]; ok && e.n == r.n {
			live = append(live, r)
		}
	}
	d.order = live
}

func (d *doneSet) clone() *doneSet {
	if d == nil {
		return nil
	}
	c := &doneSet{m: make(map[string]doneEntry, len(d.m)), order: slices.Clone(d.order), n: d.n}
	for id, e := range d.m {
		c.m[id] = e
	}
	return c
}

func (t *Tailer) unwatch(id string) {
	if t.undo != nil {
		t.undo.removed[id] = t.watch[id]
	}
	delete(t.watch, id)
}

// report returns what of row is to be reported now, as the Status filter
// says: the delivery (once) and its attempts up to row.AttemptCount not
// reported yet (attempts recorded after row was read wait for the next
// tick: their delivery's state is not known yet).
func (t *Tailer) report(ctx context.Context, row *store.DeliveryRow, w *watched) ([]TailItem, error) {
	switch t.Status {
	case "":
	case store.DeliveryPending:
		if row.Status != store.DeliveryPending && !w.shown {
			return nil, nil
		}
	default:
		if row.Status != t.Status {
			return nil, nil
		}
	}
	src := store.DeliverySource(row.Delivery, row.Source)
	var items []TailItem
	t.undo.save(w)
	if !w.shown {
		w.shown = true
		items = append(items, TailItem{Row: row, Source: src})
	}
	if row.AttemptCount <= w.printed {
		return items, nil
	}
	atts, err := t.Store.ListAttempts(ctx, row.ID)
	if err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return items, nil
		}
		return nil, err
	}
	lastAsked := 0 // the number of the last attempt asked for
	for _, a := range atts {
		if a.Manual && a.Number <= row.AttemptCount {
			lastAsked = max(lastAsked, a.Number)
		}
	}
	base := requeueBase(row.Delivery)
	for i, a := range atts {
		if a.Number <= w.printed || a.Number > row.AttemptCount {
			continue
		}
		var next *store.Attempt
		if i+1 < len(atts) && atts[i+1].Number <= row.AttemptCount {
			next = atts[i+1]
		}
		var state *store.Delivery
		if a.Number == base && (next == nil || !next.Manual) {
			// The last attempt before the requeue, which has sent
			// nothing yet or whose attempt a worker claimed (not marked
			// asked for): what that attempt left the delivery (failed,
			// or succeeded for a forced replay), as when a replay's
			// attempt follows it, not "retry in" (the schedule did not
			// retry it).
			d := *row.Delivery
			d.AttemptCount = max(d.AttemptCount, a.Number+1)
			state = AttemptStateIn(&d, a, &store.Attempt{Number: a.Number + 1, Manual: true}, t.sentScheme(ctx, row))
		} else {
			state = AttemptStateIn(row.Delivery, a, next, t.sentScheme(ctx, row))
		}
		w.printed = a.Number
		if t.Status == store.DeliveryPending && state.Status != store.DeliveryPending {
			continue
		}
		items = append(items, TailItem{Row: row, Attempt: a, State: state, Source: src, BudgetRaised: a.Number < lastAsked || a.Number <= base})
	}
	return items, nil
}

// requeueBase is how many attempts d had made when a requeue (a replay,
// a resend) last raised its budget, 0 for one never requeued: a requeue
// sets the budget to the attempts made plus its schedule's length and
// the schedule to its own, where a delivery's first budget is its
// schedule's length (NewDelivery) and a hand-over's requeue gives back
// what was left of it. Its attempts up to the base were made under a
// smaller budget, whether the requeue has sent nothing yet (no attempt
// follows them) or a worker claimed its attempt (not Manual).
func requeueBase(d *store.Delivery) int {
	sch, err := ParseSchedule(d.Schedule)
	if err != nil {
		return 0
	}
	base := d.MaxAttempts - len(sch)
	if base <= 0 || base > d.AttemptCount {
		return 0
	}
	return base
}

// byIDs reads rows by ID in chunks.
func (t *Tailer) byIDs(ctx context.Context, ids []string) ([]*store.DeliveryRow, error) {
	var out []*store.DeliveryRow
	for len(ids) > 0 {
		n := min(len(ids), idsChunk)
		rows, err := t.Insp.InspectByIDs(ctx, ids[:n])
		if err != nil {
			return nil, err
		}
		out = append(out, rows...)
		ids = ids[n:]
	}
	return out, nil
}

// AttemptState is the delivery d as it stood right after attempt a: d
// itself for its latest attempt; for an earlier one (next is the attempt
// that followed it), pending with a's error when next was the schedule's
// retry, settled when next was asked for (a replay of a settled
// delivery).
func AttemptState(d *store.Delivery, a, next *store.Attempt) *store.Delivery {
	scheme := d.Scheme
	if scheme == "auto" {
		scheme = ""
	}
	return AttemptStateIn(d, a, next, scheme)
}

// SentScheme is the scheme d's attempts are sent and judged by, as the
// engine resolves it (target): the delivery's own (an ad-hoc one's), else
// its subscription's (subScheme; a subscription's deliveries carry none),
// "auto" (or a subscription's scheme not known) being the event's
// provider's (provider).
func SentScheme(d *store.Delivery, subScheme, provider string) string {
	s := d.Scheme
	if s == "" && d.SubscriptionID != "" {
		s = subScheme
		if s == "" {
			s = "auto"
		}
	}
	if s == "auto" {
		s = SchemeFor(provider)
	}
	return s
}

// AttemptStateIn is AttemptState judging a's answer by scheme, the one
// d's attempts are sent with (SentScheme). AttemptState judged a
// subscription's deliveries, which carry no scheme, by the 2xx rule: a
// Bond subscription's 202 (failed when it was recorded, in red) read
// "succeeded", in green, in deliveries tail, deliveries show and the
// inspector once a replay followed it.
func AttemptStateIn(d *store.Delivery, a, next *store.Attempt, scheme string) *store.Delivery {
	s := *d
	if next == nil || a.Number >= d.AttemptCount {
		return &s
	}
	s.AttemptCount, s.LastStatus = a.Number, a.ResponseStatus
	s.LastError = a.Error
	// An attempt the schedule retried failed, whatever its status (a 2xx
	// Bond or Mono do not accept: Bond's 202 was said "succeeded", in
	// green). One followed by an attempt asked for (a replay) settled the
	// delivery: succeeded when its answer counts as delivered under the
	// scheme it was sent with.
	ok := next.Manual && a.Error == "" && Success(scheme, a.ResponseStatus)
	if s.LastError == "" && !ok {
		s.LastError = StatusError(scheme, a) // as Decide says it
	}
	switch {
	case ok:
		s.Status, s.LastError = store.DeliverySucceeded, ""
	case next.Manual:
		s.Status = store.DeliveryFailed
	default:
		s.Status, s.NextAttemptAt = store.DeliveryPending, next.StartedAt
	}
	return &s
}

// inOrder sorts a tick's items by the time they happened, keeping each
// delivery's own items in the order found (the delivery, then its
// attempts by number) whatever the clocks of the processes that wrote
// them say.
func inOrder(items []TailItem) []TailItem {
	type keyed struct {
		at time.Time
		it TailItem
	}
	last := map[string]time.Time{}
	ks := make([]keyed, len(items))
	for i, it := range items {
		at := it.At()
		if prev, ok := last[it.Row.ID]; ok && at.Before(prev) {
			at = prev
		}
		last[it.Row.ID] = at
		ks[i] = keyed{at, it}
	}
	slices.SortStableFunc(ks, func(a, b keyed) int { return a.at.Compare(b.at) })
	for i := range ks {
		items[i] = ks[i].it
	}
	return items
}

func cmpInt(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// LastAttemptFailed reports whether d's latest attempt failed: the
// delivery failed, or waits for a retry after an error. A 2xx answer a
// provider's rules count as failed (Bond's 202) is then not shown green.
func LastAttemptFailed(d *store.Delivery) bool {
	return d.Status == store.DeliveryFailed || (d.Status == store.DeliveryPending && d.LastError != "")
}

// AttemptFailed reports whether atts[i], an attempt of d (its attempts in
// order), failed: the latest as LastAttemptFailed says, an earlier one as
// deliveries tail tells it (AttemptStateIn with scheme, SentScheme's).
// deliveries show and the inspector colour an attempt's status by it.
func AttemptFailed(d *store.Delivery, atts []*store.Attempt, i int, scheme string) bool {
	if i == len(atts)-1 {
		return LastAttemptFailed(d)
	}
	return AttemptStateIn(d, atts[i], atts[i+1], scheme).Status != store.DeliverySucceeded
}

// sentScheme is SentScheme for a row of the log, its subscription's
// scheme read once per subscription for the tail's life (one deleted
// since, or unreadable: the provider's).
func (t *Tailer) sentScheme(ctx context.Context, row *store.DeliveryRow) string {
	if row.Scheme != "" || row.SubscriptionID == "" {
		return SentScheme(row.Delivery, "", row.Provider)
	}
	t.schemesMu.Lock()
	sc, ok := t.subSchemes[row.SubscriptionID]
	t.schemesMu.Unlock()
	if !ok {
		if sub, err := t.Store.GetSubscription(ctx, row.SubscriptionID); err == nil && sub != nil {
			sc = sub.Scheme
		}
		t.schemesMu.Lock()
		if t.subSchemes == nil {
			t.subSchemes = map[string]string{}
		}
		t.subSchemes[row.SubscriptionID] = sc
		t.schemesMu.Unlock()
	}
	return SentScheme(row.Delivery, sc, row.Provider)
}
