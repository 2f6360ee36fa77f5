package web

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/hookctl/hookctl/internal/store"
	"github.com/hookctl/hookctl/internal/ui"
)

// eventsBatch is one Server-Sent Event of the events page's stream: its
// first page as it is now (rows and paging, rendered by the page's
// templates).
type eventsBatch struct {
	Rows   string `json:"rows"`
	Paging string `json:"paging"`
	// Pending: an event shown has pending deliveries.
	Pending bool `json:"pending"`
}

// eventsLive streams the events page's first page, with the page's
// filters, to one tab: once the store changed (the Handler's poller,
// liveHub: an idle tab reads nothing), it reads the page again and sends
// it when it differs from what it sent (a new event, a delivery
// settled). The whole page is read, not what came after a cursor: an
// event committed late (PostgreSQL) or created with an older time is
// where the page puts it. A time range with an end stops bringing new
// events once it passed (and the store's slack, store.InspectRangeSlack):
// the stream says so (event: ended) and ends (event: done) once no event
// it shows has pending deliveries (their outcomes still change).
func (h *Handler) eventsLive(w http.ResponseWriter, r *http.Request) {
	fl, ok := w.(http.Flusher)
	if !ok {
		http.Error(w, "streaming unsupported", http.StatusInternalServerError)
		return
	}
	f, filter, form, invalid := h.eventsFilter(r.URL.Query())
	if invalid != "" {
		http.Error(w, invalid, http.StatusBadRequest)
		return
	}
	f.Limit = eventsPageSize + 1
	_ = http.NewResponseController(w).SetWriteDeadline(time.Time{})
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Accel-Buffering", "no")
	readGen := h.hub.join(r.Context())
	defer h.hub.leave()
	var rangeEnd time.Time
	ended := false
	if !f.Until.IsZero() {
		rangeEnd = f.Until.Add(store.InspectRangeSlack)
		ended = !h.cfg.Now().Before(rangeEnd)
	}
	hello := "{}"
	if ended {
		b, _ := json.Marshal(map[string]string{"ended": endedText(f.Until)})
		hello = string(b)
	}
	fmt.Fprintf(w, "retry: 1000\nevent: hello\ndata: %s\n\n", hello)
	fl.Flush()
	var last string
	pending, failed := false, false
	var down time.Time // since when the reads fail
	// lastRead is when the last read ended, gap how long the next waits
	// after it: a Poll, or four times what the read took (a filter the
	// indexes do not serve, verdict=rejected over 200,000 events: 0.5 to
	// 1 s a read on a loaded machine), so that one tab under steady
	// traffic reads for at most a fifth of the time.
	var lastRead time.Time
	gap := h.cfg.Poll
	// send reads the page and sends it if it changed; false: the tab
	// went away.
	send := func() bool {
		d := eventsData{Form: form} // an empty page says "match these filters" as the page does
		start := time.Now()
		err := h.readEvents(r.Context(), f, filter, &d)
		lastRead, gap = time.Now(), max(h.cfg.Poll, 4*time.Since(start))
		if err != nil {
			if r.Context().Err() != nil {
				return false
			}
			if !failed {
				// Said once, as the live log says it: the page said
				// "live" over rows no read could update any more.
				failed, down = true, time.Now()
				return h.sayStore(w, fl, r, err, "the events")
			}
			return true
		}
		if failed {
			failed = false
			b, _ := json.Marshal(storeNotice{Text: fmt.Sprintf("the store is back after %s; following on",
				ui.FormatDuration(time.Since(down).Round(100*time.Millisecond)))})
			if _, err := fmt.Fprintf(w, "event: store\ndata: %s\n\n", b); err != nil {
				return false
			}
			fl.Flush()
		}
		var rows, paging bytes.Buffer
		if h.pages["events"].ExecuteTemplate(&rows, "eventrows", d) != nil || h.pages["events"].ExecuteTemplate(&paging, "eventpaging", d) != nil {
			return false
		}
		pending = d.Pending()
		b, _ := json.Marshal(eventsBatch{Rows: htmlJSON(rows.String()), Paging: htmlJSON(paging.String()), Pending: pending})
		if string(b) == last {
			return true
		}
		last = string(b)
		if _, err := fmt.Fprintf(w, "event: page\ndata: %s\n\n", b); err != nil {
			return false
		}
		fl.Flush()
		return true
	}
	if !send() {
		return
	}
	tick := time.NewTicker(h.cfg.Poll)
	defer tick.Stop()
	keepalive := time.NewTicker(15 * time.Second)
	defer keepalive.Stop()
	endTimer := time.NewTimer(time.Hour)
	endTimer.Stop()
	defer endTimer.Stop()
	for {
		if ended && !pending && !failed {
			fmt.Fprint(w, "event: done\ndata: {}\n\n")
			fl.Flush()
			return
		}
		var tickC, endC <-chan time.Time
		pastEnd := !ended && !rangeEnd.IsZero() && !h.cfg.Now().Before(rangeEnd)
		if failed || pastEnd {
			tickC = tick.C // a failed read is retried at every tick
		} else if !ended && !rangeEnd.IsZero() {
			endTimer.Reset(rangeEnd.Sub(h.cfg.Now()))
			endC = endTimer.C
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
		case <-h.hub.wait(readGen):
		case <-tickC:
		case <-endC:
		}
		endTimer.Stop()
		if wait := time.Until(lastRead.Add(gap)); wait > 0 {
			select {
			case <-r.Context().Done():
				return
			case <-time.After(wait):
			}
		}
		readGen = h.hub.current()
		endNow := !ended && !rangeEnd.IsZero() && !h.cfg.Now().Before(rangeEnd)
		if !send() {
			return
		}
		if endNow && !failed {
			ended = true
			b, _ := json.Marshal(map[string]string{"text": endedText(f.Until)})
			if _, err := fmt.Fprintf(w, "event: ended\ndata: %s\n\n", b); err != nil {
				return
			}
			fl.Flush()
		}
	}
}
