package sqlite

import (
	"context"
	"database/sql/driver"
	"os"
	"sync"
	"time"
)

// Writers take turns.
//
// SQLite has one write lock, and a writer that finds it taken waits by
// polling it (SQLite's busy handler sleeps 1, 2, 5 … then 100 ms between
// tries), which is not fair: a process that writes transaction after
// transaction (trigger's group commits, listen's recorder) takes the lock
// again microseconds after it let it go, and a newcomer's polls almost
// never land in that gap. Race-built beside two CPU hogs, a listen
// restarted during `trigger --count 2000` waited 4.9–44.5 s for its first
// write (its subscription's upkeep), and once gave up after the 10 s busy
// timeout ("locked by another process"); subscriptions update, replay,
// worker and ui started beside a long trigger met the same.
//
// So a store's writers pass through a turnstile to begin a transaction:
// an exclusive flock on STORE-turnstile, taken before BEGIN IMMEDIATE and
// let go as soon as SQLite's lock is held. Whoever waits for SQLite's
// lock waits holding the turnstile, so the busy writer's next transaction
// waits at the turnstile until the waiter has had its turn: a newcomer
// gets the lock after the transaction in progress, and busy writers
// alternate. Uncontended, it costs two flock calls per transaction.
//
// The writer's connection polls SQLite's lock in slices of turnSlice (its
// busy timeout, where SQLite's handler polls often), up to busyTimeout in
// all; between slices the turnstile's holder beats (touches the file). A
// writer at the turnstile whose holder has not beaten for turnStale (a
// process stopped with Ctrl-Z while it waited for the lock) goes on
// without it, straight to SQLite's lock, as writers did before: fairness
// is lost meanwhile, never a write. Where there is no flock (Windows), or
// the file is not the store owner's (another user's in a shared
// directory, who could hold it to stall the store's writers), writers
// poll SQLite's lock alone, as before.

// turnSlice is the writer connection's busy timeout: how long one try of
// BEGIN waits in SQLite's busy handler (which polls at 0, 1, 3 ms and at
// the end) before the turnstile's holder tries again. Short, so the lock
// is found free soon after the busy writer lets it go: every hand-over
// between two busy writers costs that delay.
const turnSlice = 5 * time.Millisecond

// turnBeatEvery is how often the turnstile's holder beats while it waits.
const turnBeatEvery = 100 * time.Millisecond

// turnPoll is how often a writer waiting at the turnstile tries it.
const turnPoll = 2 * time.Millisecond

// turnStale is how long a writer waits at a turnstile whose holder does
// not beat before it goes on without it.
var turnStale = 2 * time.Second

// writerBusyTimeout is the writer connection's busy timeout (one slice).
func writerBusyTimeout() time.Duration { return min(turnSlice, busyTimeout) }

// turnstilePath is the turnstile file of the store at path.
func turnstilePath(path string) string { return path + "-turnstile" }

// turnstile is a Store's side of the writers' turnstile; a nil one, or
// one without a file, lets writers poll SQLite's lock alone.
type turnstile struct {
	// mu is held from enter to leave: the flock belongs to the open
	// file, shared by this Store's goroutines.
	mu sync.Mutex
	f  *os.File
	// stale is the modification time of a turnstile found held by a
	// holder that did not beat (stopped): while it stays so, writers do
	// not wait for it again.
	stale int64
}

// openTurnstile opens (creating it when this process may: the store's
// owner, or root for it) the turnstile of the store at path, or returns
// a turnstile without a file.
func openTurnstile(path string) *turnstile {
	return &turnstile{f: openTurnFile(path, turnstilePath(path))}
}

func (t *turnstile) close() {
	if t != nil && t.f != nil {
		t.f.Close()
	}
}

// wait runs try (BEGIN IMMEDIATE, VACUUM) through the turnstile until it
// does not find the store's write lock taken, for up to busyTimeout:
// try's last error then (SQLITE_BUSY, which Store.fault words), or
// ctx's.
func (t *turnstile) wait(ctx context.Context, try func() error) error {
	deadline := time.Now().Add(busyTimeout)
	if t.enter(ctx, deadline) {
		defer t.leave()
	} else if err := ctx.Err(); err != nil {
		return err
	}
	beat := time.Now()
	for {
		err := try()
		now := time.Now()
		if err == nil || !isBusy(err) || ctx.Err() != nil || !now.Before(deadline) {
			return err
		}
		if now.Sub(beat) >= turnBeatEvery {
			t.beat()
			beat = now
		}
	}
}

// enter takes the turnstile, waiting while another writer holds it and
// beats, at most until deadline or ctx's end. It reports whether it
// holds the turnstile (leave lets it go); false: there is none, or its
// holder stopped beating, or the wait ended.
func (t *turnstile) enter(ctx context.Context, deadline time.Time) bool {
	if t == nil || t.f == nil {
		return false
	}
	t.mu.Lock()
	if tryTurn(t.f) {
		return true
	}
	beat := turnBeat(t.f)
	if beat != 0 && beat == t.stale {
		t.mu.Unlock()
		return false // the holder found stopped before, not beaten since
	}
	since := time.Now()
	tick := time.NewTicker(turnPoll)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			t.mu.Unlock()
			return false
		case <-tick.C:
		}
		if tryTurn(t.f) {
			return true
		}
		now := time.Now()
		if b := turnBeat(t.f); b != beat {
			beat, since = b, now
		} else if now.Sub(since) >= turnStale {
			t.stale = beat
			t.mu.Unlock()
			return false
		}
		if !now.Before(deadline) {
			t.mu.Unlock()
			return false
		}
	}
}

// leave lets the turnstile go (after enter returned true).
func (t *turnstile) leave() {
	untryTurn(t.f)
	t.mu.Unlock()
}

// beat says the holder still waits (the file's modification time), so
// the writers waiting at the turnstile keep waiting.
func (t *turnstile) beat() {
	if t != nil && t.f != nil {
		beatTurn(t.f)
	}
}

// turnConnector makes the writer's connections begin their transactions
// through the store's turnstile.
type turnConnector struct {
	driver.Connector
	t *turnstile
}

func (c turnConnector) Connect(ctx context.Context) (driver.Conn, error) {
	conn, err := c.Connector.Connect(ctx)
	if err != nil {
		return nil, err
	}
	if fc, ok := conn.(fullConn); ok {
		return &turnConn{fc, c.t}, nil
	}
	return conn, nil
}

type turnConn struct {
	fullConn
	t *turnstile
}

func (c *turnConn) Begin() (driver.Tx, error) {
	return c.BeginTx(context.Background(), driver.TxOptions{})
}

func (c *turnConn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	var tx driver.Tx
	err := c.t.wait(ctx, func() (err error) {
		tx, err = c.fullConn.BeginTx(ctx, opts)
		return err
	})
	return tx, err
}
