package storetest

import (
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/store"
)

// sameText: a store keeps text as given, or in store.StorableForm (the
// PostgreSQL store, for text with a NUL byte or bytes that are not UTF-8),
// or for an event's id and type store.StorableKey (also shortened).
func sameText(t *testing.T, what, got, want string) {
	t.Helper()
	if got != want && got != store.StorableForm(want) && got != store.StorableKey(want) {
		t.Errorf("%s = %q, want %q or %q", what, got, want, store.StorableForm(want))
	}
}

// Text that came from the outside as received (a webhook-id header with a
// stray byte, "type":"a\u0000b" in a body) is taken by every write path
// and found again by the id it came with: a store that refuses it fails a
// whole batch of listen's received events, again at every retry.
func testUnstorableText(t *testing.T, s store.Store) {
	const (
		id1, id2  = "msg_\xff\x00a", "msg_\xfe\x00a" // distinct, both unstorable as given
		typ       = "a\x00b\xffc.created"
		ctype     = "text/plain; charset=\xe9"
		lastError = "forward: bad \x00 byte \xc3"
	)
	e := newEvent(id1, typ)
	e.ContentType, e.Source = ctype, store.SourceReceived
	e.Payload = []byte("body \x00\xff kept as is")
	d := newDelivery("http://127.0.0.1:1/p\xff")
	must(t, s.CreateEvent(ctx, e, []*store.Delivery{d}))
	got, err := s.GetEvent(ctx, id1)
	must(t, err)
	sameText(t, "ID", got.ID, id1)
	sameText(t, "Type", got.Type, typ)
	sameText(t, "ContentType", got.ContentType, ctype)
	if string(got.Payload) != string(e.Payload) {
		t.Errorf("Payload = %q, want %q", got.Payload, e.Payload)
	}
	ds, err := s.ListDeliveries(ctx, store.DeliveryFilter{EventID: id1})
	must(t, err)
	if len(ds) != 1 || ds[0].ID != d.ID {
		t.Fatalf("ListDeliveries(EventID %q) = %v, want [%s]", id1, ids(ds), d.ID)
	}
	sameText(t, "URL", ds[0].URL, d.URL)

	// An attempt whose error and URL hold such bytes is recorded.
	now := base.Add(time.Hour)
	if _, err := s.ClaimDue(ctx, "w", now, time.Minute, 1, ""); err != nil {
		t.Fatal(err)
	}
	a := &store.Attempt{DeliveryID: d.ID, Number: 1, StartedAt: now, RequestURL: d.URL, RequestMethod: "POST", Error: lastError}
	must(t, s.RecordAttempt(ctx, "w", a, store.DeliveryUpdate{Status: store.DeliveryFailed, LastError: lastError}))
	cur, err := s.GetDelivery(ctx, d.ID)
	must(t, err)
	sameText(t, "LastError", cur.LastError, lastError)
	as, err := s.ListAttempts(ctx, d.ID)
	must(t, err)
	if len(as) != 1 {
		t.Fatalf("%d attempts, want 1", len(as))
	}
	sameText(t, "attempt Error", as[0].Error, lastError)

	// The import path (listen's journal, store import): a second event
	// whose id differs from the first only in its stray byte stays a
	// second event; importing again is harmless.
	e2 := newEvent(id2, typ)
	e2.Source = store.SourceReceived
	d2 := newDelivery("http://127.0.0.1:1/q")
	d2.ID, d2.EventID, d2.Status, d2.AttemptCount, d2.LastError, d2.CreatedAt, d2.UpdatedAt =
		"d2", id2, store.DeliverySucceeded, 1, lastError, base, base
	a2 := &store.Attempt{DeliveryID: "d2", Number: 1, StartedAt: base, RequestURL: d2.URL, Error: lastError}
	for round := 0; round < 2; round++ {
		for _, r := range []store.Record{{Event: e2}, {Delivery: d2}, {Attempt: a2}} {
			must(t, s.Import(ctx, r))
		}
	}
	got2, err := s.GetEvent(ctx, id2)
	must(t, err)
	sameText(t, "imported ID", got2.ID, id2)
	if got2.ID == got.ID {
		t.Errorf("events %q and %q were stored under one id %q", id1, id2, got.ID)
	}
	ds, err = s.ListDeliveries(ctx, store.DeliveryFilter{EventID: id2})
	must(t, err)
	if len(ds) != 1 || ds[0].ID != "d2" {
		t.Fatalf("ListDeliveries(EventID %q) = %v, want [d2]", id2, ids(ds))
	}
	sameText(t, "imported LastError", ds[0].LastError, lastError)

	// An id and a type of several kilobytes (a hostile sender's, as
	// listen received them) are taken by each write path, two ids that
	// differ only at their end stay two events, and each is found again by
	// its id (and a prefix) and its type.
	long := func(seed uint64, n int) string { // incompressible: random letters
		r := rand.New(rand.NewPCG(seed, seed))
		b := make([]byte, n)
		for i := range b {
			b[i] = "abcdefghijklmnopqrstuvwxyz0123456789"[r.IntN(36)]
		}
		return string(b)
	}
	idA, idB := "msg_"+long(1, 9000)+"A", "msg_"+long(1, 9000)+"B"
	ltyp := "card." + long(2, 9000)
	eA, eB := newEvent(idA, ltyp), newEvent(idB, ltyp)
	eA.Source, eB.Source = store.SourceReceived, store.SourceReceived
	must(t, s.CreateEvent(ctx, eA, []*store.Delivery{newDelivery("http://127.0.0.1:1/long")}))
	writeB := func() error { return s.Import(ctx, store.Record{Event: eB}) }
	if bi, ok := s.(store.BatchImporter); ok {
		writeB = func() error { return bi.ImportBatch(ctx, []store.Record{{Event: eB}}) }
	}
	must(t, writeB())
	for _, id := range []string{idA, idB} {
		got, err := s.GetEvent(ctx, id)
		must(t, err)
		sameText(t, "long ID", got.ID, id)
		sameText(t, "long Type", got.Type, ltyp)
	}
	_, err = s.GetEvent(ctx, idA[:200])
	isAmbiguous(t, "GetEvent(a prefix of two long ids)", err, 2)
	ds, err = s.ListDeliveries(ctx, store.DeliveryFilter{EventID: idA, EventPattern: ltyp})
	must(t, err)
	if len(ds) != 1 {
		t.Errorf("deliveries of the long event (by its id and type): %d, want 1", len(ds))
	}

	// An imported record (a written file, another store's export) whose
	// subscription text, header, metadata or event names hold a NUL byte
	// is imported, and a backslash before "u0000" stays a backslash.
	nul := "a\x00b"
	sub := newSub("http://127.0.0.1:1/"+nul, "card."+nul)
	sub.ID, sub.Description, sub.Method, sub.CreatedAt, sub.UpdatedAt = "00000000-0000-4000-8000-00000000000a", nul, "P"+nul, base, base
	sub.Headers, sub.Metadata = map[string]string{"X-" + nul: nul, "X-Esc": `\u0000`}, map[string]string{"k": nul}
	eN := newEvent("evt-nul-headers", "card.created")
	eN.Headers = map[string][]string{"X-Nul": {nul, `\u0000`}}
	dN := newDelivery("http://127.0.0.1:1/n")
	dN.ID, dN.EventID, dN.Status, dN.AttemptCount, dN.CreatedAt, dN.UpdatedAt = "d-nul", eN.ID, store.DeliveryFailed, 1, base, base
	dN.Headers = map[string]string{"X-Nul": nul}
	aN := &store.Attempt{DeliveryID: "d-nul", Number: 1, StartedAt: base, RequestHeaders: map[string][]string{"X-Nul": {nul}},
		ResponseHeaders: map[string][]string{nul: {nul}}}
	recs := []store.Record{{Subscription: sub}, {Event: eN}, {Delivery: dN}, {Attempt: aN}}
	if bi, ok := s.(store.BatchImporter); ok {
		must(t, bi.ImportBatch(ctx, recs))
	} else {
		for _, r := range recs {
			must(t, s.Import(ctx, r))
		}
	}
	gs, err := s.GetSubscription(ctx, sub.ID)
	must(t, err)
	sameText(t, "imported Description", gs.Description, nul)
	sameText(t, "imported CallbackURL", gs.CallbackURL, sub.CallbackURL)
	sameText(t, "imported Method", gs.Method, sub.Method)
	sameText(t, "imported Events", strings.Join(gs.Events, ","), "card."+nul)
	sameText(t, "imported header", gs.Headers["X-"+nul]+gs.Headers[store.StorableForm("X-"+nul)], nul)
	sameText(t, "imported metadata", gs.Metadata["k"], nul)
	if gs.Headers["X-Esc"] != `\u0000` {
		t.Errorf("imported header X-Esc = %q, want %q", gs.Headers["X-Esc"], `\u0000`)
	}
	gn, err := s.GetEvent(ctx, eN.ID)
	must(t, err)
	if h := gn.Headers["X-Nul"]; len(h) != 2 || h[1] != `\u0000` {
		t.Errorf("imported event headers %q", gn.Headers)
	} else {
		sameText(t, "imported event header", h[0], nul)
	}
	as, err = s.ListAttempts(ctx, "d-nul")
	must(t, err)
	if len(as) != 1 || len(as[0].RequestHeaders["X-Nul"]) != 1 || len(as[0].ResponseHeaders) != 1 {
		t.Fatalf("imported attempt %+v", as)
	}
	sameText(t, "imported attempt header", as[0].RequestHeaders["X-Nul"][0], nul)

	// The batch paths (trigger's CreateEvents, a worker's RecordAttempts).
	if bc, ok := s.(store.BatchCreator); ok {
		const id3 = "msg_\xfd\x00b"
		e3 := newEvent(id3, typ)
		d3 := newDelivery("http://127.0.0.1:1/r\x00")
		must(t, bc.CreateEvents(ctx, []*store.Event{e3}, [][]*store.Delivery{{d3}}))
		got3, err := s.GetEvent(ctx, id3)
		must(t, err)
		sameText(t, "batch-created Type", got3.Type, typ)
		if br, ok := s.(store.BatchRecorder); ok {
			if _, err := s.ClaimDue(ctx, "w", now, time.Minute, 10, ""); err != nil {
				t.Fatal(err)
			}
			a3 := &store.Attempt{DeliveryID: d3.ID, Number: 1, StartedAt: now, RequestURL: d3.URL, Error: lastError}
			errs, err := br.RecordAttempts(ctx, "w", []*store.Attempt{a3}, []store.DeliveryUpdate{{Status: store.DeliveryFailed, LastError: lastError}})
			must(t, err)
			must(t, errs[0])
			cur, err := s.GetDelivery(ctx, d3.ID)
			must(t, err)
			sameText(t, "batch-recorded LastError", cur.LastError, lastError)
		}
	}
}
