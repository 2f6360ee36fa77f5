package web_test

import (
	"context"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/store"
	"github.com/hookctl/hookctl/internal/store/sqlite"
	"github.com/hookctl/hookctl/internal/web"
)

// countingStore counts the live log's reads of the store (the inspector
// queries) and of its change mark.
type countingStore struct {
	inspectorStore
	reads, marks atomic.Int64
}

func (s *countingStore) InspectDeliveries(ctx context.Context, q store.InspectQuery) (*store.InspectPage, error) {
	s.reads.Add(1)
	return s.inspectorStore.InspectDeliveries(ctx, q)
}

func (s *countingStore) InspectByIDs(ctx context.Context, ids []string) ([]*store.DeliveryRow, error) {
	s.reads.Add(1)
	return s.inspectorStore.InspectByIDs(ctx, ids)
}

func (s *countingStore) InspectEvents(ctx context.Context, q store.EventQuery) ([]*store.EventRow, error) {
	s.reads.Add(1)
	return s.inspectorStore.InspectEvents(ctx, q)
}

func (s *countingStore) MaxEventSeq(ctx context.Context) (int64, error) {
	s.reads.Add(1)
	return s.inspectorStore.MaxEventSeq(ctx)
}

func (s *countingStore) ChangeMark(ctx context.Context) (string, error) {
	s.marks.Add(1)
	return s.inspectorStore.(store.ChangeMarker).ChangeMark(ctx)
}

// TestLivehubIdleTabsReadNothing: 50 idle tabs (live streams on a store
// of settled rows, nothing written) cost the store one read of its
// change mark per poll in all, not ~2 reads per tab per poll plus a
// re-read of the tab's settled rows every second; and once something is
// written, every tab still gets it (a new row, then a replay of a
// settled row it shows).
//
// Serial: 50 tabs reading at once load the machine for the package's
// parallel tests (and theirs would blur the counts' window).
func TestLivehubIdleTabsReadNothing(t *testing.T) {
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "hookctl.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	cs := &countingStore{inspectorStore: st.(inspectorStore)}
	srv := httptest.NewUnstartedServer(nil)
	const poll = 20 * time.Millisecond
	h, err := web.New(web.Config{Store: cs, Addr: srv.Listener.Addr().String(), Poll: poll})
	if err != nil {
		t.Fatal(err)
	}
	srv.Config.Handler = h
	srv.Start()
	t.Cleanup(srv.Close)
	e := &liveReplayEnv{t: t, ctx: context.Background(), st: st, url: srv.URL}
	var settled []string
	for range 20 {
		settled = append(settled, e.failed())
	}
	const tabs = 50
	streams := make([]*liveStream, tabs)
	for i := range streams {
		streams[i] = e.open("") // from now: the 20 failed rows are the tab's settled rows
	}
	// The streams' first ticks (each reads once after it starts: what
	// committed between its page and itself): until 5 polls in a row saw
	// no read; then a quiet window of at least 50 polls of the change
	// mark (about a second; bounded on a loaded machine).
	deadline := time.Now().Add(10 * time.Second)
	for quiet, last := 0, int64(-1); quiet < 5 && time.Now().Before(deadline); {
		m := cs.marks.Load()
		time.Sleep(poll)
		for cs.marks.Load() == m && time.Now().Before(deadline) {
			time.Sleep(poll / 4)
		}
		if r := cs.reads.Load(); r == last {
			quiet++
		} else {
			quiet, last = 0, r
		}
	}
	deadline = time.Now().Add(10 * time.Second)
	reads0, marks0, start := cs.reads.Load(), cs.marks.Load(), time.Now()
	for cs.marks.Load()-marks0 < 50 && time.Now().Before(deadline) {
		time.Sleep(poll)
	}
	reads, marks, took := cs.reads.Load()-reads0, cs.marks.Load()-marks0, time.Since(start)
	t.Logf("%d idle tabs over %v (poll %v): %d store reads, %d change-mark reads", tabs, took.Round(time.Millisecond), poll, reads, marks)
	if marks < 50 {
		t.Errorf("%d change-mark reads in %v: want one per poll (the hub's poller)", marks, took.Round(time.Millisecond))
	}
	if reads > tabs {
		t.Errorf("%d store reads by %d idle tabs in %v: want none (fewer than one per tab)", reads, tabs, took.Round(time.Millisecond))
	}

	// A new row reaches every tab; so does a replay of a settled one.
	row := e.failed()
	waitAll(t, streams, "the new row", func(b liveBatchJSON) bool { return strings.Contains(b.Rows, row) })
	e.replay(settled[3])
	waitAll(t, streams, "the replayed row pending", updated(settled[3], "pending"))
	e.answer(settled[3], 200)
	waitAll(t, streams, "the replay's outcome", updated(settled[3], "succeeded"))
}

// waitAll waits until every stream sent a batch that says cond: 50 tabs
// that all read the store at once, on a loaded machine (or under the
// race detector, pure-Go SQLite's queries many times slower), take
// longer than one tab's 5 s.
func waitAll(t *testing.T, streams []*liveStream, what string, cond func(liveBatchJSON) bool) {
	t.Helper()
	start := time.Now()
	timeout := time.After(60 * time.Second)
	for i, s := range streams {
	next:
		for {
			select {
			case b, ok := <-s.batches:
				if !ok {
					t.Fatalf("tab %d: the stream ended before %s", i, what)
				}
				if cond(b) {
					break next
				}
			case <-timeout:
				t.Fatalf("tab %d of %d: no %s in 60 s", i, len(streams), what)
			}
		}
	}
	t.Logf("%s: in all %d tabs after %v", what, len(streams), time.Since(start).Round(time.Millisecond))
}

// TestLivehubPollerStopsWithLastTab: the change-mark poller runs while a
// tab is open: it stops when the last stream ends (no reads of the store
// by an inspector nobody looks at) and starts again with the next one.
//
// Serial: it judges the poller stopped when 25 polls pass without a read.
func TestLivehubPollerStopsWithLastTab(t *testing.T) {
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "hookctl.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	cs := &countingStore{inspectorStore: st.(inspectorStore)}
	srv := httptest.NewUnstartedServer(nil)
	const poll = 20 * time.Millisecond
	h, err := web.New(web.Config{Store: cs, Addr: srv.Listener.Addr().String(), Poll: poll})
	if err != nil {
		t.Fatal(err)
	}
	srv.Config.Handler = h
	srv.Start()
	t.Cleanup(srv.Close)
	// marksMove waits until the mark was read n more times (want true),
	// or until it was read no more over 25 polls (want false).
	marksMove := func(n int64) bool {
		deadline := time.Now().Add(10 * time.Second)
		m0 := cs.marks.Load()
		for time.Now().Before(deadline) {
			last := cs.marks.Load()
			time.Sleep(25 * poll)
			now := cs.marks.Load()
			if now-m0 >= n {
				return true
			}
			if now == last {
				return false
			}
		}
		return true
	}
	e := &liveReplayEnv{t: t, ctx: context.Background(), st: st, url: srv.URL}
	if marksMove(1) {
		t.Fatal("the change mark is read with no tab open")
	}
	var cancels []context.CancelFunc
	for range 3 {
		ctx, cancel := context.WithCancel(context.Background())
		cancels = append(cancels, cancel)
		e.ctx = ctx
		e.open("")
	}
	if !marksMove(10) {
		t.Fatal("the change mark is not read with 3 tabs open")
	}
	for _, cancel := range cancels[:2] {
		cancel()
	}
	if !marksMove(10) {
		t.Fatal("the change mark is no longer read with 1 tab of 3 still open")
	}
	cancels[2]()
	// The server sees each stream end (its request context) once the
	// connection closes; then the poller stops.
	deadline := time.Now().Add(10 * time.Second)
	for marksMove(1) {
		if time.Now().After(deadline) {
			t.Fatal("the change mark is still read 10 s after the last tab closed")
		}
	}
	e.ctx = context.Background()
	e.open("")
	if !marksMove(10) {
		t.Fatal("the change mark is not read again with a new tab")
	}
}
