package sqlite

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/store"
)

func TestBatchOutbox(t *testing.T) {
	s := openTemp(t)
	ctx := context.Background()
	now := time.Now()
	ev1 := &store.Event{ID: "evt_1", Type: "card.created", Payload: []byte(`{"a":1}`)}
	ev2 := &store.Event{ID: "evt_2", Type: "card.created", Payload: []byte(`{"a":2}`)}
	d := func() *store.Delivery {
		return &store.Delivery{URL: "http://x", MaxAttempts: 2, Schedule: "0s,1s", NextAttemptAt: now, RunID: "r"}
	}
	// ev1 twice (a --duplicate): one event, both deliveries.
	if err := s.CreateEvents(ctx, []*store.Event{ev1, ev1, ev2}, [][]*store.Delivery{{d()}, {d()}, {d(), d()}}); err != nil {
		t.Fatal(err)
	}
	evs, _ := s.ListEvents(ctx, store.EventFilter{})
	if len(evs) != 2 {
		t.Fatalf("%d events, want 2", len(evs))
	}
	c, _ := s.CountDeliveries(ctx, store.DeliveryFilter{RunID: "r"})
	if c[store.DeliveryPending] != 4 {
		t.Fatalf("deliveries: %v, want 4 pending", c)
	}
	claimed, err := s.ClaimDue(ctx, "me", time.Now(), time.Minute, 3, "r")
	if err != nil || len(claimed) != 3 {
		t.Fatalf("claim: %d %v", len(claimed), err)
	}
	// Another owner takes the third one after its lease (simulated).
	if _, err := s.w.Exec(`UPDATE deliveries SET lease_owner = 'other' WHERE id = ?`, claimed[2].ID); err != nil {
		t.Fatal(err)
	}
	as := []*store.Attempt{
		{DeliveryID: claimed[0].ID, Number: 1, StartedAt: now, ResponseStatus: 200},
		{DeliveryID: claimed[1].ID, Number: 1, StartedAt: now, ResponseStatus: 500},
		{DeliveryID: claimed[2].ID, Number: 1, StartedAt: now, ResponseStatus: 200},
		{DeliveryID: "nope", Number: 1, StartedAt: now},
	}
	us := []store.DeliveryUpdate{
		{Status: store.DeliverySucceeded, LastStatus: 200},
		{Status: store.DeliveryPending, NextAttemptAt: now.Add(time.Hour), LastStatus: 500, LastError: "HTTP 500"},
		{Status: store.DeliverySucceeded, LastStatus: 200},
		{Status: store.DeliverySucceeded},
	}
	errs, err := s.RecordAttempts(ctx, "me", as, us)
	if err != nil {
		t.Fatal(err)
	}
	if errs[0] != nil || errs[1] != nil || !errors.Is(errs[2], store.ErrLeaseLost) || !errors.Is(errs[3], store.ErrNotFound) {
		t.Fatalf("errs = %v", errs)
	}
	d0, _ := s.GetDelivery(ctx, claimed[0].ID)
	d1, _ := s.GetDelivery(ctx, claimed[1].ID)
	d2, _ := s.GetDelivery(ctx, claimed[2].ID)
	if d0.Status != store.DeliverySucceeded || d0.AttemptCount != 1 || d0.LeaseOwner != "" {
		t.Errorf("d0 %+v", d0)
	}
	if d1.Status != store.DeliveryPending || d1.LastError != "HTTP 500" || !d1.NextAttemptAt.After(now.Add(59*time.Minute)) {
		t.Errorf("d1 %+v", d1)
	}
	if d2.Status != store.DeliveryPending || d2.LeaseOwner != "other" {
		t.Errorf("lease lost must not update the delivery: %+v", d2)
	}
	if atts, _ := s.ListAttempts(ctx, claimed[2].ID); len(atts) != 1 {
		t.Errorf("the lease-lost attempt must be kept: %d", len(atts))
	}
}

// RequeueLeased is Requeue with the deliveries leased to the caller: they
// come back as requeued, nobody else can claim them, succeeded ones are
// skipped unless forced.
func TestRequeueLeased(t *testing.T) {
	s := openTemp(t)
	defer s.Close()
	ctx := context.Background()
	failed := &store.Delivery{URL: "http://a", MaxAttempts: 1, Status: store.DeliveryFailed, AttemptCount: 1}
	done := &store.Delivery{URL: "http://b", MaxAttempts: 1, Status: store.DeliverySucceeded, AttemptCount: 1}
	if err := s.CreateEvent(ctx, &store.Event{ID: "evt_rq", Type: "card.created", Payload: []byte(`{}`)}, []*store.Delivery{failed, done}); err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	r := store.Requeue{URL: "http://c", ExtraAttempts: 3, Schedule: "0s,1s,2s", RunID: "run-rq", Now: now}
	got, err := s.RequeueLeased(ctx, []string{failed.ID, done.ID}, r, "me", now.Add(time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].ID != failed.ID {
		t.Fatalf("requeued %v, want only the failed delivery", got)
	}
	d := got[0]
	if d.Status != store.DeliveryPending || d.LeaseOwner != "me" || d.MaxAttempts != 4 || d.URL != "http://c" ||
		d.RunID != "run-rq" || d.Schedule != "0s,1s,2s" || d.EventID != "evt_rq" || d.Seq != failed.Seq {
		t.Fatalf("requeued delivery %+v", d)
	}
	if c, err := s.ClaimDue(ctx, "other", now.Add(time.Second), time.Minute, 10, ""); err != nil || len(c) != 0 {
		t.Fatalf("another owner claimed %d (%v), want none while leased", len(c), err)
	}
	// The lease is ours: recording by seq succeeds.
	a := &store.Attempt{DeliveryID: d.ID, DeliverySeq: d.Seq, Number: d.AttemptCount + 1, StartedAt: now, ResponseStatus: 200}
	errs, err := s.RecordAttempts(ctx, "me", []*store.Attempt{a}, []store.DeliveryUpdate{{Status: store.DeliverySucceeded, LastStatus: 200}})
	if err != nil || errs[0] != nil {
		t.Fatalf("record: %v %v", err, errs)
	}
	r.Force = true
	got, err = s.RequeueLeased(ctx, []string{done.ID}, r, "me", now.Add(time.Minute))
	if err != nil || len(got) != 1 || got[0].LeaseOwner != "me" {
		t.Fatalf("forced requeue of a succeeded delivery: %v %v", got, err)
	}
}

// A busy writer's WAL is copied into the database file in the background,
// not only at the writer's (high) autocheckpoint threshold or at close.
func TestBackgroundCheckpoint(t *testing.T) {
	s := openTemp(t)
	defer s.Close()
	ctx := context.Background()
	size := func() int64 {
		fi, err := os.Stat(s.path)
		if err != nil {
			t.Fatal(err)
		}
		return fi.Size()
	}
	before := size()
	payload := []byte(`{"pad":"` + strings.Repeat("x", 2000) + `"}`)
	for b := range 4 {
		var evs []*store.Event
		var dss [][]*store.Delivery
		for i := range 250 {
			evs = append(evs, &store.Event{ID: fmt.Sprintf("evt_%d_%d", b, i), Type: "card.created", Payload: payload})
			dss = append(dss, []*store.Delivery{{URL: "http://a", MaxAttempts: 1}})
		}
		if err := s.CreateEvents(ctx, evs, dss); err != nil {
			t.Fatal(err)
		}
	}
	// ~2 MB written, far below the writer's autocheckpoint (40 000 pages).
	deadline := time.Now().Add(30 * time.Second)
	for size() < before+1<<20 {
		if time.Now().After(deadline) {
			t.Fatalf("database file %d bytes (was %d): the WAL was not checkpointed in the background", size(), before)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestCreateEventsBulk: batches larger than one multi-row statement, with
// an event that already exists and one given twice, give every delivery
// its own event's seq and consecutive seqs of its own.
func TestCreateEventsBulk(t *testing.T) {
	s := openTemp(t)
	ctx := context.Background()
	old := &store.Event{ID: "evt_old", Type: "card.created", Payload: []byte(`{"old":1}`)}
	if err := s.CreateEvent(ctx, old, []*store.Delivery{{URL: "http://x", MaxAttempts: 1, RunID: "r0"}}); err != nil {
		t.Fatal(err)
	}
	var evs []*store.Event
	var dss [][]*store.Delivery
	for i := range 2*bulkEventRows + 7 {
		ev := &store.Event{ID: fmt.Sprintf("evt_%03d", i), Type: "card.created", Payload: []byte(fmt.Sprintf(`{"n":%d}`, i))}
		switch i {
		case 5:
			ev = old
		case 9:
			ev = evs[8] // a --duplicate
		}
		evs = append(evs, ev)
		dss = append(dss, []*store.Delivery{{URL: "http://x", MaxAttempts: 1, RunID: "r"}, {URL: "http://y", MaxAttempts: 1, RunID: "r"}})
	}
	if err := s.CreateEvents(ctx, evs, dss); err != nil {
		t.Fatal(err)
	}
	var prev int64
	for i, ds := range dss {
		for _, d := range ds {
			if prev != 0 && d.Seq != prev+1 {
				t.Fatalf("delivery seq %d after %d", d.Seq, prev)
			}
			prev = d.Seq
			var eventID, payload string
			if err := s.r.QueryRow(`SELECT e.id, e.payload FROM deliveries d JOIN events e ON e.seq = d.event_seq WHERE d.seq = ?`, d.Seq).
				Scan(&eventID, &payload); err != nil {
				t.Fatal(err)
			}
			if eventID != evs[i].ID || d.EventID != evs[i].ID || payload != string(evs[i].Payload) {
				t.Fatalf("delivery %d: event %s %s, want %s", d.Seq, eventID, payload, evs[i].ID)
			}
		}
	}
	got, _ := s.ListEvents(ctx, store.EventFilter{})
	if want := 2*bulkEventRows + 7 - 1; len(got) != want { // old once, evs[9] = evs[8]
		t.Fatalf("%d events, want %d", len(got), want)
	}
}

// TestCreateEventsShared: a chunk whose rows agree outside the varying
// columns binds those once; every row still reads back as written.
func TestCreateEventsShared(t *testing.T) {
	s := openTemp(t)
	ctx := context.Background()
	now := time.Now().UTC().Truncate(time.Microsecond)
	var evs []*store.Event
	var dss [][]*store.Delivery
	n := bulkDeliveryRows + 3
	for i := range n {
		evs = append(evs, &store.Event{ID: fmt.Sprintf("evt_%03d", i), Type: "card.created", Provider: "bond",
			Payload: []byte(fmt.Sprintf(`{"n":%d}`, i)), ContentType: "application/json"})
		dss = append(dss, []*store.Delivery{{URL: "http://x/hooks", Method: "PUT", Scheme: "standard", Secret: "whsec_x",
			Headers: map[string]string{"X-A": "1"}, MaxAttempts: 3, Schedule: "0s,1s,2s", RunID: "run",
			NextAttemptAt: now.Add(time.Duration(i) * time.Millisecond), LeaseOwner: "me", LeaseExpiresAt: now.Add(time.Minute)}})
	}
	if !bulkDeliveries.uniform(func() []any {
		var a []any
		for _, ds := range dss[:2] {
			a = append(a, deliveryArgs(ds[0])...)
		}
		return a
	}()) {
		t.Fatal("the test's deliveries should take the shared statement")
	}
	if err := s.CreateEvents(ctx, evs, dss); err != nil {
		t.Fatal(err)
	}
	for i, ds := range dss {
		d, err := s.GetDelivery(ctx, ds[0].ID)
		if err != nil {
			t.Fatal(err)
		}
		if d.EventID != evs[i].ID || d.URL != "http://x/hooks" || d.Method != "PUT" || d.Scheme != "standard" || d.Secret != "whsec_x" ||
			d.Headers["X-A"] != "1" || d.MaxAttempts != 3 || d.Schedule != "0s,1s,2s" || d.RunID != "run" || d.Status != store.DeliveryPending ||
			!d.NextAttemptAt.Equal(now.Add(time.Duration(i)*time.Millisecond)) || d.LeaseOwner != "me" || d.Seq != ds[0].Seq {
			t.Fatalf("delivery %d read back as %+v", i, d)
		}
		ev, err := s.GetEvent(ctx, evs[i].ID)
		if err != nil {
			t.Fatal(err)
		}
		if string(ev.Payload) != string(evs[i].Payload) || ev.Type != "card.created" || ev.Provider != "bond" || ev.ContentType != "application/json" {
			t.Fatalf("event %d read back as %+v", i, ev)
		}
	}
}

// TestRecordAttemptsMany: in a batch of attempts with one outcome, a
// delivery whose lease another owner holds keeps its state (its attempt
// is kept, ErrLeaseLost), and an attempt whose number a lease-lost attempt
// took is numbered after it.
func TestRecordAttemptsMany(t *testing.T) {
	s := openTemp(t)
	ctx := context.Background()
	now := time.Now()
	var ds []*store.Delivery
	for range 67 {
		ds = append(ds, &store.Delivery{URL: "http://x", MaxAttempts: 1, Schedule: "0s", NextAttemptAt: now, RunID: "r",
			LeaseOwner: "me", LeaseExpiresAt: now.Add(time.Minute)})
	}
	if err := s.CreateEvents(ctx, []*store.Event{{ID: "evt_1", Type: "card.created", Payload: []byte(`{}`)}}, [][]*store.Delivery{ds}); err != nil {
		t.Fatal(err)
	}
	lost, taken := ds[3], ds[33]
	if _, err := s.w.Exec(`UPDATE deliveries SET lease_owner = 'other' WHERE seq = ?`, lost.Seq); err != nil {
		t.Fatal(err)
	}
	if _, err := s.w.Exec(`INSERT INTO attempts (delivery_seq, number, started_at, error) VALUES (?, 1, 1, 'lease lost elsewhere')`, taken.Seq); err != nil {
		t.Fatal(err)
	}
	var as []*store.Attempt
	var us []store.DeliveryUpdate
	for _, d := range ds {
		as = append(as, &store.Attempt{DeliveryID: d.ID, DeliverySeq: d.Seq, Number: 1, StartedAt: now, RequestURL: d.URL, RequestMethod: "POST",
			RequestHeaders: map[string][]string{"X-Id": {d.ID}}, ResponseStatus: 200, ResponseBody: []byte("ok")})
		us = append(us, store.DeliveryUpdate{Status: store.DeliverySucceeded, LastStatus: 200})
	}
	errs, err := s.RecordAttempts(ctx, "me", as, us)
	if err != nil {
		t.Fatal(err)
	}
	for i, d := range ds {
		got, err := s.GetDelivery(ctx, d.ID)
		if err != nil {
			t.Fatal(err)
		}
		atts, err := s.ListAttempts(ctx, d.ID)
		if err != nil {
			t.Fatal(err)
		}
		switch d {
		case lost:
			if !errors.Is(errs[i], store.ErrLeaseLost) || got.Status != store.DeliveryPending || got.AttemptCount != 0 || len(atts) != 1 {
				t.Fatalf("lost lease: err %v, %s after %d, %d attempts", errs[i], got.Status, got.AttemptCount, len(atts))
			}
		case taken:
			if errs[i] != nil || got.Status != store.DeliverySucceeded || len(atts) != 2 || as[i].Number != 2 || atts[1].Number != 2 {
				t.Fatalf("taken number: err %v, %s, %d attempts, number %d", errs[i], got.Status, len(atts), as[i].Number)
			}
		default:
			if errs[i] != nil || got.Status != store.DeliverySucceeded || got.AttemptCount != 1 || got.LeaseOwner != "" || len(atts) != 1 ||
				atts[0].RequestHeaders["X-Id"][0] != d.ID || string(atts[0].ResponseBody) != "ok" || atts[0].ResponseStatus != 200 {
				t.Fatalf("delivery %d: err %v, %+v, attempts %+v", i, errs[i], got, atts)
			}
		}
	}
}
