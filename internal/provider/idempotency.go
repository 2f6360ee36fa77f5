package provider

import (
	"bytes"
	"context"
	"crypto/sha256"
	"io"
	"net/http"
	"sync"
	"time"

	"github.com/hookctl/hookctl/internal/httplimit"
)

// Idempotency replays the answer of a POST sent again with the same
// idempotency key, as Stripe (Idempotency-Key) and Svix (idempotency-key)
// do: their official libraries put a key on every POST and retry after a
// timeout or a 5xx, so a create that succeeded but whose answer was lost
// must not run twice. Answers are kept in memory for TTL, within a byte
// budget (oldest dropped first). Which answers are kept, and what a
// request sent while the first with its key still runs gets, is the
// provider's IdemPolicy: by default only successful (2xx) answers are
// kept (a request that failed runs again) and a concurrent request waits
// for the first. One Idempotency serves a server.
type Idempotency struct {
	TTL time.Duration // 0 = 24 h
	// Budget bounds the memory of the kept answers: body, headers, key and
	// bookkeeping (idemEntryCost); 0 = 32 MiB.
	Budget int
	Now    func() time.Time
	// MaxWait, when > 0, shortens a policy's longer Wait to it (an
	// unbounded one stays so): tests see a bound run out without waiting
	// the provider's (Svix's 20 s).
	MaxWait time.Duration

	mu      sync.Mutex
	entries map[string]*idemEntry
	order   []string // keys, oldest first
	size    int
}

type idemEntry struct {
	mu          sync.Mutex // held while the first request runs
	done        bool
	fingerprint [32]byte
	path        string // the first request's path (IdemFirstPath)
	status      int
	header      http.Header
	body        []byte
	// Guarded by Idempotency.mu: when the kept answer expires (zero while
	// the first request runs) and its size.
	expires time.Time
	size    int
}

// IdemConflict answers a key reused with another request (method, path or
// body), in the provider's envelope.
type IdemConflict func(w http.ResponseWriter, r *http.Request)

// IdemPolicy is how a provider's keys behave beyond replaying an answer.
type IdemPolicy struct {
	// Keep says whether the answer (its status and headers) is kept for
	// the key; nil keeps the 2xx ones. An answer not kept leaves the key
	// free: a retry runs again.
	Keep func(status int, header http.Header) bool
	// InUse, when set, answers a request whose key a request still
	// running holds (nothing is kept for it); nil makes it wait for the
	// first and then get its kept answer (or run, when none was kept).
	InUse func(w http.ResponseWriter, r *http.Request)
	// Wait bounds how long a request whose key a running request holds
	// waits for it (without InUse); 0 waits until the first ends.
	// WaitOver answers the request when the wait runs out, the first
	// still running (nothing is kept for it, the first goes on); nil is
	// a bare 500, as svix-server's.
	Wait     time.Duration
	WaitOver func(w http.ResponseWriter, r *http.Request)
}

type idemFirstPathKey struct{}

// IdemFirstPath is, in an IdemConflict, the path of the request the key
// was first used with ("" outside one): a key reused on another endpoint
// is refused in other words than one reused with other parameters.
func IdemFirstPath(r *http.Request) string {
	p, _ := r.Context().Value(idemFirstPathKey{}).(string)
	return p
}

func (c *Idempotency) now() time.Time {
	if c.Now != nil {
		return c.Now()
	}
	return time.Now()
}

// Reset forgets every kept answer (POST /_hookctl/reset).
func (c *Idempotency) Reset() {
	c.mu.Lock()
	c.entries, c.order, c.size = nil, nil, 0
	c.mu.Unlock()
}

// Wrap makes h idempotent on the header named: scope and the caller's
// credential (credential(r)) keep keys of different APIs and clients
// apart. Requests without the header run as they are. A key sent again
// with another method, path or body is answered by conflict; with a nil
// conflict the key alone names the request, and the answer kept is
// replayed whatever the body (as svix-server does: its cache key is the
// token, the key and the URI, and nothing of the body).
func (c *Idempotency) Wrap(scope, header string, credential func(*http.Request) string, conflict IdemConflict, h http.HandlerFunc) http.HandlerFunc {
	return c.WrapPolicy(scope, header, credential, conflict, IdemPolicy{}, h)
}

// WrapPolicy is Wrap with the provider's policy p.
func (c *Idempotency) WrapPolicy(scope, header string, credential func(*http.Request) string, conflict IdemConflict, p IdemPolicy, h http.HandlerFunc) http.HandlerFunc {
	keep := p.Keep
	if keep == nil {
		keep = func(status int, _ http.Header) bool { return status >= 200 && status < 300 }
	}
	return func(w http.ResponseWriter, r *http.Request) {
		key := r.Header.Get(header)
		if c == nil || key == "" || r.Method != http.MethodPost {
			h(w, r)
			return
		}
		body, err := ReadBody(r)
		if err != nil {
			// Over the limit (or cut short): the handler answers it.
			r.Body = io.NopCloser(errReader{err})
			h(w, r)
			return
		}
		if _, ok := httplimit.Buffered(r); !ok {
			r.Body = io.NopCloser(bytes.NewReader(body))
		} // (a body the server buffered is read again from its start)
		hash := sha256.New()
		io.WriteString(hash, r.Method+" "+r.URL.Path+"\n")
		hash.Write(body)
		var fp [sha256.Size]byte
		hash.Sum(fp[:0])
		k := scope + "\x00" + credential(r) + "\x00" + key
		e, running := c.entry(k)
		if running && p.InUse != nil {
			p.InUse(w, r)
			return
		}
		wait := p.Wait
		if c.MaxWait > 0 && wait > c.MaxWait {
			wait = c.MaxWait
		}
		var deadline time.Time
		if running && wait > 0 {
			deadline = time.Now().Add(wait)
		}
		if !c.lock(e, deadline) {
			c.waitOver(w, r, p)
			return
		}
		for !e.done && !c.current(k, e) {
			// The request this one waited for failed and dropped the
			// entry: an answer kept in it now would be found by no
			// later retry. Wait on the key's entry of now instead.
			e.mu.Unlock()
			e, running = c.entry(k)
			if running && wait > 0 && deadline.IsZero() {
				deadline = time.Now().Add(wait)
			}
			if !c.lock(e, deadline) {
				c.waitOver(w, r, p)
				return
			}
		}
		defer e.mu.Unlock()
		if e.done {
			if e.fingerprint != fp && conflict != nil {
				conflict(w, r.WithContext(context.WithValue(r.Context(), idemFirstPathKey{}, e.path)))
				return
			}
			for k, v := range e.header {
				w.Header()[k] = v
			}
			w.Header().Set("Idempotent-Replayed", "true")
			w.WriteHeader(e.status)
			w.Write(e.body)
			return
		}
		rec := &recorder{ResponseWriter: w, status: http.StatusOK}
		h(rec, r)
		if keep(rec.status, w.Header()) {
			e.done, e.fingerprint, e.path = true, fp, r.URL.Path
			e.status, e.header, e.body = rec.status, w.Header().Clone(), bytes.Clone(rec.body.Bytes())
			c.kept(e, idemEntryCost(k, e))
		} else {
			c.drop(k, e)
		}
	}
}

// lock takes e's lock, waiting at most until deadline (zero: as long as
// it takes); false when the deadline passed first. The lock is polled, as
// svix-server polls its key's state (every 200 ms; here more often).
func (c *Idempotency) lock(e *idemEntry, deadline time.Time) bool {
	if deadline.IsZero() {
		e.mu.Lock()
		return true
	}
	for d := time.Millisecond; ; d = min(2*d, 50*time.Millisecond) {
		if e.mu.TryLock() {
			return true
		}
		left := time.Until(deadline)
		if left <= 0 {
			return false
		}
		time.Sleep(min(d, left))
	}
}

// waitOver answers a request whose key's first request outlasted its wait.
func (c *Idempotency) waitOver(w http.ResponseWriter, r *http.Request, p IdemPolicy) {
	if p.WaitOver != nil {
		p.WaitOver(w, r)
		return
	}
	w.WriteHeader(http.StatusInternalServerError)
}

// entry returns the entry of key, a fresh one when there is none or its
// answer has expired; running says a request holding the key still runs
// (the entry was there, its answer not yet kept).
func (c *Idempotency) entry(key string) (e *idemEntry, running bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.entries == nil {
		c.entries = map[string]*idemEntry{}
	}
	if e, ok := c.entries[key]; ok {
		if e.expires.IsZero() || c.now().Before(e.expires) {
			return e, e.expires.IsZero()
		}
		c.size -= e.size
	}
	e = &idemEntry{}
	c.entries[key] = e
	c.order = append(c.order, key)
	return e, false
}

// idemEntryOverhead is what a kept answer costs beyond its key, body and
// header strings: the entry, its map slot and order slot, the header map.
// Counting the body alone, the budget held 6 times its size (a Svix
// client keys every POST: serve's RSS grew by ~1.5 KB a message, found
// by bench/soak.sh).
const idemEntryOverhead = 512

// idemEntryCost is the memory a kept answer takes, about.
func idemEntryCost(key string, e *idemEntry) int {
	n := idemEntryOverhead + len(key) + cap(e.body)
	for k, vs := range e.header {
		n += len(k) + 16
		for _, v := range vs {
			n += len(v) + 16
		}
	}
	return n
}

// current reports whether e is still key's entry.
func (c *Idempotency) current(key string, e *idemEntry) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.entries[key] == e
}

// drop forgets e (its request failed: a retry runs again).
func (c *Idempotency) drop(key string, e *idemEntry) {
	c.mu.Lock()
	if c.entries[key] == e {
		delete(c.entries, key)
	}
	c.mu.Unlock()
}

// kept starts e's time to live, accounts its n bytes and drops the
// oldest answers over the budget.
func (c *Idempotency) kept(e *idemEntry, n int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	ttl, budget := c.TTL, c.Budget
	if ttl <= 0 {
		ttl = 24 * time.Hour
	}
	if budget <= 0 {
		budget = 32 << 20
	}
	e.expires, e.size = c.now().Add(ttl), n
	c.size += n
	for c.size > budget && len(c.order) > 0 {
		k := c.order[0]
		c.order = c.order[1:]
		if old, ok := c.entries[k]; ok && !old.expires.IsZero() {
			c.size -= old.size
			delete(c.entries, k)
		}
	}
	// Keys of dropped entries linger in order; compact it now and then
	// so that it stays about as long as the map.
	if len(c.order) > 2*len(c.entries)+64 {
		live := c.order[:0]
		seen := map[string]bool{}
		for _, k := range c.order {
			if _, ok := c.entries[k]; ok && !seen[k] {
				seen[k] = true
				live = append(live, k)
			}
		}
		c.order = live
	}
}

type recorder struct {
	http.ResponseWriter
	status int
	wrote  bool
	body   bytes.Buffer
}

func (r *recorder) WriteHeader(s int) {
	if !r.wrote {
		r.status, r.wrote = s, true
	}
	r.ResponseWriter.WriteHeader(s)
}

func (r *recorder) Write(b []byte) (int, error) {
	r.wrote = true
	r.body.Write(b)
	return r.ResponseWriter.Write(b)
}

type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) { return 0, e.err }
