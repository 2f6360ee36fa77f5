package web

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/hookctl/hookctl/internal/store"
	"github.com/hookctl/hookctl/internal/ui"
)

// liveBatch is one Server-Sent Event of the live log: new rows (rendered
// HTML, newest first), rows whose state changed, and how many new rows
// were left out of the page (more than it keeps).
type liveBatch struct {
	Rows    string      `json:"rows"`
	N       int         `json:"n"`
	Updates []rowUpdate `json:"updates,omitempty"`
	Top     int64       `json:"top"`
	ETop    int64       `json:"etop"`
	Skipped int         `json:"skipped,omitempty"`
	// Paging replaces the page's paging when rows were skipped.
	Paging string `json:"paging,omitempty"`
	// Snap: on PostgreSQL (store.CommitReader), the transaction snapshot
	// taken before the reads up to Top: the page hands Top and Snap to its
	// next stream, which reads what committed below Top since.
	Snap string `json:"snap,omitempty"`
}

// A live stream on a store whose deliveries commit out of seq order
// (store.CommitReader: PostgreSQL) finds every delivery that commits below
// its cursor, however far below and however late, with one indexed read
// per tick: before each read up to its cursor it takes a snapshot, and at
// the next tick reads the deliveries at or below that cursor the snapshot
// did not see (and the events without deliveries:
// store.EventCommitReader). The page hands the snapshot taken before its
// own read (data-snap) to its stream, so a delivery that commits below the
// page's rows between the page and the stream is sent too.

// storeNotice is the Server-Sent Event (event: store) that tells the page
// its stream cannot read the store (Down, with the error's one line) or
// can again, in the words of hookctl deliveries tail (Text).
type storeNotice struct {
	Down  bool   `json:"down"`
	Error string `json:"error,omitempty"`
	Text  string `json:"text"`
}

// sayStore sends a stream's store notice for readErr, the first read
// of what (the events) that failed: why, in the live log's words.
// false: the tab went away.
func (h *Handler) sayStore(w http.ResponseWriter, fl http.Flusher, r *http.Request, readErr error, what string) bool {
	line, _, _ := strings.Cut(strings.TrimSpace(readErr.Error()), "\n")
	line = htmlJSON(line)
	n := storeNotice{Down: true, Error: line, Text: fmt.Sprintf("cannot read %s (%s); waiting for the store", what, line)}
	switch why := h.storeChanged(r.Context(), readErr); {
	case store.IsGone(readErr):
		n.Text = fmt.Sprintf("cannot read %s (%s); waiting for the file to be put back, or restart hookctl to follow a new store there", what, line)
	case why != "":
		n.Text = "cannot read " + what + ": " + why
	}
	b, _ := json.Marshal(n)
	if _, err := fmt.Fprintf(w, "event: store\ndata: %s\n\n", b); err != nil {
		return false
	}
	fl.Flush()
	return true
}

type rowUpdate struct {
	ID   string `json:"id"`
	HTML string `json:"html"`
	// Remove: the row no longer matches the status filter (a pending
	// delivery settled in a status=pending log).
	Remove bool `json:"remove,omitempty"`
}

// liveMaxRows is how many rows one batch renders (the page keeps twice
// as many); under a flood the rest are counted, not drawn, and batches
// slow to every other tick, so the page's work stays bounded.
const liveMaxRows = 100

// liveSettled is how many settled rows a stream re-reads for replays:
// the page keeps its newest 200 rows (app.js MAX_ROWS), so at most that
// many rows it shows are re-read, by ID in one query, every
// liveRecheck.
const (
	liveSettled = 200
	liveRecheck = time.Second
)

// settledRow is a settled row the tab shows: its state as last sent.
type settledRow struct {
	state string
	seq   int64
}

// live streams the log's changes to one tab: every Poll it reads the
// deliveries after the newest it sent (one indexed range query) and
// re-reads the rows it sent that were still pending, and sends one batch.
// A replay (the CLI, the inspector, serve's resend APIs) adds attempts to
// a settled delivery without changing its Seq: every liveRecheck the
// stream also re-reads the settled rows the tab shows (at most
// liveSettled: those of the page it started on, then those it sent), and
// updates one whose state or attempt count changed; one pending again is
// re-read every Poll until it settles. A replay commits, so the store's
// change mark moves: the settled rows are re-read once it did (at most
// every liveRecheck), not while nothing changes.
//
// All this happens only when there is something to read: a stream with
// no pending rows, its start done and the store answering reads nothing
// until the Handler's poller (liveHub) sees the store's change mark move,
// whoever committed (this process's worker or actions, another process).
func (h *Handler) live(w http.ResponseWriter, r *http.Request) {
	fl, ok := w.(http.Flusher)
	if !ok || h.insp == nil {
		http.Error(w, "streaming unsupported", http.StatusInternalServerError)
		return
	}
	q := logQuery(r.URL.Query())
	q.BeforeSeq = 0
	// after and etop are the stream's cursors: the newest delivery and
	// event seq the page shows (app.js hands them on). Without them the
	// stream follows the log from now: from the newest seqs when it first
	// reads the store, as deliveries tail starts (a stream opened while
	// the store is down starts when it answers: before, it read the whole
	// log from seq 1 then). after=0 is from the log's start (the page of
	// an empty log).
	after, fromNow, err := cursorParam(r.URL.Query(), "after")
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	etop, eFromNow, err := cursorParam(r.URL.Query(), "etop")
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	withEvents := eventsShown(q)
	eFromNow = eFromNow && withEvents
	startedFromNow := fromNow
	// On PostgreSQL deliveries, and events, commit out of seq order: they
	// are found by transaction (ci, eci).
	ci, _ := h.insp.(store.CommitReader)
	var eci store.EventCommitReader
	if c, ok := h.insp.(store.EventCommitReader); ok && withEvents && ci != nil {
		eci = c
	}
	// snap: the snapshot taken before the reads up to the cursor (after)
	// the stream sent, with ci; lastSent, the seqs the last tick sent (a
	// row committed between the snapshot and a read is in both reads).
	snap := ""
	if ci != nil {
		snap = r.URL.Query().Get("snap")
	}
	var lastSent, lastSentE map[int64]bool
	// A stream outlives a server's WriteTimeout (serve: 60s), which cut it
	// every minute: it ends when the tab goes away (the request context).
	_ = http.NewResponseController(w).SetWriteDeadline(time.Time{})
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Accel-Buffering", "no")
	// Pending rows this tab shows: re-read until they settle.
	pending := map[string]string{} // id → last rendered state
	for _, id := range r.URL.Query()["pending"] {
		pending[id] = ""
	}
	// Settled rows this tab shows: the page it started on keeps the
	// newest rows up to the cursor, so they are the newest up to it. Their
	// state as of now is what the tab shows, unless the page was rendered
	// before a replay made one pending (that one is re-read as pending)
	// or the stream reconnects (resync: the tab may have missed changes
	// while it was away; each is sent once, at the first re-read).
	settled := map[string]settledRow{}
	resync := r.URL.Query().Get("resync") != ""
	// shown: how many rows the page has (deliveries and events), so no
	// more are read than it can show (without it, the newest
	// liveSettled up to the cursor).
	qs := q
	qs.AfterSeq, qs.Tail, qs.Limit = 0, false, liveSettled
	if n, err := strconv.Atoi(r.URL.Query().Get("shown")); err == nil && n >= 0 && n < liveSettled {
		qs.Limit = n
	}
	// readShown reads them; when the read fails (the store is down) it is
	// retried at every tick until it works, and the rows it then reads
	// are sent once, as on a reconnect (one may have been replayed in the
	// meantime): before, the page's settled rows were never re-read.
	needShown := qs.Limit > 0
	checked := time.Now()
	readShown := func(retried bool) error {
		pg, err := h.insp.InspectDeliveries(r.Context(), qs)
		if err != nil {
			return err
		}
		needShown = false
		for _, row := range pg.Rows {
			_, shown := pending[row.ID]
			switch {
			case shown:
			case row.Status != store.DeliveryPending:
				keepSettled(settled, row)
				if resync || retried {
					settled[row.ID] = settledRow{seq: row.Seq}
				}
			case len(pending) < 2000:
				pending[row.ID] = ""
			}
		}
		if resync || retried {
			checked = time.Time{}
		}
		return nil
	}
	if resync {
		checked = time.Time{}
	}
	// open reads what the stream starts from: the newest delivery (the
	// cursor of a stream from now; else a read that says the store
	// answers), the newest event of a stream from now, and on PostgreSQL
	// the snapshot before them; then the rows the page shows. A
	// read that fails (the store is down) is retried at every tick until
	// it works; until then the stream reads nothing else.
	opened := false
	// cursorID is the delivery at the cursor (after), read again at
	// every tick after the range read: gone, the log was emptied or cut
	// back under the stream (serve's reset, store prune): the rows the
	// page shows are no longer the log's, and the stream drops what the
	// tick read and starts over from the log's start (event: reset; the
	// page reloads). (No seq is given again, on either store: what is
	// stored after is above the cursor anyway.)
	var cursorID string
	cutBack := false
	// The same for a log of events without deliveries (what listen
	// received and did not forward), which has no delivery to key on:
	// ecursor is the newest such event the stream read at or below its
	// event cursor (etop), read again at every tick that reads no
	// delivery at the cursor (one read per tick at most, as that one);
	// gone, the log was emptied or cut back (no event seq is given
	// again, on either store: storetest's EventSeqNeverReused, SQLite
	// schema 12). Without one, the newest
	// event's seq (read at every tick anyway) below etop says so; eSeen:
	// etop is a seq the stream found in the log, not a script's cursor
	// beyond it.
	var ecursor *store.EventRow
	eSeen := false
	open := func() error {
		if err := store.CheckInPlace(h.st); err != nil {
			return err
		}
		if !opened {
			// The snapshot before the first read, unless the page handed
			// the one taken before its own (a stream from the page's
			// cursor): what committed below the cursor since is sent.
			if ci != nil && (fromNow || snap == "") {
				s, err := ci.TxSnapshot(r.Context())
				if err != nil {
					return err
				}
				snap = s
			}
			pg, err := h.insp.InspectDeliveries(r.Context(), store.InspectQuery{Limit: 1})
			if err != nil {
				return err
			}
			switch {
			case fromNow && len(pg.Rows) > 0:
				after, cursorID = pg.Rows[0].Seq, pg.Rows[0].ID
			case fromNow:
			case len(pg.Rows) == 0 || pg.Rows[0].Seq < after:
				// The page's newest row is gone (a cursor a script
				// chose beyond the log is left as it is).
				cutBack = after > 0 && r.URL.Query().Has("shown")
			case pg.Rows[0].Seq == after:
				cursorID = pg.Rows[0].ID
			default:
				at, err := h.insp.InspectDeliveries(r.Context(), store.InspectQuery{BeforeSeq: after + 1, Limit: 1})
				if err != nil {
					return err
				}
				if len(at.Rows) > 0 && at.Rows[0].Seq == after {
					cursorID = at.Rows[0].ID
				} else {
					// The page's newest row is gone, newer ones stored
					// since (a reset, then new deliveries: no seq is
					// given again); a page of an empty log (0) had none.
					cutBack = after > 0 && r.URL.Query().Has("shown")
				}
			}
			fromNow = false
			if withEvents && (eFromNow || etop > 0) {
				maxE, err := h.insp.MaxEventSeq(r.Context())
				if err != nil {
					return err
				}
				if eFromNow {
					etop, eFromNow = maxE, false
				}
				switch {
				case etop == 0:
				case maxE < etop:
					// The page's newest event is gone (a script's cursor
					// beyond the log is left as it is).
					cutBack = cutBack || r.URL.Query().Has("shown")
				default:
					eSeen = true
					if ecursor, err = h.eventAt(r.Context(), etop); err != nil {
						return err
					}
					if ecursor == nil && maxE > etop && after == 0 && r.URL.Query().Has("shown") {
						// A page of events alone (after=0: no
						// delivery) whose newest is gone, newer ones
						// stored since (a reset or a prune, then new
						// events: no seq is given again), as for a
						// delivery above.
						cutBack = true
					}
				}
			}
			opened = true
			qs.BeforeSeq = after + 1
		}
		return nil
	}
	// The store's changes, as the Handler's one poller sees them
	// (livehub.go): readGen is the hub's gen as of before the stream's
	// last reads; once it moved, something was committed since and the
	// stream reads again. Between changes an idle stream (nothing
	// pending, nothing left to read, the store answering) reads nothing.
	readGen := h.hub.join(r.Context())
	defer h.hub.leave()
	// A time range with an end: once it passed (and the slack a delivery
	// created before it may take to be stored, store.InspectRangeSlack),
	// no new row can be in it. The stream then reads no new rows, says
	// the range ended (event: ended) and follows the rows the page shows
	// that are pending until they settle (a past window's page opens a
	// stream for them alone), then ends (event: done: the page does not
	// reconnect).
	var rangeEnd time.Time
	ended := false
	if !q.Until.IsZero() {
		rangeEnd = q.Until.Add(store.InspectRangeSlack)
		ended = !h.cfg.Now().Before(rangeEnd)
	}
	endTimer := time.NewTimer(time.Hour)
	endTimer.Stop()
	defer endTimer.Stop()
	// dirty: the last tick left something to read without any new commit
	// (a flood read in part, a failed read, the first tick: what
	// committed between the page and this stream).
	dirty := true
	// checkedGen: the gen as of the last re-read of the settled rows (a
	// replay commits: once gen moved past it they are re-read, at most
	// every liveRecheck).
	checkedGen := readGen
	recheck := time.NewTimer(liveRecheck)
	recheck.Stop()
	defer recheck.Stop()
	// hello: the stream is open, from the cursor top; down when the store
	// could not be read: the page then does not say "live" (the store
	// event that follows says it waits for the store).
	openErr := open()
	if openErr == nil && needShown {
		openErr = readShown(false) // retried at every tick
	}
	downJSON := ""
	if openErr != nil {
		downJSON = `,"down":true`
	}
	if ended {
		b, _ := json.Marshal(endedText(q.Until))
		downJSON += `,"ended":` + string(b)
	}
	fmt.Fprintf(w, "retry: 1000\nevent: hello\ndata: {\"top\":%d%s}\n\n", after, downJSON)
	fl.Flush()
	tick := time.NewTicker(h.cfg.Poll)
	defer tick.Stop()
	keepalive := time.NewTicker(15 * time.Second)
	defer keepalive.Stop()
	// A delivery is born pending: with a filter on a final status, the
	// tail is read without it and new pending rows are watched until they
	// settle; those that reach the status stream in then.
	tailQ := q
	watchFinal := q.Status != "" && q.Status != store.DeliveryPending
	if watchFinal {
		tailQ.Status = ""
	}
	watch := map[string]bool{}
	// found sorts a row read for the first time (new, or one committed
	// late below the cursor): on the page, or watched until it settles.
	var fresh []*store.DeliveryRow
	found := func(row *store.DeliveryRow) {
		switch {
		case !watchFinal || row.Status == q.Status:
			fresh = append(fresh, row)
		case row.Status == store.DeliveryPending && len(watch) < 2000:
			watch[row.ID] = true
		}
	}
	var buf bytes.Buffer
	flooded := false
	var down time.Time // since when the store's reads fail; zero while they work
	// say tells of an outage (readErr, the first failed read of a tick:
	// PostgreSQL stopped, a SQLite file unreadable) once when the reads
	// start failing and once when they work again, in deliveries tail's
	// words; the rows the page shows stay. false: the tab went away.
	say := func(readErr error) bool {
		var notice *storeNotice
		switch {
		case readErr != nil && down.IsZero():
			down = time.Now()
			line, _, _ := strings.Cut(strings.TrimSpace(readErr.Error()), "\n")
			line = htmlJSON(line)
			notice = &storeNotice{Down: true, Error: line,
				Text: fmt.Sprintf("cannot read the delivery log (%s); waiting for the store", line)}
			if why := h.storeChanged(r.Context(), readErr); why != "" && !store.IsGone(readErr) {
				// Migrated or reset under the inspector: no wait ends
				// that ("waiting for the store" waited for ever).
				notice.Text = "cannot read the delivery log: " + why
			}
			if store.IsGone(readErr) {
				// Only the file put back ends it: a new store at that
				// path is another file, which this process does not read.
				notice.Text = fmt.Sprintf("cannot read the delivery log (%s); waiting for the file to be put back, "+
					"or restart hookctl to follow a new store there", line)
			}
		case readErr == nil && !down.IsZero():
			notice = &storeNotice{Text: fmt.Sprintf("the store is back after %s; following on",
				ui.FormatDuration(time.Since(down).Round(100*time.Millisecond)))}
			down = time.Time{}
		}
		if notice == nil {
			return true
		}
		b, _ := json.Marshal(notice)
		if _, err := fmt.Fprintf(w, "event: store\ndata: %s\n\n", b); err != nil {
			return false
		}
		fl.Flush()
		return true
	}
	if openErr != nil && r.Context().Err() == nil && !say(openErr) {
		return
	}
	for {
		// A stream with something to follow at every Poll (pending rows,
		// the store down, a start or a flood not read through) ticks as
		// it always did; an idle one waits for the hub to see a change,
		// and for the re-read of its settled rows that a change made due.
		if ended && opened && !needShown && !cutBack && len(pending) == 0 && len(watch) == 0 {
			// Nothing of the range's is left to change.
			fmt.Fprint(w, "event: done\ndata: {}\n\n")
			fl.Flush()
			return
		}
		var tickC, recheckC, endC <-chan time.Time
		var wakeC <-chan struct{}
		// Until the range's end a timer wakes the stream for it; once it
		// passed, the stream ticks until a tick read up to it.
		pastEnd := !ended && !rangeEnd.IsZero() && !h.cfg.Now().Before(rangeEnd)
		if !ended && !rangeEnd.IsZero() && !pastEnd {
			endTimer.Reset(rangeEnd.Sub(h.cfg.Now()))
			endC = endTimer.C
		}
		if !opened || !down.IsZero() || needShown || cutBack || flooded || dirty || pastEnd || len(pending) > 0 || len(watch) > 0 {
			tickC = tick.C
		} else {
			wakeC = h.hub.wait(readGen)
			if len(settled) > 0 && checkedGen != readGen {
				recheck.Reset(time.Until(checked.Add(liveRecheck)))
				recheckC = recheck.C
			}
		}
		select {
		case <-r.Context().Done():
			return
		case <-keepalive.C:
			if _, err := fmt.Fprint(w, ": keepalive\n\n"); err != nil {
				return
			}
			fl.Flush()
			continue
		case <-tickC:
			if flooded {
				flooded = false
				continue
			}
		case <-wakeC:
		case <-recheckC:
		case <-endC:
		}
		endTimer.Stop()
		// endNow: this tick is the last that reads new rows (the range's
		// end and its slack passed).
		endNow := !ended && !rangeEnd.IsZero() && !h.cfg.Now().Before(rangeEnd)
		// The gen before this tick's reads: a commit after them moves it.
		tickGen := h.hub.current()
		readGen = tickGen
		// A store file deleted, moved or replaced (SQLite) is no longer
		// the log (one stat, as deliveries tail does): the stream reads
		// nothing from the file it has open, and says so until the file
		// is back in place.
		if err := store.CheckInPlace(h.st); err != nil {
			if !say(err) {
				return
			}
			continue
		}
		// A stream whose start could not read the store reads nothing
		// else until it can.
		if !opened {
			if err := open(); err != nil {
				if r.Context().Err() != nil || !say(err) {
					return
				}
				continue
			}
		}
		// While the store is down, one read per tick says whether it is
		// back; the tick's reads run once it is (a tick whose first reads
		// failed and later ones worked sent rows before saying the store
		// was back).
		if !down.IsZero() {
			if _, err := h.insp.InspectDeliveries(r.Context(), store.InspectQuery{Limit: 1}); err != nil {
				if r.Context().Err() != nil {
					return
				}
				continue
			}
		}
		if cutBack {
			cutBack = false
			after, etop, cursorID = 0, 0, ""
			ecursor, eSeen = nil, false
			if ci != nil {
				snap, lastSent, lastSentE = "", nil, nil
				if s, err := ci.TxSnapshot(r.Context()); err == nil {
					snap = s
				}
			}
			pending, settled, watch = map[string]string{}, map[string]settledRow{}, map[string]bool{}
			if _, err := fmt.Fprint(w, "event: reset\ndata: {\"text\":\"the delivery log was emptied or cut back under this stream (serve's reset, store prune); following it from its start\"}\n\n"); err != nil {
				return
			}
			fl.Flush()
		}
		batch := liveBatch{Top: after, ETop: etop}
		tickCursor := cursorID
		// The first failed read of this tick: an outage of the store,
		// which the page is told of once when it starts and once when it
		// ends (say).
		var readErr error
		failed := func(err error) {
			if err != nil && readErr == nil && r.Context().Err() == nil {
				readErr = err
			}
		}
		if needShown {
			// A stream from now: the rows up to the cursor it took when
			// the store first answered, as they were then (its client
			// was sent none of them).
			failed(readShown(!startedFromNow))
		}
		// New rows, oldest first, up to a few thousand per tick.
		fresh = nil
		// A filter can hide every new delivery: the cursor then moves to
		// the newest delivery as of before the filtered read (read after
		// it, a matching one stored in between was skipped).
		var newest int64
		var newestID string
		if tailQ.Filtered() && !ended {
			pg, err := h.insp.InspectDeliveries(r.Context(), store.InspectQuery{Limit: 1})
			failed(err)
			if err == nil && len(pg.Rows) > 0 {
				newest, newestID = pg.Rows[0].Seq, pg.Rows[0].ID
			}
		}
		// The snapshot before this tick's reads up to the cursor; the
		// deliveries that committed at or below the cursor since the last
		// one are read after them (a row that commits in between is in
		// this read or the next tick's).
		tickSnap, tickTop := "", batch.Top
		if ci != nil && !ended {
			var err error
			tickSnap, err = ci.TxSnapshot(r.Context())
			failed(err)
		}
		sent, sentE := map[int64]bool{}, map[int64]bool{}
		lateSkipped := 0
		// lateOK: the reads by transaction worked (the snapshot moves on).
		lateOK := ci != nil && snap != "" && tickSnap != ""
		caughtUp := ended // the last range read was short: nothing more after it
		for i := 0; i < 5 && !ended; i++ {
			qq := tailQ
			qq.AfterSeq, qq.Limit, qq.Tail = batch.Top, 1000, true
			pg, err := h.insp.InspectDeliveries(r.Context(), qq)
			if err != nil {
				if r.Context().Err() != nil {
					return
				}
				failed(err)
				break
			}
			for _, row := range pg.Rows {
				batch.Top, cursorID = row.Seq, row.ID
				sent[row.Seq] = true
				found(row)
			}
			if len(pg.Rows) < 1000 {
				caughtUp = true
				break
			}
		}
		if readErr == nil && tickCursor != "" && !ended {
			rows, err := h.insp.InspectByIDs(r.Context(), []string{tickCursor})
			failed(err)
			if err == nil && len(rows) == 0 {
				cutBack = true
				continue
			}
		}
		if len(watch) > 0 {
			ids := make([]string, 0, len(watch))
			for id := range watch {
				ids = append(ids, id)
			}
			rows, err := h.insp.InspectByIDs(r.Context(), ids)
			failed(err)
			if err == nil {
				// Still pending stays watched; settled or gone (a reset) not.
				watch = make(map[string]bool, len(ids))
				for _, row := range rows {
					if row.Status == store.DeliveryPending {
						watch[row.ID] = true
						continue
					}
					if row.Status == q.Status {
						fresh = append(fresh, row)
					}
				}
			}
		}
		// Only once the reads caught up: after five full pages (a flood,
		// every row of it still pending under a final-status filter) the
		// rows between the cursor and the newest are still to be read.
		if caughtUp && len(fresh) == 0 && newest > batch.Top {
			batch.Top, cursorID = newest, newestID // the next range stays short
		}
		if lateOK && readErr == nil {
			lq := tailQ
			lq.Limit = 1000
			rows, more, err := ci.InspectCommittedAfter(r.Context(), lq, tickTop, snap)
			failed(err)
			lateOK = err == nil
			lateSkipped += more // a large transaction committed late: counted, not drawn
			for _, row := range rows {
				if !lastSent[row.Seq] && !sent[row.Seq] {
					sent[row.Seq] = true
					found(row)
				}
			}
		} else {
			lateOK = false
		}
		// Updates of the pending rows this tab shows.
		if len(pending) > 0 {
			ids := make([]string, 0, len(pending))
			for id := range pending {
				ids = append(ids, id)
			}
			rows, err := h.insp.InspectByIDs(r.Context(), ids)
			failed(err)
			if err == nil {
				for _, row := range rows {
					state := row.Status + strconv.Itoa(row.AttemptCount)
					if state == pending[row.ID] {
						continue
					}
					if q.Status != "" && row.Status != q.Status {
						batch.Updates = append(batch.Updates, rowUpdate{ID: row.ID, Remove: true})
						delete(pending, row.ID)
						continue
					}
					buf.Reset()
					if err := h.rowT.ExecuteTemplate(&buf, "row", h.rowView(row)); err == nil {
						batch.Updates = append(batch.Updates, rowUpdate{ID: row.ID, HTML: buf.String()})
					}
					if row.Status == store.DeliveryPending {
						pending[row.ID] = state
					} else {
						delete(pending, row.ID)
						keepSettled(settled, row)
					}
				}
				if ended && len(rows) < len(ids) {
					// Gone (a prune): nothing to wait for (an ended
					// stream ends once none is pending).
					seen := make(map[string]bool, len(rows))
					for _, row := range rows {
						seen[row.ID] = true
					}
					for _, id := range ids {
						if !seen[id] {
							delete(pending, id)
						}
					}
				}
			}
		}
		// Replays of the settled rows this tab shows: at most
		// liveSettled rows, one read by ID, every liveRecheck.
		if len(settled) > 0 && time.Since(checked) >= liveRecheck {
			checked = time.Now()
			ids := make([]string, 0, len(settled))
			for id := range settled {
				ids = append(ids, id)
			}
			rows, err := h.insp.InspectByIDs(r.Context(), ids)
			failed(err)
			if err == nil {
				checkedGen = tickGen
				found := make(map[string]bool, len(rows))
				for _, row := range rows {
					found[row.ID] = true
					state := row.Status + strconv.Itoa(row.AttemptCount)
					if state == settled[row.ID].state {
						continue
					}
					if q.Status != "" && row.Status != q.Status {
						// Out of the status filter (a failed row replayed
						// in a status=failed log): gone from the page.
						batch.Updates = append(batch.Updates, rowUpdate{ID: row.ID, Remove: true})
						delete(settled, row.ID)
						continue
					}
					buf.Reset()
					if err := h.rowT.ExecuteTemplate(&buf, "row", h.rowView(row)); err == nil {
						batch.Updates = append(batch.Updates, rowUpdate{ID: row.ID, HTML: buf.String()})
					}
					if row.Status == store.DeliveryPending && len(pending) < 2000 {
						// Pending again: re-read every Poll until it
						// settles, then it is kept here again.
						pending[row.ID] = state
						delete(settled, row.ID)
						continue
					}
					settled[row.ID] = settledRow{state: state, seq: row.Seq}
				}
				for _, id := range ids {
					if !found[id] {
						delete(settled, id) // removed (a reset, a prune)
					}
				}
			}
		}
		// Events without deliveries (listen received and did not forward).
		var views []rowView
		if withEvents && !ended {
			eq := eventQuery(q)
			tickETop := batch.ETop
			tickECursor := ecursor
			maxE, err := h.insp.MaxEventSeq(r.Context())
			failed(err)
			if err == nil && maxE < etop && eSeen {
				cutBack = true // the events were emptied or cut back
				continue
			}
			if err == nil && maxE >= etop {
				eSeen = true
			}
			if err == nil && maxE > etop {
				// What commits in the new range after this read is below
				// the cursor: read by transaction at the next tick.
				eq.Tail, eq.AfterSeq, eq.UpToSeq, eq.Limit = true, etop, maxE, 1000
				evs, err := h.insp.InspectEvents(r.Context(), eq)
				failed(err)
				if err == nil {
					for _, e := range evs {
						views = append(views, eventView(e))
						sentE[e.Seq] = true
					}
					if len(evs) > 0 {
						ecursor = evs[len(evs)-1]
					}
					batch.ETop = maxE
				}
			}
			// The event the stream read before this tick, when no
			// delivery at the cursor was read: gone, the events were
			// emptied or cut back (what this tick read is dropped, as
			// for a delivery).
			if readErr == nil && tickCursor == "" && tickECursor != nil {
				ev, err := h.eventAt(r.Context(), tickECursor.Seq)
				failed(err)
				if err == nil && ev == nil {
					cutBack = true
					continue
				}
			}
			// The events without deliveries at or below the event cursor
			// that committed since the last snapshot (as the deliveries').
			if eci != nil && lateOK && readErr == nil && tickETop > 0 {
				evs, more, err := eci.InspectEventsCommittedAfter(r.Context(), eq, tickETop, snap, 1000)
				failed(err)
				lateOK = err == nil
				lateSkipped += more
				for _, e := range evs {
					if !lastSentE[e.Seq] && !sentE[e.Seq] {
						sentE[e.Seq] = true
						views = append(views, eventView(e))
					}
				}
			}
		}
		// The snapshot moves on once both reads by transaction worked;
		// else they are read again at the next tick with the same one,
		// and what this tick sent is not sent twice.
		if ci != nil {
			if lateOK {
				snap, lastSent, lastSentE = tickSnap, sent, sentE
			} else {
				lastSent, lastSentE = mergeSeqs(lastSent, sent), mergeSeqs(lastSentE, sentE)
			}
		}
		batch.Snap = snap
		// More than a batch draws: the newest rows (deliveries and events
		// without one, in the order of the log's pages) are kept, the page
		// shows them alone and its "older" link continues right below
		// them, so those left out are on the next page, not a hole in the
		// middle of the log.
		if n := len(fresh) + len(views); n > liveMaxRows || lateSkipped > 0 && n > 0 {
			byID := make(map[string]*store.DeliveryRow, len(fresh))
			for _, row := range fresh {
				byID[row.ID] = row
				views = append(views, h.rowView(row))
			}
			mergeRows(views)
			kept := views[:min(liveMaxRows, len(views))]
			batch.Skipped = n - len(kept) + lateSkipped
			flooded = true
			// The next page: the deliveries older than the oldest kept
			// (all up to the cursor when none is) and the events older
			// than the last row kept.
			next := logData{First: true, Filter: filterValues(q).Encode(), NextBefore: batch.Top + 1,
				NextUntil: kept[len(kept)-1].at.UnixMicro()}
			views, fresh = kept, fresh[:0]
			for _, v := range kept {
				if !v.Event {
					fresh = append(fresh, byID[v.ID])
					next.NextBefore = min(next.NextBefore, v.seq)
				}
			}
			var pb bytes.Buffer
			if err := h.pages["log"].ExecuteTemplate(&pb, "paging", next); err == nil {
				batch.Paging = pb.String()
			}
		}
		for _, row := range fresh {
			switch {
			case row.Status != store.DeliveryPending:
				keepSettled(settled, row)
			case len(pending) < 2000:
				pending[row.ID] = row.Status + strconv.Itoa(row.AttemptCount)
			}
		}
		if batch.Skipped == 0 {
			for _, row := range fresh {
				views = append(views, h.rowView(row))
			}
		}
		mergeRows(views)
		buf.Reset()
		for _, v := range views {
			if err := h.rowT.ExecuteTemplate(&buf, "row", v); err != nil {
				return
			}
		}
		batch.Rows, batch.N = buf.String(), len(views)
		// Read again at the next tick whatever the hub says: a read that
		// failed (retried at every tick, as before), five full pages
		// read (more after them), the reads by transaction that did not
		// work (PostgreSQL: read again with the same snapshot).
		dirty = readErr != nil || !caughtUp || ci != nil && !lateOK && !ended
		if !say(readErr) {
			return
		}
		// The range's end passed and this tick read up to it: said after
		// the tick's rows (an ended event with the indicator's words).
		sayEnded := func() bool {
			if !endNow || readErr != nil || !caughtUp {
				return true
			}
			ended = true
			b, _ := json.Marshal(map[string]string{"text": endedText(q.Until)})
			if _, err := fmt.Fprintf(w, "event: ended\ndata: %s\n\n", b); err != nil {
				return false
			}
			fl.Flush()
			return true
		}
		if batch.Rows == "" && len(batch.Updates) == 0 && batch.Top == after && batch.ETop == etop {
			if !sayEnded() {
				return
			}
			continue
		}
		after, etop = batch.Top, batch.ETop
		// The HTML escaped as the page's (htmlJSON): one escaping of a
		// byte that is not UTF-8 for both.
		batch.Rows, batch.Paging = htmlJSON(batch.Rows), htmlJSON(batch.Paging)
		for i := range batch.Updates {
			batch.Updates[i].HTML = htmlJSON(batch.Updates[i].HTML)
		}
		b, _ := json.Marshal(batch)
		if _, err := fmt.Fprintf(w, "event: rows\ndata: %s\n\n", b); err != nil {
			return
		}
		fl.Flush()
		if !sayEnded() {
			return
		}
	}
}

// endedText is what the live log's indicator says once its time range
// ended (until): the time of day on this machine's clock, as the rows'.
func endedText(until time.Time) string {
	return "not live: the time range ended at " + until.Local().Format("15:04:05")
}

// mergeSeqs adds the seqs of b to a (a new map when a is nil).
func mergeSeqs(a, b map[int64]bool) map[int64]bool {
	if a == nil {
		a = make(map[int64]bool, len(b))
	}
	for s := range b {
		a[s] = true
	}
	return a
}

// eventAt reads the event without a delivery at seq, nil when there is
// none (gone, or one with deliveries): one indexed read, without the
// payload.
func (h *Handler) eventAt(ctx context.Context, seq int64) (*store.EventRow, error) {
	evs, err := h.insp.InspectEvents(ctx, store.EventQuery{Tail: true, AfterSeq: seq - 1, UpToSeq: seq, Limit: 1})
	if err != nil || len(evs) == 0 || evs[0].Seq != seq {
		return nil, err
	}
	return evs[0], nil
}

// keepSettled keeps row among the settled rows a stream re-reads, with
// the state the tab shows; beyond liveSettled the oldest (by Seq, as the
// page drops them) is dropped.
func keepSettled(settled map[string]settledRow, row *store.DeliveryRow) {
	settled[row.ID] = settledRow{state: row.Status + strconv.Itoa(row.AttemptCount), seq: row.Seq}
	if len(settled) <= liveSettled {
		return
	}
	oldest, seq := "", int64(0)
	for id, s := range settled {
		if oldest == "" || s.seq < seq {
			oldest, seq = id, s.seq
		}
	}
	delete(settled, oldest)
}

// ---- overview ----

type bar struct {
	X                        int
	YOK, HOK, YFail, HFail   int
	YPend, HPend             int
	Label                    string
	OK, Failed, Pending, All int64
}

// tick is a label of the chart's time axis, under the bar of a minute
// that is a multiple of ten (local time, like the bars' titles).
type tick struct {
	X      int
	Anchor string // SVG text-anchor: middle, or start/end at the edges
	Label  string
}

type overviewData struct {
	Bars      []bar
	Ticks     []tick
	AxisY     int // the bars' base line; the tick labels sit below it
	Max       int64
	Total     map[string]int64
	Queue     []*store.Delivery
	QueueNow  time.Time // the store's time, for the queue's due times (store.Skew)
	Slowest   []store.EndpointLatency
	Width     int
	Height    int
	ElapsedMS string
}

func (h *Handler) overviewPage(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	if h.insp == nil {
		h.fail(w, r, http.StatusInternalServerError, fmt.Errorf("this store cannot serve the overview"))
		return
	}
	now := h.cfg.Now().UTC().Truncate(time.Minute)
	since := now.Add(-59 * time.Minute)
	buckets, err := h.insp.Throughput(r.Context(), since)
	if err != nil {
		h.fail(w, r, http.StatusInternalServerError, err)
		return
	}
	const barW, height, axis = 10, 120, 16
	d := overviewData{Total: map[string]int64{}, Width: 60 * barW, Height: height + axis, AxisY: height}
	bars := make([]bar, 60)
	for i := range bars {
		m := since.Add(time.Duration(i) * time.Minute).Local()
		bars[i].X = i * barW
		bars[i].Label = m.Format("15:04")
		if m.Minute()%10 == 0 {
			t := tick{X: bars[i].X + barW/2, Anchor: "middle", Label: bars[i].Label}
			switch {
			case t.X < 3*barW:
				t.X, t.Anchor = bars[i].X, "start"
			case t.X > d.Width-3*barW:
				t.X, t.Anchor = bars[i].X+barW, "end"
			}
			d.Ticks = append(d.Ticks, t)
		}
	}
	for _, b := range buckets {
		i := int(b.Minute.Sub(since) / time.Minute)
		if i < 0 || i >= 60 {
			continue
		}
		switch b.Status {
		case store.DeliverySucceeded:
			bars[i].OK += b.Count
		case store.DeliveryFailed:
			bars[i].Failed += b.Count
		default:
			bars[i].Pending += b.Count
		}
		bars[i].All += b.Count
		d.Total[b.Status] += b.Count
	}
	for _, b := range bars {
		d.Max = max(d.Max, b.All)
	}
	scale := func(n int64) int {
		if d.Max == 0 {
			return 0
		}
		return int(n * (height - 10) / d.Max)
	}
	for i := range bars {
		b := &bars[i]
		b.HOK, b.HFail, b.HPend = scale(b.OK), scale(b.Failed), scale(b.Pending)
		b.YOK = height - b.HOK
		b.YFail = b.YOK - b.HFail
		b.YPend = b.YFail - b.HPend
	}
	d.Bars = bars
	d.Queue, _ = h.st.ListDeliveries(r.Context(), store.DeliveryFilter{Status: store.DeliveryPending, Limit: 20})
	if len(d.Queue) > 0 {
		d.QueueNow = h.cfg.Now().Add(store.Skew(r.Context(), h.st))
	}
	d.Slowest, _ = h.insp.SlowestEndpoints(r.Context(), 5000, 10)
	d.ElapsedMS = fmtDuration(time.Since(start))
	h.render(w, r, "overview", page{Title: "Overview", D: d})
}

// cursorParam reads the cursor name (after, etop) of a /live request:
// none (absent or empty) is from now; else a seq, 0 the log's start.
func cursorParam(v url.Values, name string) (seq int64, fromNow bool, err error) {
	s := v.Get(name)
	if s == "" {
		return 0, true, nil
	}
	seq, err = strconv.ParseInt(s, 10, 64)
	if err != nil || seq < 0 {
		return 0, false, fmt.Errorf("invalid %s=%q: want a seq (0 or more), or no %s to follow the log from now", name, s, name)
	}
	return seq, false, nil
}
