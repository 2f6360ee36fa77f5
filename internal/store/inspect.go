package store

import (
	"context"
	"time"
)

// Inspector is implemented by stores that serve the web inspector's
// queries: a newest-first log with filters and a text search that stays
// fast with millions of deliveries (keyset paging by Seq, every scan bounded
// by a window of Seq), rows by ID for live updates, and the overview's
// aggregates. Both backends implement it.
type Inspector interface {
	// InspectDeliveries returns deliveries with their event's columns:
	// newest first below q.BeforeSeq, or oldest first above q.AfterSeq
	// (the live tail).
	InspectDeliveries(ctx context.Context, q InspectQuery) (*InspectPage, error)
	// InspectByIDs returns the rows of these deliveries (unknown IDs are
	// left out), in no particular order.
	InspectByIDs(ctx context.Context, ids []string) ([]*DeliveryRow, error)
	// Throughput counts deliveries updated at or after since, per minute
	// and status.
	Throughput(ctx context.Context, since time.Time) ([]ThroughputBucket, error)
	// SlowestEndpoints ranks URLs by the mean duration of the last
	// attempts of the newest lastN deliveries.
	SlowestEndpoints(ctx context.Context, lastN, limit int) ([]EndpointLatency, error)
	// InspectEvents returns events that have no delivery at all (what
	// listen received without forwarding it, or rejected): created in
	// [Since, Until) newest first (by the creation-time index), or with
	// Seq > AfterSeq oldest first when q.Tail (and in [Since, Until) when
	// given). Payloads are left out.
	InspectEvents(ctx context.Context, q EventQuery) ([]*EventRow, error)
	// MaxEventSeq is the newest event's Seq (0 for none).
	MaxEventSeq(ctx context.Context) (int64, error)
}

// EventQuery selects events without deliveries for the inspector.
type EventQuery struct {
	Since, Until time.Time // zero: unbounded
	AfterSeq     int64
	UpToSeq      int64 // Seq <= UpToSeq (0 = no bound)
	MinSeq       int64 // without Tail: Seq > MinSeq (bounds the scan when Since is zero)
	Tail         bool
	Provider     string
	TypePattern  string
	Source       string
	Search       string
	Limit        int // default 50
}

// EventRow is an event (without its payload) and its Seq.
type EventRow struct {
	Seq int64
	*Event
}

// InspectQuery selects deliveries for the inspector. Zero fields do not
// filter.
type InspectQuery struct {
	Status      string
	Provider    string
	TypePattern string // exact type or prefix pattern (card.*)
	// SubscriptionID and DeletedSubscriptionID: as DeliveryFilter's.
	SubscriptionID        string
	DeletedSubscriptionID string
	Source                string // triggered | received | check
	Search                string // substring of the event's payload
	// Since and Until bound the deliveries' creation time: [Since, Until),
	// as deliveries list --since/--until (zero: unbounded). The stores
	// turn them into a range of Seq through the creation-time index
	// (InspectRangeExact), so a range far back is read where it is, not
	// scanned to from the newest delivery.
	Since, Until time.Time
	// BeforeSeq pages to older rows (Seq < BeforeSeq; 0 = from the newest).
	BeforeSeq int64
	// AfterSeq > 0 (or Tail) returns rows with Seq > AfterSeq, oldest
	// first: the live tail.
	AfterSeq int64
	Tail     bool
	Limit    int // default 50
	// Window bounds how many Seq values one query scans when filters are
	// set (0 = DefaultInspectWindow; the search uses half of it).
	Window int64
}

// A time range (InspectQuery.Since, Until) is read as a range of Seq,
// found in the creation-time index, and the rows created in [Since,
// Until) in it are kept. A range of at most InspectRangeExact deliveries
// gets its exact lowest and highest Seq (one read of at most that many
// index entries): whatever order its deliveries were stored in (an
// import of older ones). A larger one is taken from the last delivery
// created before Since-InspectRangeSlack to the first created at or after
// Until+InspectRangeSlack (two lookups): writers stamp created_at just
// before they insert, so concurrent ones store a few out of order, by
// less than that; a delivery stored later than that after its creation
// time (imported) may be left out of such a range.
const (
	InspectRangeExact = 5000
	InspectRangeSlack = 2 * time.Second
)

// DefaultInspectWindow is how far back (in Seq) one filtered query looks.
const DefaultInspectWindow = 50_000

// InspectPage is one page of the log. NextBefore is the cursor of the
// next older page (0: nothing older). Partial says the page holds fewer
// than Limit rows because the scan window ended, not the data.
type InspectPage struct {
	Rows       []*DeliveryRow
	NextBefore int64
	Partial    bool
	// ScannedFrom is the lowest Seq the query looked at.
	ScannedFrom int64
}

// DeliveryRow is a delivery with its event's columns and the duration of
// its last attempt.
type DeliveryRow struct {
	*Delivery
	EventType string
	Provider  string
	Source    string
	Verdict   string
	Latency   time.Duration // last attempt; 0 when none
}

// ThroughputBucket is a count of deliveries in one minute and status.
type ThroughputBucket struct {
	Minute time.Time
	Status string
	Count  int64
}

// EndpointLatency is one URL's mean and maximum attempt duration.
type EndpointLatency struct {
	URL      string
	Attempts int64
	Mean     time.Duration
	Max      time.Duration
}

// Normalize fills defaults and clamps q.
func (q InspectQuery) Normalize() InspectQuery {
	if q.Limit <= 0 || q.Limit > 1000 {
		if q.Limit > 1000 {
			q.Limit = 1000
		} else {
			q.Limit = 50
		}
	}
	if q.Window <= 0 {
		q.Window = DefaultInspectWindow
	}
	if q.Search != "" && q.Window > DefaultInspectWindow/2 {
		q.Window = DefaultInspectWindow / 2
	}
	return q
}

// Filtered reports whether q narrows the log beyond paging (a time range
// included).
func (q InspectQuery) Filtered() bool {
	return q.FilteredBeyondTime() || !q.Since.IsZero() || !q.Until.IsZero()
}

// ScanFloor is the lowest seq a page read below top scans (both stores):
// the time range's lowest seq (rangeLo; 0: the log's start), or, when q
// filters on more than time, the scan window's floor if that is higher;
// windowed says the window set it (a page that ends there is Partial).
func (q InspectQuery) ScanFloor(top, rangeLo int64) (lo int64, windowed bool) {
	if q.FilteredBeyondTime() && top-q.Window > rangeLo {
		return top - q.Window, true
	}
	return rangeLo, false
}

// FilteredBeyondTime reports whether q filters on anything but the time
// range: the rows of a range alone are dense in its Seq range, and a
// query reads them without a scan window.
func (q InspectQuery) FilteredBeyondTime() bool {
	return q.Status != "" || q.Provider != "" || q.TypePattern != "" || q.SubscriptionID != "" || q.DeletedSubscriptionID != "" || q.Source != "" || q.Search != ""
}
