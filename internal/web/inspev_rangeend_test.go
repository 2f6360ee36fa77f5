package web_test

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/store"
)

// inspevPending stores a pending delivery (its event card.created)
// created at at, due then; it returns its ID and Seq.
func inspevPending(t *testing.T, st store.Store, at time.Time) (string, int64) {
	t.Helper()
	e := &store.Event{ID: fmt.Sprintf("evt_inspev_pending_%d", at.UnixNano()), Type: "card.created", Provider: "bond", Payload: []byte(`{}`),
		ContentType: "application/json", Source: store.SourceTriggered, CreatedAt: at}
	d := &store.Delivery{URL: "http://127.0.0.1:9/x", Status: store.DeliveryPending, MaxAttempts: 3, CreatedAt: at, UpdatedAt: at, NextAttemptAt: at}
	if err := st.CreateEvent(context.Background(), e, []*store.Delivery{d}); err != nil {
		t.Fatal(err)
	}
	got, err := st.GetDelivery(context.Background(), d.ID)
	if err != nil {
		t.Fatal(err)
	}
	return d.ID, got.Seq
}

// inspevSettle records a successful attempt of the pending delivery id.
func inspevSettle(t *testing.T, st store.Store, id string) {
	t.Helper()
	ctx := context.Background()
	owner := "inspev-" + id // an owner of its own per claim (a claim's time moves on: store's lease rules)
	ds, err := st.ClaimDue(ctx, owner, time.Now(), time.Minute, 1000, "")
	if err != nil || len(ds) == 0 {
		d, _ := st.GetDelivery(ctx, id)
		t.Fatalf("claim %s: %v (%d): %+v", id, err, len(ds), d)
	}
	a := &store.Attempt{DeliveryID: id, Number: 1, StartedAt: time.Now(), Duration: time.Millisecond, RequestURL: "http://127.0.0.1:9/x",
		RequestMethod: "POST", ResponseStatus: 200}
	if err := st.RecordAttempt(ctx, owner, a, store.DeliveryUpdate{Status: store.DeliverySucceeded, LastStatus: 200}); err != nil {
		t.Fatal(err)
	}
}

type inspevSSE struct{ name, data string }

// inspevStream opens /live?query and sends its events on the channel,
// closed when the stream ends.
func inspevStream(t *testing.T, base string, q url.Values) <-chan inspevSSE {
	t.Helper()
	return inspevStreamAt(t, base+"/live?"+q.Encode())
}

// inspevStreamAt is inspevStream of any stream's URL.
func inspevStreamAt(t *testing.T, u string) <-chan inspevSSE {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	req, _ := http.NewRequestWithContext(ctx, "GET", u, nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	ch := make(chan inspevSSE, 100)
	go func() {
		defer close(ch)
		defer resp.Body.Close()
		sc := bufio.NewScanner(resp.Body)
		sc.Buffer(make([]byte, 1<<20), 1<<24)
		var ev inspevSSE
		for sc.Scan() {
			line := sc.Text()
			switch {
			case strings.HasPrefix(line, "event: "):
				ev.name = strings.TrimPrefix(line, "event: ")
			case strings.HasPrefix(line, "data: "):
				ev.data = strings.TrimPrefix(line, "data: ")
			case line == "" && ev.name != "":
				ch <- ev
				ev = inspevSSE{}
			}
		}
	}()
	return ch
}

// inspevNext is the stream's next event other than a keepalive, or
// fails after a generous deadline ("" name: the stream ended).
func inspevNext(t *testing.T, ch <-chan inspevSSE) inspevSSE {
	t.Helper()
	select {
	case ev, ok := <-ch:
		if !ok {
			return inspevSSE{}
		}
		return ev
	case <-time.After(30 * time.Second):
		t.Fatal("no event from the stream in 30 s")
	}
	return inspevSSE{}
}

// TestInspevLiveEndsWhenToPasses: a live stream whose To is still to come
// sends the range's new rows, and once To (and the slack a delivery
// created before it may take to be stored) has passed it says the range
// ended (event: ended, the indicator's words) and, nothing being pending,
// ends (event: done; the stream closes). Before, it went on for as long
// as the tab was open, live in name, with nothing more to send.
func TestInspevLiveEndsWhenToPasses(t *testing.T) {
	t.Parallel()
	_, srv, st := newHandler(t)
	inspevLiveEnds(t, srv.URL, st)
}

func inspevLiveEnds(t *testing.T, base string, st store.Store) {
	first, cursor := inspevPending(t, st, time.Now().Add(-time.Minute))
	inspevSettle(t, st, first)
	to := time.Now().Add(time.Second)
	ch := inspevStream(t, base, url.Values{"from": {time.Now().Add(-time.Hour).UTC().Format(time.RFC3339Nano)},
		"to": {to.UTC().Format(time.RFC3339Nano)}, "after": {fmt.Sprint(cursor)}, "etop": {"0"}})
	if ev := inspevNext(t, ch); ev.name != "hello" || strings.Contains(ev.data, "ended") {
		t.Fatalf("first event %+v, want a hello not ended", ev)
	}
	id, _ := inspevPending(t, st, time.Now())
	var names []string
	sawRow := false
	for {
		ev := inspevNext(t, ch)
		if ev.name == "" {
			break
		}
		names = append(names, ev.name)
		switch ev.name {
		case "rows":
			if strings.Contains(ev.data, id) && !sawRow {
				sawRow = true
				inspevSettle(t, st, id) // not pending: nothing keeps the stream once the range ended
			}
		case "ended":
			if !sawRow {
				t.Errorf("ended before the row of the range was sent")
			}
			if time.Now().Before(to) {
				t.Errorf("ended at %s, before To (%s)", time.Now().Format(time.StampMilli), to.Format(time.StampMilli))
			}
			if !strings.Contains(ev.data, `"text":"not live: the time range ended at `+to.Local().Format("15:04:05")+`"`) {
				t.Errorf("ended: %s", ev.data)
			}
		}
	}
	if len(names) < 2 || names[len(names)-1] != "done" || names[len(names)-2] != "ended" && names[len(names)-2] != "rows" {
		t.Errorf("events %v, want rows, then ended and done", names)
	}
	if !strings.Contains(strings.Join(names, " "), "ended") {
		t.Errorf("events %v: the stream never said the range ended", names)
	}
}

// TestInspevLivePastWindowUpdatesPending: the stream of a past window's
// page (To passed) that shows a pending row sends no new rows but the
// row's update once it settles, then ends. Before, such a page opened no
// stream and the row stayed pending on the page (and a stream opened for
// it sent no update).
func TestInspevLivePastWindowUpdatesPending(t *testing.T) {
	t.Parallel()
	_, srv, st := newHandler(t)
	inspevPastWindow(t, srv.URL, st)
}

func inspevPastWindow(t *testing.T, base string, st store.Store) {
	id, seq := inspevPending(t, st, time.Now().Add(-90*time.Minute))
	ch := inspevStream(t, base, url.Values{"from": {"2h"}, "to": {"1h"}, "after": {fmt.Sprint(seq)}, "etop": {"0"},
		"pending": {id}, "shown": {"1"}})
	if ev := inspevNext(t, ch); ev.name != "hello" || !strings.Contains(ev.data, `"ended":"not live: the time range ended at `) {
		t.Fatalf("first event %+v, want a hello that says the range ended", ev)
	}
	inspevPending(t, st, time.Now().Add(-80*time.Minute)) // in the range, stored since: not sent (no new rows)
	inspevSettle(t, st, id)
	var updated bool
	for {
		ev := inspevNext(t, ch)
		if ev.name == "" {
			break
		}
		if ev.name == "rows" {
			if strings.Contains(ev.data, `"rows":"\u003ctr`) || strings.Contains(ev.data, `"rows":"<tr`) {
				t.Errorf("a past window's stream sent new rows: %.300s", ev.data)
			}
			if strings.Contains(ev.data, `"id":"`+id+`"`) && strings.Contains(ev.data, `data-status=\"succeeded\"`) {
				updated = true
			}
		}
		if ev.name == "done" && !updated {
			t.Errorf("done before the pending row's update")
		}
	}
	if !updated {
		t.Error("the pending row's update was never sent")
	}
}
