package store

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"time"
)

// Migrator is implemented by stores with a versioned schema (both
// backends). Open already applies pending migrations; Migrate is the
// explicit form behind `hookctl store migrate`.
type Migrator interface {
	// SchemaVersion returns the store's schema version and the latest
	// version this hookctl knows.
	SchemaVersion(ctx context.Context) (current, latest int, err error)
	// Migrate applies pending migrations and returns the versions before
	// and after.
	Migrate(ctx context.Context) (from, to int, err error)
}

// Locator is implemented by both backends: which store this is, known
// without a query. store migrate prints it instead of reading Info, whose
// count of every record can fail (a statement_timeout on a large store)
// after the migration succeeded.
type Locator interface {
	Backend() string  // sqlite | postgres, as Info's
	Location() string // as Info's: a path, or the URL with its password masked
}

// ClockSkewer is implemented by stores that keep lease ends and due times
// on a clock of their own (PostgreSQL: the server's, when this process's
// is off by more than a tolerance).
type ClockSkewer interface {
	// ClockSkew is that clock minus this process's, as the store applies
	// it to the times it writes (0 within its tolerance).
	ClockSkew(ctx context.Context) (time.Duration, error)
}

// Skew is s's ClockSkew: what to add to this process's clock to compare it
// with the lease ends and due times s returns. 0 for a store on this
// process's clock, or when it cannot tell (the times are then shown, or
// compared, as before: the store itself still decides who holds a lease).
func Skew(ctx context.Context, s Store) time.Duration {
	if c, ok := s.(ClockSkewer); ok {
		if d, err := c.ClockSkew(ctx); err == nil {
			return d
		}
	}
	return 0
}

// BatchImporter is implemented by stores that import many records faster
// together than one by one (PostgreSQL: COPY). Semantics are those of
// Import applied to each record in order: records whose IDs exist are
// skipped.
type BatchImporter interface {
	ImportBatch(ctx context.Context, records []Record) error
}

// ImportStats is what an import batch did besides inserting records.
type ImportStats struct {
	// Refreshed counts the deliveries already stored that a newer copy in
	// the batch brought up to date (Import's refresh rule).
	Refreshed int64
	// Written counts, per kind, the records the batch inserted (those
	// already stored are skipped): store import's summary comes from
	// these, not from counting the store's tables, which on a large
	// PostgreSQL store could outlast a statement_timeout after every
	// record was written.
	Written ImportCounts
}

// ImportCounts are records per kind.
type ImportCounts struct {
	Subscriptions, Objects, Events, Deliveries, Attempts int64
}

// StatsImporter is a BatchImporter that also says what the batch
// wrote and refreshed: store import reports them instead of counting
// the store before and after.
type StatsImporter interface {
	ImportBatchStats(ctx context.Context, records []Record) (ImportStats, error)
}

// LeasingRequeuer is implemented by stores that can requeue deliveries
// already leased to the caller: Requeue's semantics, plus lease_owner =
// owner until the given time, returning the deliveries as requeued. A
// replay hands them straight to its workers instead of claiming them back.
type LeasingRequeuer interface {
	RequeueLeased(ctx context.Context, ids []string, r Requeue, owner string, until time.Time) ([]*Delivery, error)
}

// MatchRequeuer is implemented by stores that select and requeue a bulk
// replay's next deliveries in one statement (PostgreSQL): RequeueLeased of
// the first (at most) limit deliveries f selects in creation order after
// f.AfterSeq (f.Limit and f.Newest are ignored; a succeeded one is neither
// selected nor requeued unless r.Force), returned in that order. next is
// the cursor for the following call (f.AfterSeq); more is false once f
// selects nothing after the cursor. A replay walks with it instead of
// listing a page of deliveries and requeuing them by ID.
//
// With an owner, a store may lease a failed (or forced succeeded)
// delivery in place: returned and leased like the others, but with its
// status, due time and run as they were until its attempt is recorded
// (the record moves it into the run: DeliveryUpdate.RunID). The engine
// tells them by their status (not pending). A delivery leased in place to
// a live process is not selected again.
type MatchRequeuer interface {
	RequeueMatching(ctx context.Context, f DeliveryFilter, limit int, r Requeue, owner string, until time.Time) (ds []*Delivery, next int64, more bool, err error)
}

// CommitReader is implemented by stores whose deliveries commit out of
// seq order (PostgreSQL: a seq is taken from a sequence inside the writing
// transaction, so a slow import or a writer held mid-transaction commits
// its row below the seq a follower already read past). A follower of the
// log (deliveries tail, the inspector's live log) takes a snapshot
// (TxSnapshot) before each read up to its cursor, and at its next read
// asks for the rows at or below that cursor the snapshot did not see
// (InspectCommittedAfter): one indexed read (schema 14's txid) that finds
// a late commit however far below the cursor and however late.
//
// SQLite does not implement it, and needs nothing in its place: it has one
// writer at a time, which takes a delivery's seq (the rowid: the highest
// plus one) inside the transaction that commits it, so deliveries commit
// in seq order; and store import places a delivery whose seq is below the
// newest delivery's at the end of the log (the next seq), never below a
// follower's cursor. Neither store gives a seq again, also once store
// prune (or a reset) deleted the newest deliveries: PostgreSQL's is a
// sequence, SQLite's an AUTOINCREMENT rowid (schema 11; before, the
// highest left plus one), and an import numbers above the highest seq
// ever given. A follower reads on from its cursor.
type CommitReader interface {
	// TxSnapshot is the server's transaction snapshot now, as text.
	TxSnapshot(ctx context.Context) (string, error)
	// InspectDeliveriesSnapshot is InspectDeliveries and TxSnapshot in
	// one transaction: the snapshot is the one the read saw (taken
	// before it, a delivery that committed in between was both read and
	// not seen by the snapshot: sent again by a follower, as late).
	InspectDeliveriesSnapshot(ctx context.Context, q InspectQuery) (*InspectPage, string, error)
	// InspectCommittedAfter returns the deliveries with seq <= upto that
	// match q's filters and that snap did not see (committed since it was
	// taken): the newest q.Limit of them by seq, and how many more there
	// are; with q.Tail, the oldest q.Limit above q.AfterSeq by seq (more
	// is 0: a full page says to read on from its last seq).
	InspectCommittedAfter(ctx context.Context, q InspectQuery, upto int64, snap string) (rows []*DeliveryRow, more int, err error)
}

// ChangeMarker is implemented by stores that can tell cheaply whether
// anything was committed since a previous look: ChangeMark returns an
// opaque mark that differs from every earlier one once any transaction
// (of this process or another) committed a change since it was read; the
// same mark again means nothing was committed in between. A mark may
// also move with nothing of interest committed (false alarms are fine, a
// missed commit is not). The inspector's live log reads it once per poll
// for all its open tabs, which read the log only when it moved.
//
// SQLite: PRAGMA data_version on a connection of its own that never
// writes (the value moves when any other connection commits, the
// store's own writer included). PostgreSQL: the transaction snapshot
// (xmin:xmax:xip), which moves when any transaction that wrote commits:
// xmax alone does not (a writer that took its xid before a later one
// committed leaves xmax where it was when it commits; it only leaves
// the xip list).
type ChangeMarker interface {
	ChangeMark(ctx context.Context) (string, error)
}

// EventCommitReader is CommitReader's read for the events without
// deliveries (the inspector's live log shows them): the newest limit of
// those with seq <= upto that snap did not see, and how many more.
type EventCommitReader interface {
	InspectEventsCommittedAfter(ctx context.Context, q EventQuery, upto int64, snap string, limit int) (rows []*EventRow, more int, err error)
}

// RequeueLog is implemented by stores whose requeues (Requeue,
// RequeueLeased, RequeueMatching: replay, serve's resends, a run's
// handover) each append the delivery to a small log of their own, with an
// increasing id: deliveries tail follows it by id, as it follows the
// deliveries by seq, to show the replay of a delivery it never printed.
// Only a requeue writes it (never a trigger, a claim or an attempt), and
// it keeps the last RequeueLogKeep entries.
type RequeueLog interface {
	// LastRequeue returns the id of the newest entry (0: none).
	LastRequeue(ctx context.Context) (int64, error)
	// RequeuesAfter returns the entries with an id above after, lowest
	// first, at most limit.
	RequeuesAfter(ctx context.Context, after int64, limit int) ([]Requeued, error)
}

// RequeueCommitLog is a RequeueLog whose entries commit out of id order
// (PostgreSQL: the id is taken inside the requeue's transaction), read as
// CommitReader reads the deliveries: a follower takes a snapshot
// (CommitReader.TxSnapshot) before each read of the log up to its cursor,
// and at its next read asks for the entries at or below that cursor the
// snapshot did not see (schema 15's txid): a requeue committed late is
// found however late and however far below the cursor.
type RequeueCommitLog interface {
	RequeueLog
	// RequeuesCommittedAfter returns the entries with an id above after
	// and at most upto that snap did not see (committed since it was
	// taken), lowest first, at most limit.
	RequeuesCommittedAfter(ctx context.Context, after, upto int64, snap string, limit int) ([]Requeued, error)
}

// Requeued is one entry of a RequeueLog: the delivery, and its attempt
// count when it was requeued (its attempts above it are the replay's).
type Requeued struct {
	ID         int64
	DeliveryID string
	Attempts   int
}

// RequeueLogKeep is how many requeue log entries a store keeps: older
// ones are deleted by the requeue that writes a newer one.
const RequeueLogKeep = 100_000

// MaskURL returns a store location fit for printing: the password of a
// URL (user:password@host, or a password= query parameter) or of a libpq
// key=value string (password=… or password='…') is replaced by "xxxxx", and
// so is sslpassword (the passphrase of the client key).
// Anything that is not a URL with credentials (a SQLite path) is returned
// unchanged.
//
// It is not subscription.MaskUserinfo (a callback URL's), on purpose: a
// store location is also a libpq key=value string and carries passwords in
// its query (password=, sslpassword=), while a user alone (postgres://app@db)
// is a role name, kept; a callback URL is shown as written (no re-encoding)
// and a user alone in it (https://TOKEN@hooks.example) is a secret, masked.
func MaskURL(s string) string {
	if IsKeyValueDSN(s) {
		return keyValueSecret().ReplaceAllString(s, "${1}xxxxx")
	}
	if !strings.Contains(s, "://") {
		return s
	}
	u, err := url.Parse(s)
	if err != nil {
		// Unparseable: hide everything between :// and @ to be safe, and
		// the value of each password= or sslpassword= parameter.
		if i, j := strings.Index(s, "://"), strings.LastIndex(s, "@"); i >= 0 && j > i {
			s = s[:i+3] + "xxxxx" + s[j:]
		}
		return queryPassword().ReplaceAllString(s, "${1}xxxxx")
	}
	q := u.Query()
	if q.Has("password") || q.Has("sslpassword") {
		for _, k := range []string{"password", "sslpassword"} {
			if q.Has(k) {
				q.Set(k, "xxxxx")
			}
		}
		u.RawQuery = q.Encode()
	}
	return u.Redacted()
}

// keyValueDSN matches a libpq connection string: key=value pairs separated
// by spaces, the first key a known one (host=… dbname=… user=…).
// Compiled on first use, not in package init (every command links store).
var keyValueDSN = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`^\s*(host|hostaddr|port|dbname|user|password|sslmode|service|application_name|connect_timeout|options|target_session_attrs|passfile)\s*=`)
})

var keyValuePassword = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`(\bpassword\s*=\s*)('(?:[^'\\]|\\.)*'|\S+)`)
})

// queryPassword matches a password= or sslpassword= query parameter.
var queryPassword = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`([?&](?:ssl)?password=)[^&#]*`)
})

// keyValueSecret matches password=… and sslpassword=… in a key=value string.
var keyValueSecret = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`(\b(?:ssl)?password\s*=\s*)('(?:[^'\\]|\\.)*'|\S+)`)
})

// IsKeyValueDSN reports whether s is a libpq key=value connection string
// (host=db user=app password=… dbname=hooks), which names a PostgreSQL store.
func IsKeyValueDSN(s string) bool { return keyValueDSN().MatchString(s) }

// DSNPassword returns the password a store location holds, or "".
func DSNPassword(s string) string {
	if IsKeyValueDSN(s) {
		m := keyValuePassword().FindStringSubmatch(s)
		if m == nil {
			return ""
		}
		return strings.Trim(m[2], "'")
	}
	u, err := url.Parse(s)
	if err != nil {
		return ""
	}
	if p, ok := u.User.Password(); ok {
		return p
	}
	return u.Query().Get("password")
}

// DSNSecrets returns the secrets a store location holds (its password and
// sslpassword, the passphrase of the client key), to be scrubbed from
// messages that may quote them.
func DSNSecrets(s string) []string {
	var out []string
	if IsKeyValueDSN(s) {
		for _, m := range keyValueSecret().FindAllStringSubmatch(s, -1) {
			if v := strings.Trim(m[2], "'"); v != "" {
				out = append(out, v)
			}
		}
		return out
	}
	u, err := url.Parse(s)
	if err != nil {
		return nil
	}
	if p, ok := u.User.Password(); ok && p != "" {
		out = append(out, p)
	}
	for _, k := range []string{"password", "sslpassword"} {
		if v := u.Query().Get(k); v != "" {
			out = append(out, v)
		}
	}
	return out
}

// ScrubPassword replaces each occurrence of password in msg (as given or
// URL-escaped) by "xxxxx", but only where it stands on its own: a short
// password is not cut out of unrelated words around it.
func ScrubPassword(msg, password string) string {
	if password == "" {
		return msg
	}
	for _, p := range []string{password, url.QueryEscape(password)} {
		var b strings.Builder
		rest := msg
		for {
			i := strings.Index(rest, p)
			if i < 0 {
				b.WriteString(rest)
				break
			}
			before, after := byte(' '), byte(' ')
			if i > 0 {
				before = rest[i-1]
			}
			if i+len(p) < len(rest) {
				after = rest[i+len(p)]
			}
			b.WriteString(rest[:i])
			if isWordByte(before) && isWordByte(p[0]) || isWordByte(after) && isWordByte(p[len(p)-1]) {
				b.WriteString(p)
			} else {
				b.WriteString("xxxxx")
			}
			rest = rest[i+len(p):]
		}
		msg = b.String()
	}
	return msg
}

func isWordByte(c byte) bool {
	return c == '_' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= 0x80
}

// ErrNoChange, returned by the function given to UpdateSubscriptionFunc,
// leaves the subscription as it is (nothing is written) and is not an
// error for the caller.
var ErrNoChange = errors.New("store: no change")

// SubscriptionUpdater is implemented by stores that apply a change to a
// subscription atomically (both backends): fn sees the current row, locked
// against every other writer (in any process) until its change is
// written, so concurrent edits of one subscription never revert each
// other.
type SubscriptionUpdater interface {
	// UpdateSubscriptionFunc reads the subscription idOrPrefix, calls fn
	// on it and writes what fn left (setting UpdatedAt), in one
	// transaction. fn may run more than once; an error from fn aborts
	// the update and is returned (ErrNoChange: nothing written, the
	// current subscription returned). fn must not use the store.
	UpdateSubscriptionFunc(ctx context.Context, idOrPrefix string, fn func(*Subscription) error) (*Subscription, error)
}

// UpdateSubscriptionFunc applies fn to a subscription atomically when st
// is a SubscriptionUpdater; otherwise (test doubles) it reads, calls fn
// and writes.
func UpdateSubscriptionFunc(ctx context.Context, st Store, idOrPrefix string, fn func(*Subscription) error) (*Subscription, error) {
	if u, ok := st.(SubscriptionUpdater); ok {
		return u.UpdateSubscriptionFunc(ctx, idOrPrefix, fn)
	}
	s, err := st.GetSubscription(ctx, idOrPrefix)
	if err != nil {
		return nil, err
	}
	if err := fn(s); err != nil {
		if errors.Is(err, ErrNoChange) {
			return s, nil
		}
		return nil, err
	}
	if err := st.UpdateSubscription(ctx, s); err != nil {
		return nil, err
	}
	return s, nil
}

// OwnerLiveness is implemented by stores that can tell whether a lease's
// owner is alive whatever the lease's end says (SQLite: each owner holds
// a lock on a file beside the store while it lives). OwnerAlive is true
// only when the owner is known to be alive: a process whose wall clock
// stepped forward must not take its lease for over.
type OwnerLiveness interface {
	OwnerAlive(owner string) bool
}

// LeaseExtender is implemented by stores whose leases a live worker can
// extend (heartbeats): leases can then be short, so a crashed worker's
// deliveries are taken over within seconds while a slow but live
// delivery keeps its owner.
type LeaseExtender interface {
	// ExtendLeases moves the lease of each delivery in ids still leased
	// to owner (and still pending) to until, in one statement, and
	// returns the IDs it extended: a delivery missing from the result is
	// no longer the caller's, unless the store is also a LeaseRenewer
	// (which tells those it could not look at apart).
	ExtendLeases(ctx context.Context, owner string, ids []string, until time.Time) ([]string, error)
}

// LeaseRenewer is implemented by lease extenders that pass over a
// delivery they cannot look at now (PostgreSQL: a row another
// transaction has locked, FOR UPDATE SKIP LOCKED, so one locked row does
// not hold up the renewal of all the others): RenewLeases is
// ExtendLeases returning those apart. renewed are the IDs whose lease
// now ends at until; busy were leased to owner as the statement began
// but could not be renewed (locked, or changed since by a transaction
// that committed meanwhile): still the caller's, perhaps, and their
// lease not moved, so the caller tries again. A delivery in neither is
// no longer the caller's.
type LeaseRenewer interface {
	RenewLeases(ctx context.Context, owner string, ids []string, until time.Time) (renewed, busy []string, err error)
}

// LeaseWaiter is implemented by lease renewers that can also renew a
// busy delivery by waiting for the transaction that holds its row
// (PostgreSQL: an UPDATE of that one row without SKIP LOCKED, so it holds
// no other row while it waits): WaitRenewLease waits up to wait (no limit
// when wait <= 0: until ctx is done) and, once the lock is released,
// renews the lease if id is still leased to owner, for lease from then.
// busy: the lock was still held when the wait ended. Neither: id is no
// longer owner's (the holder changed it). While the renewal waits it is
// queued on the row, first after the holder, and a claim (which skips a
// locked row) cannot take it when the lock goes: a delivery whose row
// another transaction keeps locked past its lease is not sent twice.
//
// HoldRenewLeases is for a heartbeat that could not run in time (a
// table lock held it up: PostgreSQL's `store import` locks the
// deliveries table until it commits): it locks at once the rows of ids
// still leased to owner that no other transaction has locked (a row lock
// does not wait for that table lock, and a claim skips a locked row), then
// waits as long as it takes (until ctx is done) to renew their leases, for
// lease from then, and returns those it renewed. A claim held up by the
// same table lock cannot take them when it goes, although their leases
// ended meanwhile.
type LeaseWaiter interface {
	WaitRenewLease(ctx context.Context, owner, id string, lease, wait time.Duration) (renewed, busy bool, err error)
	HoldRenewLeases(ctx context.Context, owner string, ids []string, lease time.Duration) ([]string, error)
}

// UnsentReturner is implemented by stores that can put back, as failed,
// deliveries a replay requeued and never sent (it was interrupted): each
// of ids still leased to owner and pending (or leased in place by
// MatchRequeuer, failed still) becomes failed again, its
// attempt budget spent (MaxAttempts = AttemptCount), its lease freed and
// its run ID cleared (it is no longer the replay's), in one statement, so
// no worker sends it. It returns the IDs it put
// back.
type UnsentReturner interface {
	ReturnUnsent(ctx context.Context, owner string, ids []string) ([]string, error)
}

// UnsentRestorer is implemented by stores that can put back deliveries a
// replay requeued and never sent (it was interrupted) exactly as they were
// before it: prior holds them as read before the requeue, and each one
// still leased to owner, pending and with the attempt count it had then
// gets back its status, attempt budget, next attempt time, URL, schedule
// and run ID, its lease freed, in one statement, so a failed one stays
// failed, a succeeded one (replayed with --force) succeeded, a pending one
// keeps its own schedule. It returns the IDs it put back: one missing was
// sent meanwhile (or is no longer the caller's).
type UnsentRestorer interface {
	RestoreUnsent(ctx context.Context, owner string, prior []*Delivery) ([]string, error)
}

// BatchRecorder is implemented by stores that record many attempts in one
// transaction (group commit): RecordAttempt's semantics for each attempt.
// errs[i] is attempt i's outcome (nil, ErrLeaseLost or a not-found
// error); err is a failure of the whole batch (nothing was written).
type BatchRecorder interface {
	RecordAttempts(ctx context.Context, owner string, attempts []*Attempt, updates []DeliveryUpdate) (errs []error, err error)
}

// AgainRecorder is implemented by stores whose RecordAttempts may have
// committed a batch it reported failed (a server that went away before
// confirming the commit): RecordAttemptsAgain is RecordAttempts for the
// same batch sent again, recording an attempt already stored (and its
// update, made then) as done instead of a second time.
type AgainRecorder interface {
	RecordAttemptsAgain(ctx context.Context, owner string, attempts []*Attempt, updates []DeliveryUpdate) (errs []error, err error)
}

// BatchCreator is implemented by stores that write many events with their
// deliveries in one transaction: CreateEvent's semantics for each.
type BatchCreator interface {
	CreateEvents(ctx context.Context, events []*Event, deliveries [][]*Delivery) error
}

// EventsGetter is implemented by stores that read many events in one
// query: a worker reads the events of a whole claim at once instead of
// one round trip per delivery. Unknown IDs are left out of the result.
type EventsGetter interface {
	GetEvents(ctx context.Context, ids []string) ([]*Event, error)
}

// LoadEvents reads the events of ids that m does not hold yet into m, in
// one query, where st is an EventsGetter (a listing's events, instead of
// a GetEvent per event). An ID that is read and not found is not added;
// with another store it reads nothing: the caller reads what m lacks one
// by one.
func LoadEvents(ctx context.Context, st Store, ids []string, m map[string]*Event) error {
	g, ok := st.(EventsGetter)
	if !ok {
		return nil
	}
	want := notIn(ids, m)
	if len(want) == 0 {
		return nil
	}
	evs, err := g.GetEvents(ctx, want)
	for _, ev := range evs {
		m[ev.ID] = ev
	}
	return err
}

// notIn is ids that m does not hold, each once, in their order.
func notIn[V any](ids []string, m map[string]V) []string {
	var want []string
	seen := make(map[string]bool, len(ids))
	for _, id := range ids {
		if _, ok := m[id]; !ok && !seen[id] {
			seen[id] = true
			want = append(want, id)
		}
	}
	return want
}

// LoadEventHeads reads the heads (GetEventHeads) of the events of ids
// that m does not hold yet into m, in one query. An ID that is read and
// not found is not added.
func LoadEventHeads(ctx context.Context, st Store, ids []string, m map[string]*EventHead) error {
	want := notIn(ids, m)
	if len(want) == 0 {
		return nil
	}
	hs, err := st.GetEventHeads(ctx, want)
	for _, h := range hs {
		m[h.ID] = h
	}
	return err
}

// EventClaimer is implemented by stores that return, with a claim, the
// claimed deliveries' events read in the same statement: one round trip
// where ClaimDue and GetEvents take two. The deliveries are ClaimDue's;
// events holds each of their events once (an event that does not exist
// is left out).
type EventClaimer interface {
	ClaimDueEvents(ctx context.Context, owner string, now time.Time, lease time.Duration, limit int, runID string) ([]*Delivery, []*Event, error)
}

// DeletedSubscriptions is implemented by both backends: the deliveries
// of a deleted subscription keep its id (Delivery.DeletedSubscriptionID),
// so they can still be selected by it.
type DeletedSubscriptions interface {
	// DeletedSubscriptionID returns the id of a deleted subscription that
	// deliveries keep, given it or a unique prefix: a *NotFoundError
	// (Kind "subscription") for none, an *AmbiguousError for several.
	DeletedSubscriptionID(ctx context.Context, idOrPrefix string) (string, error)
}

// SubscriptionFilterID resolves what a user gave to select a
// subscription's deliveries (--subscription, a filter of the inspector):
// an existing subscription's id, else that of a deleted one whose
// deliveries remain (deleted true). Unknown to both, it is
// GetSubscription's error. A prefix that starts both a live
// subscription's id and a deleted one's is an *AmbiguousError saying
// which is which, as two live ones are (AmbiguousWithDeleted); the whole
// id of a live subscription never is, nor that of a deleted one.
func SubscriptionFilterID(ctx context.Context, s Store, idOrPrefix string) (id string, deleted bool, err error) {
	sub, err := s.GetSubscription(ctx, idOrPrefix)
	var live []string
	var amb *AmbiguousError
	switch {
	case err == nil:
		live = []string{sub.ID}
	case errors.As(err, &amb):
		live = amb.Matches
	default:
		d, ok := s.(DeletedSubscriptions)
		if !ok || !errors.Is(err, ErrNotFound) {
			return "", false, err
		}
		id, derr := d.DeletedSubscriptionID(ctx, idOrPrefix)
		if errors.As(derr, &amb) {
			// Of deleted ones alone: each noted with its deliveries.
			return "", false, ambiguousLiveDeleted(ctx, s, idOrPrefix, nil, amb.Matches)
		}
		if derr != nil {
			if errors.Is(derr, ErrNotFound) {
				return "", false, err
			}
			return "", false, derr
		}
		return id, true, nil
	}
	if sub != nil && exactly(live, idOrPrefix) {
		return sub.ID, false, nil
	}
	gone, gerr := deletedMatches(ctx, s, idOrPrefix)
	switch {
	case gerr != nil:
		return "", false, gerr
	case len(gone) == 0 && sub != nil:
		return sub.ID, false, nil
	case len(gone) == 0:
		return "", false, err
	case exactly(gone, idOrPrefix):
		// A deleted one's whole id that live ids only start with (ids
		// of other lengths, imported): an exact match wins.
		return NormalizeIDPrefix(idOrPrefix), true, nil
	}
	return "", false, ambiguousLiveDeleted(ctx, s, idOrPrefix, live, gone)
}

// AmbiguousWithDeleted is nil unless idOrPrefix, a prefix of the id of
// the live subscription liveID, also starts the id of a deleted
// subscription whose deliveries remain: then an *AmbiguousError (exit
// 2) listing both, each with its note ("live", "deleted, N
// deliveries"). A live subscription's whole id is never ambiguous.
// Matching the live one by prefix, a filter took it and left the deleted
// one's deliveries out without a word.
func AmbiguousWithDeleted(ctx context.Context, s Store, idOrPrefix, liveID string) error {
	live := []string{liveID}
	if exactly(live, idOrPrefix) {
		return nil
	}
	gone, err := deletedMatches(ctx, s, idOrPrefix)
	if err != nil || len(gone) == 0 || exactly(gone, idOrPrefix) {
		return err
	}
	return ambiguousLiveDeleted(ctx, s, idOrPrefix, live, gone)
}

// exactly: one of ids is idOrPrefix (as given, or as ids are stored).
func exactly(ids []string, idOrPrefix string) bool {
	p := NormalizeIDPrefix(idOrPrefix)
	for _, id := range ids {
		if id == idOrPrefix || id == p {
			return true
		}
	}
	return false
}

// deletedMatches lists the ids of deleted subscriptions (their
// deliveries keep them) that idOrPrefix starts, up to three and "…" for
// more, or the one it is exactly; none for a store without them.
func deletedMatches(ctx context.Context, s Store, idOrPrefix string) ([]string, error) {
	d, ok := s.(DeletedSubscriptions)
	if !ok {
		return nil, nil
	}
	id, err := d.DeletedSubscriptionID(ctx, idOrPrefix)
	var amb *AmbiguousError
	switch {
	case err == nil:
		return []string{id}, nil
	case errors.As(err, &amb):
		return amb.Matches, nil
	case errors.Is(err, ErrNotFound):
		return nil, nil
	}
	return nil, err
}

// ambiguousLiveDeleted is the *AmbiguousError of a prefix that starts the
// ids live (of live subscriptions) and gone (of deleted ones), each
// noted: "live", or "deleted, N deliveries" (counted).
func ambiguousLiveDeleted(ctx context.Context, s Store, idOrPrefix string, live, gone []string) error {
	out := &AmbiguousError{Kind: "subscription", Prefix: idOrPrefix}
	add := func(id, note string) {
		if id == "…" {
			note = ""
		}
		out.Matches, out.Notes = append(out.Matches, id), append(out.Notes, note)
	}
	for _, id := range live {
		add(id, "live")
	}
	for _, id := range gone {
		if id == "…" {
			add(id, "")
			continue
		}
		counts, err := s.CountDeliveries(ctx, DeliveryFilter{DeletedSubscriptionID: id})
		if err != nil {
			return err
		}
		var n int64
		for _, c := range counts {
			n += c
		}
		if n == 1 {
			add(id, "deleted, 1 delivery")
		} else {
			add(id, fmt.Sprintf("deleted, %d deliveries", n))
		}
	}
	return out
}
