package listen

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/store"
	"github.com/hookctl/hookctl/internal/store/sqlite"
)

// memStore implements the parts of store.Store the recorder uses: Import
// (idempotent, as both real stores are). fail > 0 refuses that many
// imports first (a store that went away and came back).
type memStore struct {
	store.Store
	mu         sync.Mutex
	events     map[string]*store.Event
	deliveries map[string]*store.Delivery
	attempts   []*store.Attempt
	fail       atomic.Int32
	refused    atomic.Int32
}

var errStoreDown = errors.New("connection refused (the store is down)")

func (m *memStore) Import(_ context.Context, r store.Record) error {
	if m.fail.Load() > 0 {
		m.fail.Add(-1)
		m.refused.Add(1)
		return errStoreDown
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.events == nil {
		m.events, m.deliveries = map[string]*store.Event{}, map[string]*store.Delivery{}
	}
	switch {
	case r.Event != nil:
		if _, ok := m.events[r.Event.ID]; !ok {
			m.events[r.Event.ID] = r.Event
		}
	case r.Delivery != nil:
		if _, ok := m.deliveries[r.Delivery.ID]; !ok {
			c := *r.Delivery
			m.deliveries[r.Delivery.ID] = &c
		}
	case r.Attempt != nil:
		for _, a := range m.attempts {
			if a.DeliveryID == r.Attempt.DeliveryID && a.Number == r.Attempt.Number {
				return nil
			}
		}
		m.attempts = append(m.attempts, r.Attempt)
	}
	return nil
}

func newRecorder(t testing.TB, st store.Store) *Recorder {
	t.Helper()
	r, err := NewRecorder(st, t.TempDir(), "k", func(err error) { t.Errorf("record: %v", err) })
	if err != nil {
		t.Fatal(err)
	}
	// Stopped with its test (a second Close is harmless): a recorder left
	// running read rewindAt while TestJournalRewoundOnceImported set it, a
	// data race under -race.
	t.Cleanup(func() { r.Close(context.Background()) })
	return r
}

func testRecord(id string) *Record {
	now := time.Now().UTC()
	return &Record{
		Event:    store.Event{ID: id, Type: "a.b", Payload: []byte(`{"id":"` + id + `"}`), Source: store.SourceReceived, CreatedAt: now},
		Delivery: &store.Delivery{ID: "d-" + id, URL: "http://x/", Method: "POST", MaxAttempts: 1, Schedule: "0s", CreatedAt: now},
		Attempt:  &store.Attempt{Number: 1, StartedAt: now, ResponseStatus: 200},
		Update:   store.DeliveryUpdate{Status: store.DeliverySucceeded, LastStatus: 200},
	}
}

func TestRecorderStoresEventsDeliveriesAttempts(t *testing.T) {
	a, _ := app(t, 500)
	st := &memStore{}
	rec := newRecorder(t, st)
	s, _, log := newTestServer(t, a.URL+"/hooks", func(c *Config) { c.Recorder = rec; c.SubscriptionID = "sub1" })
	defer log.Close()
	body := []byte(`{"id":"evt_r","type":"payment.failed"}`)
	req := httptest.NewRequest("POST", "/?q=1", bytes.NewReader(body))
	sign(t, req, "s3cret", "", body)
	rw := httptest.NewRecorder()
	s.ServeHTTP(rw, req)
	if rw.Code != 500 || rw.Body.String() != "app says hi" {
		t.Fatalf("answer %d %q", rw.Code, rw.Body)
	}
	// Answered means journalled and fsynced.
	if p := rec.Pending(); p != 1 && st.deliveries == nil {
		t.Fatalf("pending %d after the answer", p)
	}
	rec.Close(context.Background())
	if w, f := rec.Counts(); w != 1 || f != 0 {
		t.Fatalf("written %d failed %d", w, f)
	}
	e := st.events["evt_r"]
	if e == nil || e.Source != store.SourceReceived || !bytes.Equal(e.Payload, body) || e.Headers["X-Test-Signature"] == nil {
		t.Fatalf("event = %+v", e)
	}
	var d *store.Delivery
	for _, x := range st.deliveries {
		d = x
	}
	if d.Status != store.DeliveryFailed || d.LastStatus != 500 || d.SubscriptionID != "sub1" || d.URL != a.URL+"/hooks?q=1" || d.AttemptCount != 1 {
		t.Fatalf("delivery = %+v", d)
	}
	if len(st.attempts) != 1 || string(st.attempts[0].ResponseBody) != "app says hi" || st.attempts[0].ResponseStatus != 500 {
		t.Fatalf("attempts = %+v", st.attempts)
	}
	if _, err := os.Stat(rec.Path()); !os.IsNotExist(err) {
		t.Fatalf("journal left after a clean close: %v", err)
	}
}

func TestRecorderSQLite(t *testing.T) {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, t.TempDir()+"/hookctl.db")
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	sub := &store.Subscription{CallbackURL: "http://127.0.0.1:1/", Events: []string{"*"}, Status: store.StatusEnabled, Secret: "s3cret", Scheme: "auto"}
	if err := st.CreateSubscription(ctx, sub); err != nil {
		t.Fatal(err)
	}
	for _, batch := range []bool{true, false} {
		var s store.Store = st
		if !batch {
			s = struct{ store.Store }{st} // hides WriteRecords: the import path
		}
		a, _ := app(t, 503)
		rec := newRecorder(t, s)
		srv, _, log := newTestServer(t, a.URL, func(c *Config) { c.Recorder = rec; c.SubscriptionID = sub.ID })
		for i := 0; i < 3; i++ {
			body := []byte(`{"id":"evt_sql","type":"payment.failed"}`)
			req := httptest.NewRequest("POST", "/", bytes.NewReader(body))
			sign(t, req, "s3cret", "", body)
			srv.ServeHTTP(httptest.NewRecorder(), req)
		}
		rec.Close(ctx)
		log.Close()
	}
	ds, err := st.ListDeliveries(ctx, store.DeliveryFilter{Source: store.SourceReceived})
	if err != nil {
		t.Fatal(err)
	}
	if len(ds) != 6 {
		t.Fatalf("%d deliveries, want 6", len(ds))
	}
	for _, d := range ds {
		if d.Status != store.DeliveryFailed || d.LastStatus != 503 || d.AttemptCount != 1 || d.SubscriptionID != sub.ID || d.EventID != "evt_sql" {
			t.Fatalf("delivery = %+v", d)
		}
		as, err := st.ListAttempts(ctx, d.ID)
		if err != nil || len(as) != 1 || as[0].ResponseStatus != 503 || string(as[0].ResponseBody) != "app says hi" {
			t.Fatalf("attempts = %+v, %v", as, err)
		}
	}
	due, err := st.ClaimDue(ctx, "w", time.Now().Add(time.Hour), time.Minute, 10, "")
	if err != nil || len(due) != 0 {
		t.Fatalf("recorded forwards are claimable by workers: %v %v", due, err)
	}
}

// A store that refuses for a while: records stay in the journal and are
// retried with back-off until the store takes them; none is dropped.
func TestRecorderRetriesRefusingStore(t *testing.T) {
	st := &memStore{}
	st.fail.Store(5)
	var errs atomic.Int32
	r, err := NewRecorder(st, t.TempDir(), "k", func(error) { errs.Add(1) })
	if err != nil {
		t.Fatal(err)
	}
	for i := range 50 {
		if err := r.Add(testRecord("e" + string(rune('A'+i)))); err != nil {
			t.Fatal(err)
		}
	}
	r.Close(context.Background())
	if w, f := r.Counts(); w != 50 || f != 0 || len(st.events) != 50 || len(st.attempts) != 50 {
		t.Fatalf("written %d failed %d; store has %d events %d attempts", w, f, len(st.events), len(st.attempts))
	}
	if st.refused.Load() != 5 || errs.Load() < 1 {
		t.Fatalf("refused %d, warnings %d", st.refused.Load(), errs.Load())
	}
}

// A journal left by a listen that could not store its records (killed,
// or the store never came back) is imported by Recover — once: a second
// Recover, or records already stored, are not duplicated.
func TestJournalRecovery(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	r := abandonedJournal(t, dir, 700, func(i int) *Record { return testRecord("j" + itoa(i)) })
	ji := Journals(dir, "k1")
	if ji.Files != 1 || ji.Orphaned != 1 || ji.PendingBytes == 0 {
		t.Fatalf("journals = %+v", ji)
	}
	// A crash in the middle of an append leaves a torn last frame (never
	// acknowledged): recovery keeps everything before it.
	f, err := os.OpenFile(r.Path(), os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteAt([]byte{0xff, 0x01, 'x'}, r.syncedBytes); err != nil {
		t.Fatal(err)
	}
	f.Close()

	// Another store's journal is not touched.
	if rc, err := Recover(ctx, &memStore{}, dir, "other"); err != nil || rc.Files != 0 {
		t.Fatalf("recovered %+v, %v for another store", rc, err)
	}
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "hookctl.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	// Some of the records reached the store before the crash.
	if err := importRecords(ctx, st, storeRecords([]*Record{testRecord("j" + itoa(0)), testRecord("j" + itoa(1))}, nil)); err != nil {
		t.Fatal(err)
	}
	rc, err := Recover(ctx, st, dir, "k1")
	if err != nil || rc.Files != 1 || rc.Events != 700 || rc.Torn != 1 {
		t.Fatalf("recovered %+v, %v", rc, err)
	}
	info, _ := st.Info(ctx)
	if info.Events != 700 || info.Deliveries != 700 || info.Attempts != 700 {
		t.Fatalf("store after recovery: %+v", info)
	}
	if ji := Journals(dir, "k1"); ji.Files != 0 {
		t.Fatalf("journal still there: %+v", ji)
	}
	if rc, err := Recover(ctx, st, dir, "k1"); err != nil || rc.Files != 0 {
		t.Fatalf("second recovery %+v, %v", rc, err)
	}
}

// A running listener's journal is locked: recovery leaves it alone.
func TestJournalOfLiveListenerNotRecovered(t *testing.T) {
	dir := t.TempDir()
	down := &memStore{}
	down.fail.Store(1 << 30)
	r, err := NewRecorder(down, dir, "k", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Abandon()
	if err := r.Add(testRecord("live")); err != nil {
		t.Fatal(err)
	}
	rc, err := Recover(context.Background(), &memStore{}, dir, "k")
	if err != nil || rc.Files != 0 || rc.Events != 0 {
		t.Fatalf("recovered %+v, %v from a live journal", rc, err)
	}
	if ji := Journals(dir, "k"); ji.Files != 1 || ji.Orphaned != 0 {
		t.Fatalf("journals = %+v", ji)
	}
}

// The journal is rewound (a new lap from its header) once everything in
// it is in the store: it stays bounded under any number of events, and
// nothing already stored is pending in it.
func TestJournalRewoundOnceImported(t *testing.T) {
	defer func(a int64) { rewindAt = a }(rewindAt)
	rewindAt = 1
	st := &memStore{}
	dir := t.TempDir()
	r, err := NewRecorder(st, dir, "k", func(err error) { t.Errorf("record: %v", err) })
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close(context.Background())
	prev := uint64(0)
	for lap := range 3 {
		for i := range 200 {
			if err := r.Add(testRecord("t" + itoa(lap*200+i))); err != nil {
				t.Fatal(err)
			}
		}
		deadline := time.Now().Add(30 * time.Second)
		for {
			r.mu.Lock()
			l, off := r.lap, r.jw.off
			r.mu.Unlock()
			if l > prev && off == r.j.hdrLen && r.Pending() == 0 {
				prev = l
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("lap %d: journal not rewound (lap %d, offset %d, %d pending)", lap, l, off, r.Pending())
			}
			time.Sleep(10 * time.Millisecond)
		}
		if ji := Journals(dir, "k"); ji.Files != 1 || ji.PendingBytes != 0 {
			t.Fatalf("journals = %+v", ji)
		}
	}
	fi, _ := os.Stat(r.Path())
	if fi.Size() > allocChunk+r.j.hdrLen {
		t.Fatalf("journal grew to %d bytes", fi.Size())
	}
	// And it keeps working after the rewinds.
	if err := r.Add(testRecord("after")); err != nil {
		t.Fatal(err)
	}
	r.Close(context.Background())
	if st.events["after"] == nil || len(st.events) != 601 {
		t.Fatalf("%d events", len(st.events))
	}
}

// When the journal cannot be written (disk full, I/O error), the record
// is refused (the sender is answered 503) and nothing torn stays behind.
func TestRecorderJournalWriteErrorRefuses(t *testing.T) {
	st := &memStore{}
	var warned atomic.Int32
	r, err := NewRecorder(st, t.TempDir(), "k", func(error) { warned.Add(1) })
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Add(testRecord("ok1")); err != nil {
		t.Fatal(err)
	}
	r.mu.Lock()
	good := r.jw.f
	r.jw.f = mustOpenReadOnly(t, good.Name()) // writes fail like EBADF/ENOSPC
	r.j.w = r.jw.f
	r.mu.Unlock()
	if err := r.Add(testRecord("lost")); !errors.Is(err, ErrNotRecording) {
		t.Fatalf("Add on a broken journal: %v", err)
	}
	if err := r.Admit(); !errors.Is(err, ErrNotRecording) || warned.Load() != 1 {
		t.Fatalf("Admit on a broken journal: %v (%d warnings)", err, warned.Load())
	}
	r.mu.Lock()
	r.jw.f.Close()
	r.jw.f, r.j.w = good, good
	r.mu.Unlock()
	// Admit itself finds the journal writable again (within probeEvery),
	// with no record added meanwhile: a listener admits nothing it has not
	// checked it can write, so before, it answered 503 until restarted.
	start := time.Now()
	for r.Admit() != nil {
		if time.Since(start) > 3*probeEvery {
			t.Fatalf("Admit still refuses %s after the disk recovered: %v", time.Since(start), r.Admit())
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err := r.Add(testRecord("ok2")); err != nil {
		t.Fatalf("Add after the disk recovered: %v", err)
	}
	r.Close(context.Background())
	if st.events["ok1"] == nil || st.events["ok2"] == nil || st.events["lost"] != nil {
		t.Fatalf("events %v", st.events)
	}
}

func mustOpenReadOnly(t *testing.T, path string) *os.File {
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func itoa(i int) string {
	return string(rune('a'+i%26)) + string(rune('a'+i/26%26)) + string(rune('a'+i/676%26))
}

// On a terminal, a burst shows a few lines a second and then one line for
// the rest: "… 1,234 more card.created, all 200".
func TestTerminalLogCoalescesBurst(t *testing.T) {
	var out bytes.Buffer
	l := newLogger(&out, false, true, time.Hour)
	now := time.Date(2026, 11, 23, 10, 4, 12, 0, time.UTC)
	for i := range 1234 + coalesceLines/2 {
		id := "evt_" + itoa(i)
		l.Log(LogLine{Time: now, Kind: KindEvent, EventID: id, EventType: "card.created", Verified: true})
		l.Log(LogLine{Time: now, Kind: KindForward, EventID: id, Method: "POST", URL: "http://x/", Status: 200})
	}
	l.Close()
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != coalesceLines+1 {
		t.Fatalf("%d lines:\n%s", len(lines), out.String())
	}
	if last := lines[len(lines)-1]; last != "… 1,234 more card.created, all 200" {
		t.Fatalf("summary %q", last)
	}
	// Mixed types and statuses.
	out.Reset()
	l = newLogger(&out, false, true, time.Hour)
	for i := range coalesceLines / 2 {
		l.Log(LogLine{Time: now, Kind: KindEvent, EventID: "a" + itoa(i), EventType: "x.y"})
		l.Log(LogLine{Time: now, Kind: KindForward, EventID: "a" + itoa(i), Status: 200})
	}
	for i, st := range []int{200, 502, 200} {
		typ := []string{"card.created", "kyc.done", "card.created"}[i]
		l.Log(LogLine{Time: now, Kind: KindEvent, EventID: "b" + itoa(i), EventType: typ})
		l.Log(LogLine{Time: now, Kind: KindForward, EventID: "b" + itoa(i), Status: st})
	}
	l.Close()
	if got := strings.TrimSpace(out.String()[strings.LastIndex(strings.TrimSpace(out.String()), "\n")+1:]); got != "… 3 more 2 card.created, 1 kyc.done; 2 × 200, 1 × 502" {
		t.Fatalf("summary %q", got)
	}
}

// writeCounter counts the writes that reach the file behind the log.
type writeCounter struct {
	mu     sync.Mutex
	writes int
	buf    bytes.Buffer
}

func (w *writeCounter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.writes++
	return w.buf.Write(p)
}

// Under a burst the JSON log writes many lines per system call (paced by
// logPace), every line still arrives, and a line after a quiet spell is
// written without waiting for the next one.
func TestLogBatchesWritesUnderLoad(t *testing.T) {
	w := &writeCounter{}
	l := NewLogger(w, true)
	now := time.Date(2026, 12, 2, 4, 0, 0, 0, time.UTC)
	// A line every 20 µs, as two lines per request at 25k requests/s.
	const n = 1000
	start := time.Now()
	for i := range n {
		l.Log(LogLine{Time: now, Kind: KindForward, EventID: "evt_" + itoa(i), Status: 200})
		for t0 := time.Now(); time.Since(t0) < 20*time.Microsecond; {
		}
	}
	took := time.Since(start)
	// Wait for the last line, then check how many writes carried them.
	deadline := time.Now().Add(30 * time.Second)
	for {
		w.mu.Lock()
		got := strings.Count(w.buf.String(), "\n")
		writes := w.writes
		w.mu.Unlock()
		if got == n {
			// At most one write per logPace while the burst lasted, plus the
			// first and the last, plus one per full 32 KiB buffer.
			if max := int(took/logPace) + 3 + w.buf.Len()/(32<<10); writes > max {
				t.Fatalf("%d lines in %d writes over %v; want at most %d", n, writes, took, max)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("only %d of %d lines written", got, n)
		}
		time.Sleep(time.Millisecond)
	}
	// A line after a quiet spell goes out at once (not after another).
	time.Sleep(3 * logPace)
	w.mu.Lock()
	before := w.writes
	w.mu.Unlock()
	l.Log(LogLine{Time: now, Kind: KindForward, EventID: "evt_quiet", Status: 200})
	deadline = time.Now().Add(10 * time.Second)
	for {
		w.mu.Lock()
		done := w.writes > before && strings.Contains(w.buf.String(), "evt_quiet")
		w.mu.Unlock()
		if done {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("a lone line was not written within 10s (it waits for another?)")
		}
		time.Sleep(100 * time.Microsecond)
	}
	l.Close()
}

// A request whose signature fails is kept for the inspector and the
// events log: the bytes and headers as received, the reason as verdict,
// no forward, under its own rej_ id (the id it claimed, later sent validly
// signed, is the real event and is kept as such). A flood is not: past a
// burst only RejectedPerSecond more a second are kept, and the rest are
// counted. They were never recorded, so the inspector's verdict column
// could only ever say "valid" for what listen received.
func TestRejectedRequestsRecorded(t *testing.T) {
	a, got := app(t, 200)
	st := &memStore{}
	rec := newRecorder(t, st)
	now := time.Date(2026, 11, 23, 10, 4, 12, 0, time.UTC)
	s, _, log := newTestServer(t, a.URL, func(c *Config) { c.Recorder = rec; c.Now = func() time.Time { return now } })
	defer log.Close()
	send := func(body []byte, signed []byte) (int, map[string]string) {
		t.Helper()
		req := httptest.NewRequest("POST", "/", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		sign(t, req, "s3cret", "evt_7", signed)
		rw := httptest.NewRecorder()
		s.ServeHTTP(rw, req)
		var m map[string]string
		json.Unmarshal(rw.Body.Bytes(), &m)
		return rw.Code, m
	}
	good := []byte(`{"id":"evt_7","type":"card.created"}`)
	tampered := []byte(`{"id":"evt_7","type":"card.created","amount":1000000}`)
	code, ans := send(tampered, good)
	rejID := ans["recorded_as"]
	if code != 401 || !strings.HasPrefix(rejID, "rej_") {
		t.Fatalf("tampered: %d %v", code, ans)
	}
	if code, _ := send(good, good); code != 200 || len(got()) != 1 {
		t.Fatalf("the real event: %d, app got %d", code, len(got()))
	}
	// A flood: the burst is kept, then RejectedPerSecond a second.
	big := bytes.Repeat([]byte("x"), RejectedMaxBody+10)
	for i := 0; i < RejectedBurst+5; i++ {
		body := tampered
		if i == 0 {
			body = big
		}
		send(body, good)
	}
	if st := s.Stats(); st.RejectedUnkept != 6 || st.Rejected != RejectedBurst+6 {
		t.Fatalf("after the burst: %+v", st)
	}
	now = now.Add(time.Second)
	for i := 0; i < RejectedPerSecond+3; i++ {
		send(tampered, good)
	}
	if st := s.Stats(); st.RejectedUnkept != 6+3 {
		t.Fatalf("a second later: %+v", st)
	}
	rec.Close(context.Background())

	if e := st.events["evt_7"]; e == nil || e.Verdict != "valid" || !bytes.Equal(e.Payload, good) {
		t.Fatalf("the real event = %+v", e)
	}
	e := st.events[rejID]
	if e == nil || e.Verdict != "invalid: no signature matches" || !bytes.Equal(e.Payload, tampered) || e.Source != store.SourceReceived ||
		e.Headers["X-Test-Signature"] == nil || e.ContentType != "application/json" {
		t.Fatalf("the rejected request = %+v", e)
	}
	var rejected, cut int
	for id, e := range st.events {
		if strings.HasPrefix(id, "rej_") {
			rejected++
			if len(e.Payload) == RejectedMaxBody && strings.HasSuffix(e.Verdict, fmt.Sprintf("(body of %d bytes: the first 64 KiB kept)", len(big))) {
				cut++
			}
		}
	}
	if rejected != RejectedBurst+RejectedPerSecond || cut != 1 {
		t.Fatalf("%d rejected requests kept (%d cut), want %d (1)", rejected, cut, RejectedBurst+RejectedPerSecond)
	}
	for _, d := range st.deliveries {
		if strings.HasPrefix(d.EventID, "rej_") {
			t.Fatalf("a rejected request has a delivery: %+v", d)
		}
	}
}

// TestRecoveredReport: the recovery line counts in words that agree with
// their numbers, and a journal that held nothing (a listen killed before
// its first event) is removed without "Recovered 0 received events".
func TestRecoveredReport(t *testing.T) {
	for _, c := range []struct {
		rc   Recovered
		want string
	}{
		{Recovered{Files: 1}, ""},
		{Recovered{Files: 3}, ""},
		{Recovered{Files: 1, Events: 1}, "Recovered 1 received event from 1 journal left by a hookctl listen that did not finish.\n"},
		{Recovered{Files: 2, Events: 1234}, "Recovered 1234 received events from 2 journals left by a hookctl listen that did not finish.\n"},
	} {
		var b bytes.Buffer
		c.rc.Report(&b)
		if b.String() != c.want {
			t.Errorf("%+v: %q, want %q", c.rc, b.String(), c.want)
		}
	}
}

// pickyStore refuses every record of an event whose id starts with
// refuse (a write that does not fit while smaller ones do, as on a disk
// nearly full) and takes the others.
type pickyStore struct {
	memStore
	refuse string
}

func (p *pickyStore) Import(ctx context.Context, r store.Record) error {
	if r.Event != nil && strings.HasPrefix(r.Event.ID, p.refuse) {
		p.refused.Add(1)
		return errStoreDown
	}
	return p.memStore.Import(ctx, r)
}

// A batch the store refused until Close's deadline stays in the journal
// with everything after it, and the next start imports all of it. Before,
// the shutdown went on to import the records received after that batch,
// and the store taking them moved the journal's start past the batch:
// recovery skipped it, and events answered 2xx were lost (seen under load
// in TestListenDiskFull: 64 missing, the importer's batch).
func TestRecorderGivenUpBatchIsRecovered(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	st := &pickyStore{refuse: "a"}
	r, err := NewRecorder(st, dir, "k1", nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 10 {
		if err := r.Add(testRecord("a" + itoa(i))); err != nil {
			t.Fatal(err)
		}
	}
	for st.refused.Load() == 0 { // the importer holds the refused batch
		time.Sleep(time.Millisecond)
	}
	for i := range 3 {
		if err := r.Add(testRecord("b" + itoa(i))); err != nil {
			t.Fatal(err)
		}
	}
	cctx, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
	defer cancel()
	if left := r.Close(cctx); left == 0 {
		t.Fatal("the refused batch was not left in the journal")
	}
	dst, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "hookctl.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer dst.Close()
	for _, id := range []string{"b0", "b1", "b2"} { // what the picky store took
		if err := importRecords(ctx, dst, storeRecords([]*Record{testRecord(id)}, nil)); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := Recover(ctx, dst, dir, "k1"); err != nil {
		t.Fatal(err)
	}
	for i := range 10 {
		if _, err := dst.GetEvent(ctx, "a"+itoa(i)); err != nil {
			t.Errorf("an event journalled and answered is not in the store after recovery: %v", err)
		}
	}
}
