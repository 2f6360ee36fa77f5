package store

import (
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"
)

// ErrNotFound: no subscription, event or delivery has that ID or prefix.
var ErrNotFound = errors.New("not found")

// ErrLeaseLost: the worker's lease on a delivery expired and another took it.
var ErrLeaseLost = errors.New("delivery lease lost")

// NotFoundError names what was not found.
type NotFoundError struct {
	Kind string // subscription | event | delivery
	ID   string
}

func (e *NotFoundError) Error() string   { return fmt.Sprintf("%s %q not found", e.Kind, e.ID) }
func (e *NotFoundError) Is(t error) bool { return t == ErrNotFound }
func (e *NotFoundError) ExitCode() int   { return 1 }

// AmbiguousError: a prefix matches several IDs.
type AmbiguousError struct {
	Kind    string
	Prefix  string
	Matches []string // a few of the matching IDs
	// Notes, when set, says what each of Matches is, in the same order
	// ("live", "deleted, 3 deliveries"; "" for none): a subscription
	// filter's prefix that starts a live subscription's id and a deleted
	// one's (SubscriptionFilterID).
	Notes []string
}

func (e *AmbiguousError) Error() string {
	ms := e.Matches
	if len(e.Notes) > 0 {
		ms = make([]string, len(e.Matches))
		for i, m := range e.Matches {
			ms[i] = m
			if i < len(e.Notes) && e.Notes[i] != "" {
				ms[i] += " (" + e.Notes[i] + ")"
			}
		}
	}
	return fmt.Sprintf("%s ID prefix %q is ambiguous: it matches %s", e.Kind, e.Prefix, strings.Join(ms, ", "))
}
func (e *AmbiguousError) ExitCode() int { return 2 }
func (e *AmbiguousError) Hints() []string {
	return []string{"type more characters of the ID"}
}

// NoStoreError is a store location that holds no hookctl store, given to
// a command that only reads or changes what is stored (a PostgreSQL schema
// without hookctl's tables: a typo in search_path). It comes wrapped in an
// EnvironmentError (exit 3, with a hint).
type NoStoreError struct{ Msg string }

func (e *NoStoreError) Error() string { return e.Msg }

// ErrReadOnly is wrapped by the error of opening a store this process
// may read but not write (a SQLite file, or its directory, it has no
// write permission on): a command that only reads may open it for
// reading instead.
var ErrReadOnly = errors.New("read-only")

// ErrDamaged is wrapped by the error of opening a SQLite store whose file
// is damaged so that it cannot be opened for writing (cut short: a copy
// interrupted, a full disk): a command that only reads may open it for
// reading instead, and read what can still be read (store export).
var ErrDamaged = errors.New("damaged")

// EnvironmentError: the store cannot be used (unreadable, not a hookctl
// store, written by a newer hookctl, server unreachable). Exit 3.
type EnvironmentError struct {
	Err  error
	Hint string
	More []string // hints after Hint
	Code int      // exit code when not 3: 2 for a store location that is bad input (a malformed URL)
	// Transient: the store went away or cannot be reached now (a server
	// restarting, a failover, no connection left) and the same request
	// may succeed later; see IsTransient.
	Transient bool
	// Unreachable: the store's server could not be reached when the store
	// was opened and may be soon (not accepting connections yet, starting
	// up, no connection left, its name not resolving yet); see
	// IsUnreachable. Never set for a store kept in a file (SQLite).
	Unreachable bool
	// NoConnectionLeft: the server refused the connection because it has
	// none left for this user and database (PostgreSQL's 53300).
	NoConnectionLeft bool
	// Locked: another process held the store's write lock for all of the
	// busy timeout (SQLite: a store import or prune --vacuum, a sqlite3
	// shell inside a transaction); see IsLocked.
	Locked bool
	// Reason says in a few words, with no path or server address, what
	// keeps a Transient store from being used now ("the disk that holds
	// it is full"): the servers' 503 answers and pages give it to their
	// clients (TransientReason). Empty: it cannot be reached.
	Reason string
}

// TransientReason completes "hookctl's store …" for an API client or a
// page while err (IsTransient) keeps the store from being used: what its
// Reason says, else that it cannot be reached (a PostgreSQL restart or
// failover). A full disk said as a failover sent users looking at a
// database that was fine.
func TransientReason(err error) string {
	var env *EnvironmentError
	if errors.As(err, &env) && env.Reason != "" {
		return env.Reason
	}
	return "cannot be reached right now (a database restart or failover?)"
}

// IsUnreachable reports whether err is a store server that could not be
// reached when the store was opened but may be soon (an *EnvironmentError
// marked Unreachable): the long-running commands wait for it at start
// (--store-wait).
func IsUnreachable(err error) bool {
	var env *EnvironmentError
	return errors.As(err, &env) && env.Unreachable
}

// IsNoConnectionLeft reports whether err is a store server that has no
// connection left for this process now (an *EnvironmentError marked
// NoConnectionLeft).
func IsNoConnectionLeft(err error) bool {
	var env *EnvironmentError
	return errors.As(err, &env) && env.NoConnectionLeft
}

// IsLocked reports whether err is a store whose write lock another
// process held for all of the busy timeout (an *EnvironmentError marked
// Locked): the long-running commands wait for it at start, as for an
// unreachable server (--store-wait); the others exit 3.
func IsLocked(err error) bool {
	var env *EnvironmentError
	return errors.As(err, &env) && env.Locked
}

// ErrGone: the store's file was deleted, moved away or replaced since this
// process opened it (SQLite). Writes into it would still succeed and be
// lost with the process; it does not come back by itself. See IsGone.
var ErrGone = errors.New("the store file is no longer in place")

// IsGone reports whether err says the store's file is gone or was
// replaced (errors.Is ErrGone): a long-running command stops, as nothing
// it writes from then on can be kept.
func IsGone(err error) bool { return errors.Is(err, ErrGone) }

// IsTableGone reports whether err is a read of a table the store's
// database does not have (PostgreSQL's undefined_table, 42P01): once a
// command read it, its schema was dropped or reset under it, and does not
// come back by itself (a store created again is another log).
func IsTableGone(err error) bool {
	var e interface{ SQLState() string }
	return errors.As(err, &e) && e.SQLState() == "42P01"
}

// IsConflict reports whether err is a statement the server aborted to
// resolve a conflict with another transaction (PostgreSQL: a deadlock,
// 40P01, or a serialization failure, 40001), not an outage: run again,
// it may well succeed at once.
func IsConflict(err error) bool {
	var e interface{ SQLState() string }
	return errors.As(err, &e) && (e.SQLState() == "40P01" || e.SQLState() == "40001")
}

// WriteGuard is implemented by stores kept in a file (SQLite): see
// GuardWrites.
type WriteGuard interface{ GuardWrites() }

// GuardWrites makes s refuse, with an IsGone error, every write made once
// its file was deleted or replaced (and one committed into it meanwhile),
// when s keeps a file; it changes nothing for other stores (PostgreSQL).
// The long-running commands that acknowledge or report writes (serve,
// worker) call it.
func GuardWrites(s Store) {
	if g, ok := s.(WriteGuard); ok {
		g.GuardWrites()
	}
}

// InPlacer is implemented by stores kept in a file (SQLite): InPlace
// fails (IsGone) once the file was deleted, moved or replaced.
type InPlacer interface{ InPlace() error }

// CheckInPlace returns the IsGone error of a store kept in a file that
// was deleted, moved or replaced since it was opened (one stat), else nil.
func CheckInPlace(s Store) error {
	if p, ok := s.(InPlacer); ok {
		if err := p.InPlace(); IsGone(err) {
			return err
		}
	}
	return nil
}

// IsTransient reports whether err is a store that cannot be reached now
// but may be again (an *EnvironmentError marked Transient): a long run
// waits for it instead of giving up.
func IsTransient(err error) bool {
	var env *EnvironmentError
	return errors.As(err, &env) && env.Transient
}

func (e *EnvironmentError) Error() string { return e.Err.Error() }
func (e *EnvironmentError) Unwrap() error { return e.Err }
func (e *EnvironmentError) ExitCode() int {
	if e.Code != 0 {
		return e.Code
	}
	return 3
}
func (e *EnvironmentError) Hints() []string {
	if e.Hint == "" {
		return e.More
	}
	return append([]string{e.Hint}, e.More...)
}

// NormalizeIDPrefix lower-cases a UUID or UUID prefix (hex digits and
// dashes), as the IDs are stored: 4F1C names 4f1c…. Other IDs (a provider's
// evt_1AbC) are case-sensitive and kept as given.
func NormalizeIDPrefix(s string) string {
	for _, c := range s {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F' || c == '-') {
			return s
		}
	}
	return strings.ToLower(s)
}

// ResolvePrefix picks the ID an ID or prefix names among the IDs that
// start with it (a backend reads up to four, in order): an exact match
// wins, one match is it, none is a *NotFoundError, several an
// *AmbiguousError listing up to three. Both backends resolve IDs this way.
func ResolvePrefix(kind, idOrPrefix string, ids []string) (string, error) {
	for _, id := range ids {
		if id == idOrPrefix {
			return id, nil
		}
	}
	switch len(ids) {
	case 0:
		return "", &NotFoundError{Kind: kind, ID: idOrPrefix}
	case 1:
		return ids[0], nil
	}
	if len(ids) > 3 {
		ids = append(ids[:3:3], "…")
	}
	return "", &AmbiguousError{Kind: kind, Prefix: idOrPrefix, Matches: ids}
}

// ImportRefError: an imported delivery's event, or an attempt's delivery,
// is neither earlier in the input nor in the store (a file cut short, or
// edited). Bad input: exit 2.
type ImportRefError struct {
	Kind, ID       string // delivery | attempt, and its id (an attempt's number)
	RefKind, RefID string // event | delivery
	// Record is the record's place (0-based) in the records given to the
	// import (ImportBatch's slice; 0 for Import).
	Record int
}

func (e *ImportRefError) Error() string {
	return fmt.Sprintf("%s %s: its %s %s is neither earlier in the input nor in the store", e.Kind, e.ID, e.RefKind, e.RefID)
}
func (e *ImportRefError) ExitCode() int { return 2 }
func (e *ImportRefError) Hints() []string {
	return []string{"import a whole \"hookctl store export\" (subscriptions, objects, events, deliveries, attempts, in that order)"}
}

// ImportKeyError: an imported live object's Key is the Key of another
// live object of its kind, in the store or earlier in the input (a file
// edited, or two stores' exports whose applications share a uid). Bad
// input: exit 2; it matches ErrKeyTaken.
type ImportKeyError struct {
	Kind, ID, Key string
	Other         string // the object that has the key
	// Record is the object's place (0-based) in the records given to
	// the import (ImportBatch's slice; 0 for Import).
	Record int
}

func (e *ImportKeyError) Error() string {
	return fmt.Sprintf("%s %s: its key %q is taken by %s %s, a live object in the store or earlier in the input", e.Kind, e.ID, e.Key, e.Kind, e.Other)
}
func (e *ImportKeyError) ExitCode() int   { return 2 }
func (e *ImportKeyError) Is(t error) bool { return t == ErrKeyTaken }
func (e *ImportKeyError) Hints() []string {
	return []string{"each live object of a kind needs its own key: import into a store that does not have it, or delete the other one first"}
}

// StorableText reports whether s can be stored as text by every back end:
// UTF-8 with no NUL character (PostgreSQL refuses either in text and
// jsonb, where SQLite would keep them). Input is checked with it before
// it reaches a store.
func StorableText(s string) bool { return utf8.ValidString(s) && !strings.ContainsRune(s, 0) }

// ExportSkippedError is Export's error when a damaged store kept it from
// reading some records: every record it could read was written (a dump
// `hookctl store import` takes: nothing in it refers to a record it left
// out), and each of Skipped says what was left out. The store wraps it
// in an *EnvironmentError (exit 3).
type ExportSkippedError struct {
	Skipped []string
	Err     error // the first read error
}

func (e *ExportSkippedError) Error() string {
	return fmt.Sprintf("the export left out what it could not read (%v)", e.Err)
}
func (e *ExportSkippedError) Unwrap() error { return e.Err }
