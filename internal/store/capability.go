package store

import (
	"context"
	"net/url"
	"strings"
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

// BatchImporter is implemented by stores that import many records faster
// together than one by one (PostgreSQL: COPY). Semantics are those of
// Import applied to each record in order: records whose IDs exist are
// skipped.
type BatchImporter interface {
	ImportBatch(ctx context.Context, records []Record) error
}

// LeasingRequeuer is implemented by stores that can requeue deliveries
// already leased to the caller: Requeue's semantics, plus lease_owner =
// owner until the given time, returning the deliveries as requeued. A
// replay hands them straight to its workers instead of claiming them back.
type LeasingRequeuer interface {
	RequeueLeased(ctx context.Context, ids []string, r Requeue, owner string, until time.Time) ([]*Delivery, error)
}

// MaskURL returns a store location fit for printing: the password of a
// URL (user:password@host, or a password= query parameter) is replaced by
// "xxxxx". Anything that is not a URL with credentials (a SQLite path) is
// returned unchanged.
func MaskURL(s string) string {
	if !strings.Contains(s, "://") {
		return s
	}
	u, err := url.Parse(s)
	if err != nil {
		// Unparseable: hide everything between :// and @ to be safe.
		if i, j := strings.Index(s, "://"), strings.LastIndex(s, "@"); i >= 0 && j > i {
			return s[:i+3] + "xxxxx" + s[j:]
		}
		return s
	}
	q := u.Query()
	if q.Has("password") {
		q.Set("password", "xxxxx")
		u.RawQuery = q.Encode()
	}
	return u.Redacted()
}
