package listen

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"
)

// Frames written past the preallocated space before a sync (a body larger
// than the writer's buffer, or a group larger than it) must not be
// overwritten by the zeros that preallocation writes afterwards.
func TestJournalFramesPastAllocationKept(t *testing.T) {
	for _, tc := range []struct {
		name    string
		workers int
		body    int
		each    int
	}{
		{"one large body", 1, 200 << 10, 3},
		{"large groups", 64, 1500, 120},
		{"bodies over the allocation chunk", 2, allocChunk*2 + 12345, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st := &memStore{}
			var errs []error
			var emu sync.Mutex
			r, err := NewRecorder(st, t.TempDir(), "k", func(err error) { emu.Lock(); errs = append(errs, err); emu.Unlock() })
			if err != nil {
				t.Fatal(err)
			}
			pad := strings.Repeat("x", tc.body)
			var wg sync.WaitGroup
			for w := range tc.workers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for i := range tc.each {
						rec := testRecord(fmt.Sprintf("e-%d-%d", w, i))
						rec.Event.Payload = []byte(`{"pad":"` + pad + `"}`)
						if err := r.Add(rec); err != nil {
							t.Error(err)
							return
						}
					}
				}()
			}
			wg.Wait()
			if left := r.Close(context.Background()); left != 0 {
				t.Errorf("%d acknowledged records left out of the store", left)
			}
			emu.Lock()
			defer emu.Unlock()
			if len(errs) > 0 {
				t.Errorf("errors: %v", errs)
			}
			if n, want := len(st.events), tc.workers*tc.each; n != want {
				t.Fatalf("%d of %d acknowledged events in the store", n, want)
			}
		})
	}
}

// A journal damaged in the middle (a disk fault) is imported around the
// damage, not thrown away as if its last frame were torn, and kept aside.
func TestJournalDamagedInTheMiddleRecovered(t *testing.T) {
	for _, tc := range []struct {
		name string
		junk func(n int) []byte
	}{
		{"zeros", func(n int) []byte { return make([]byte, n) }},
		{"garbage", func(n int) []byte { return bytes.Repeat([]byte{0x9c, 0x41, 0x07}, n/3+1)[:n] }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			dir := t.TempDir()
			const total = 500
			r := abandonedJournal(t, dir, total, func(i int) *Record { return testRecord(fmt.Sprintf("m%03d", i)) })
			end := r.syncedBytes
			path := r.Path()
			// Damage 600 bytes in the middle of the frames.
			mid := r.j.hdrLen + (end-r.j.hdrLen)/2
			f, err := os.OpenFile(path, os.O_WRONLY, 0)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := f.WriteAt(tc.junk(600), mid); err != nil {
				t.Fatal(err)
			}
			f.Close()

			st := &memStore{}
			rc, err := Recover(ctx, st, dir, "k1")
			if err != nil {
				t.Fatal(err)
			}
			if len(rc.Damaged) != 1 || rc.Files != 1 {
				t.Fatalf("recovered %+v", rc)
			}
			d := rc.Damaged[0]
			if d.Path != path+".damaged" || len(d.Offsets) != 1 || d.Offsets[0] < r.j.hdrLen || d.Offsets[0] > mid {
				t.Fatalf("damaged = %+v (damage written at %d)", d, mid)
			}
			// At most the frames the 600 bytes touched are gone (records are
			// ~200 bytes: four or five); every other one, after the damage
			// too, is in the store.
			got := len(st.events)
			if got < total-6 || int64(got) != rc.Events || d.Imported != rc.Events {
				t.Fatalf("%d of %d events imported (rc %+v)", got, total, rc)
			}
			if st.events[fmt.Sprintf("m%03d", total-1)] == nil || st.events["m000"] == nil {
				t.Fatal("the first or the last record is missing")
			}
			if _, err := os.Stat(path); !os.IsNotExist(err) {
				t.Fatalf("journal still under its name: %v", err)
			}
			if _, err := os.Stat(d.Path); err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(d.Error(), ".damaged") {
				t.Fatalf("message %q", d.Error())
			}
			if ji := Journals(dir, "k1"); len(ji.Damaged) != 1 || ji.Damaged[0] != d.Path || ji.Files != 0 {
				t.Fatalf("journals = %+v", ji)
			}
			if ji := Journals(dir, "other"); len(ji.Damaged) != 0 {
				t.Fatalf("another store's journals = %+v", ji)
			}
			// Kept aside: not imported again.
			if rc, err := Recover(ctx, st, dir, "k1"); err != nil || rc.Files != 0 || len(rc.Damaged) != 0 {
				t.Fatalf("second recovery %+v, %v", rc, err)
			}
		})
	}
}

// Damage of every kind at offsets all over a journal: recovery never
// fails or panics, and imports every record whose frame the damage did
// not touch, before it and after it.
func TestJournalRecoveryAroundAnyDamage(t *testing.T) {
	const total = 40
	r := abandonedJournal(t, t.TempDir(), total, func(i int) *Record {
		rec := testRecord(fmt.Sprintf("d%02d", i))
		rec.Event.Payload = []byte(`{"n":"` + strings.Repeat("z", i*7) + `"}`)
		return rec
	})
	end, hdr := r.syncedBytes, r.j.hdrLen
	path := r.Path()
	tmpl, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	tmpl = tmpl[:end+4096] // the frames and some preallocated zeros
	os.Remove(path)
	// Frame boundaries, in order.
	type span struct{ start, end int64 }
	var frames []span
	for p := hdr; p < end; {
		next, _, ok := frameAt(bytesFile(t, tmpl), p, int64(len(tmpl)), 0, new([]byte))
		if !ok {
			t.Fatalf("no frame at %d", p)
		}
		frames = append(frames, span{p, next})
		p = next
	}
	if len(frames) != total {
		t.Fatalf("%d frames, want %d", len(frames), total)
	}
	rng := uint64(12345)
	random := func(n int) []byte {
		b := make([]byte, n)
		for i := range b {
			rng = rng*6364136223846793005 + 1442695040888963407
			b[i] = byte(rng >> 56)
		}
		return b
	}
	kinds := []struct {
		name string
		junk func() []byte
	}{
		{"zero", func() []byte { return []byte{0} }},
		{"zeros", func() []byte { return make([]byte, 300) }},
		{"byte", func() []byte { return random(1) }},
		{"random", func() []byte { return random(50) }},
		{"ff", func() []byte { return bytes.Repeat([]byte{0xff}, 8) }},
	}
	runs := 0
	for off := hdr; off < end; off += 53 {
		for _, k := range kinds {
			junk := k.junk()
			b := bytes.Clone(tmpl)
			copy(b[off:], junk)
			jdir := t.TempDir()
			if err := os.WriteFile(jdir+"/listen-1-aaaaaaaa.journal", b, 0o600); err != nil {
				t.Fatal(err)
			}
			st := &memStore{}
			rc, err := Recover(context.Background(), st, jdir, "k1")
			if err != nil {
				t.Fatalf("%s at %d: %v", k.name, off, err)
			}
			dEnd := off + int64(len(junk))
			for i, f := range frames {
				if f.end <= off || f.start >= dEnd {
					if st.events[fmt.Sprintf("d%02d", i)] == nil {
						t.Fatalf("%s (%d bytes) at %d: record %d [%d,%d) untouched but not imported (rc %+v)", k.name, len(junk), off, i, f.start, f.end, rc)
					}
				}
			}
			runs++
		}
	}
	t.Logf("%d damaged journals recovered", runs)
}

// bytesFile is b in a temporary file, opened for reading.
func bytesFile(t *testing.T, b []byte) *os.File {
	t.Helper()
	p := t.TempDir() + "/f"
	if err := os.WriteFile(p, b, 0o600); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

// abandonedJournal journals n records in dir (store key k1) for a store
// that is down and abandons the recorder, as a killed listen would: the
// journal holds all n.
func abandonedJournal(t *testing.T, dir string, n int, rec func(int) *Record) *Recorder {
	t.Helper()
	down := &memStore{}
	down.fail.Store(1 << 30)
	r, err := NewRecorder(down, dir, "k1", nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := range n {
		if err := r.Add(rec(i)); err != nil {
			t.Fatal(err)
		}
	}
	if left := r.Abandon(); left != int64(n) {
		t.Fatalf("left %d in the journal, want %d", left, n)
	}
	// A listen that abandons its journal exits next, and its exit releases
	// the journal's lock. Abandon returns after abandonWait even when the
	// last fdatasync is still running (a loaded disk), with the journal
	// open and locked; this process goes on, so wait for the recorder to
	// stop and close the journal as the exit would (closing it twice, when
	// Abandon did, is harmless).
	<-r.done
	r.j.close(false)
	return r
}

// While the store is down the journal grows only so far: past a count of
// records, or of bytes (large bodies), Admit refuses (listen answers 503
// and the sender retries); once the store is back and the backlog is in
// it, records are admitted again.
func TestRecorderBacklogBounded(t *testing.T) {
	for _, tc := range []struct {
		name         string
		count, bytes int64
		pad          int
	}{
		{"records", 20, 1 << 30, 0},
		{"bytes", 1 << 20, 64 << 10, 4 << 10},
	} {
		t.Run(tc.name, func(t *testing.T) {
			oldN, oldB := hardBacklog, hardBacklogBytes
			hardBacklog, hardBacklogBytes = tc.count, tc.bytes
			defer func() { hardBacklog, hardBacklogBytes = oldN, oldB }()
			st := &memStore{}
			st.fail.Store(1 << 30)
			r, err := NewRecorder(st, t.TempDir(), "k", nil)
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close(context.Background())
			added := 0
			for ; added < 1000 && r.Admit() == nil; added++ {
				rec := testRecord(fmt.Sprintf("b%d", added))
				rec.Event.Payload = []byte(`{"p":"` + strings.Repeat("q", tc.pad) + `"}`)
				if err := r.Add(rec); err != nil {
					t.Fatal(err)
				}
			}
			err = r.Admit()
			if !errors.Is(err, ErrNotRecording) || added < 10 || added >= 1000 {
				t.Fatalf("after %d records: Admit = %v", added, err)
			}
			t.Logf("refused after %d records: %v", added, err)
			st.fail.Store(0) // the store is back
			deadline := time.Now().Add(10 * time.Second)
			for r.Admit() != nil && time.Now().Before(deadline) {
				time.Sleep(20 * time.Millisecond)
			}
			if err := r.Admit(); err != nil {
				t.Fatalf("store back, backlog imported (%d pending): Admit = %v", r.Pending(), err)
			}
			if n := len(st.events); n != added {
				t.Fatalf("%d of %d records in the store", n, added)
			}
		})
	}
}

// A live listener whose journal turns unreadable under it (a disk fault
// while the store was down) warns once, keeps answering (records stay
// durable in the journal), leaves the journal at Close, and the next
// start imports everything around the damage.
func TestRecorderJournalUnreadableWhileRunning(t *testing.T) {
	dir := t.TempDir()
	st := &memStore{}
	st.fail.Store(1 << 30)
	var mu sync.Mutex
	var warnings []string
	r, err := NewRecorder(st, dir, "k1", func(err error) {
		mu.Lock()
		warnings = append(warnings, err.Error())
		mu.Unlock()
	})
	if err != nil {
		t.Fatal(err)
	}
	// ~1 KiB records: while the store fails, the importer may already hold
	// one batch (64 records) and its 64 KiB read buffer, never more, so the
	// damage below (at ~300 KiB) is past anything it read.
	pad := strings.Repeat("p", 1024)
	add := func(from, to int) {
		for i := from; i < to; i++ {
			rec := testRecord(fmt.Sprintf("u%03d", i))
			rec.Event.Payload = []byte(`{"id":"` + rec.Event.ID + `","pad":"` + pad + `"}`)
			if err := r.Add(rec); err != nil {
				t.Fatal(err)
			}
		}
	}
	add(0, 400)
	r.smu.Lock()
	end := r.syncedBytes
	r.smu.Unlock()
	f, err := os.OpenFile(r.Path(), os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	at := r.j.hdrLen + (end-r.j.hdrLen)*3/4
	if _, err := f.WriteAt(bytes.Repeat([]byte{0xff}, 40), at); err != nil {
		t.Fatal(err)
	}
	f.Close()
	st.fail.Store(0) // the store is back: the importer meets the damage
	warned := func() bool {
		mu.Lock()
		defer mu.Unlock()
		for _, w := range warnings {
			if strings.Contains(w, "unreadable at byte") {
				return true
			}
		}
		return false
	}
	deadline := time.Now().Add(20 * time.Second)
	for r.imported.Load() < 250 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := r.imported.Load(); n < 250 {
		t.Fatalf("%d records imported after 20s, want the 250+ before the damage", n)
	}
	add(400, 600) // still answered: durable in the journal
	// The importer reaches the damage and warns while the listener runs.
	for !warned() && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	left := r.Close(context.Background())
	mu.Lock()
	defer mu.Unlock()
	// One warning about the damage (and perhaps one about the store's
	// failures, if the importer ran while it failed).
	var unreadable []string
	for _, w := range warnings {
		if strings.Contains(w, "unreadable at byte") {
			unreadable = append(unreadable, w)
		} else if !strings.Contains(w, "storing received events (retrying") {
			t.Errorf("unexpected warning: %s", w)
		}
	}
	if len(unreadable) != 1 {
		t.Fatalf("warnings: %q, want one about the unreadable journal", warnings)
	}
	if left < 200 {
		t.Fatalf("%d records left in the journal, want the 250+ after the damage", left)
	}
	if _, err := os.Stat(r.Path()); err != nil {
		t.Fatalf("journal not kept: %v", err)
	}
	rc, err := Recover(context.Background(), st, dir, "k1")
	if err != nil || len(rc.Damaged) != 1 {
		t.Fatalf("recovered %+v, %v", rc, err)
	}
	if n := len(st.events); n < 598 {
		t.Fatalf("%d of 600 events in the store after recovery", n)
	}
}

// A large damaged region (512 KiB of random bytes) in a journal of 2,000
// 1 KiB records: recovery scans it through its window (not a read per
// byte) and imports every record outside it.
func TestJournalRecoveryAroundLargeDamage(t *testing.T) {
	dir := t.TempDir()
	const total = 2000
	pad := strings.Repeat("w", 1024)
	r := abandonedJournal(t, dir, total, func(i int) *Record {
		rec := testRecord(fmt.Sprintf("L%04d", i))
		rec.Event.Payload = []byte(`{"p":"` + pad + `"}`)
		return rec
	})
	junk := make([]byte, 512<<10)
	x := uint64(99)
	for i := range junk {
		x = x*6364136223846793005 + 1442695040888963407
		junk[i] = byte(x >> 56)
	}
	at := r.j.hdrLen + (r.syncedBytes-r.j.hdrLen)/3
	f, err := os.OpenFile(r.Path(), os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteAt(junk, at); err != nil {
		t.Fatal(err)
	}
	f.Close()
	st := &memStore{}
	start := time.Now()
	rc, err := Recover(context.Background(), st, dir, "k1")
	if err != nil || len(rc.Damaged) != 1 {
		t.Fatalf("recovered %+v, %v", rc, err)
	}
	// The damage covers len(junk)/frame frames and cuts two more.
	frame := (r.syncedBytes - r.j.hdrLen) / total
	touched := int(int64(len(junk))/frame) + 2
	if n := len(st.events); n < total-touched || n > total || st.events["L0000"] == nil || st.events[fmt.Sprintf("L%04d", total-1)] == nil {
		t.Fatalf("%d of %d events imported (%d frames of %d bytes touched)", n, total, touched, frame)
	}
	t.Logf("%d of %d imported around 512 KiB of damage (%d frames touched) in %v", len(st.events), total, touched, time.Since(start))
}
