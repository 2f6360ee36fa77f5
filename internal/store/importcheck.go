package store

import (
	"fmt"
	"slices"
	"time"
)

// IndexedMetaKeys are the subscription metadata keys both stores index
// (the ids hookctl serve keeps: Stripe's we_…, Svix's ep_…, uid and
// application).
var IndexedMetaKeys = []string{"stripe_id", "svix_id", "uid", "app_id"}

// MaxMetaValueLen is the longest value of an IndexedMetaKeys key a
// record may carry (Svix's uid rule is 256; the ids serve makes are
// shorter). Two of them, a time and an id share one PostgreSQL index
// entry, which must stay under ~2.7 kB.
const MaxMetaValueLen = 256

// CheckImport reports why r, read by `hookctl store import`, cannot be
// stored the same way in both stores (nil when it can): an empty id or
// reference (a subscription with no ID would receive every event and no
// command could name it to disable or delete it), a zero creation or
// update time (the stores' NOT NULL columns), a delivery status that is
// not pending, succeeded or failed, an id or key longer than MaxKeyLen,
// or an indexed metadata value longer than MaxMetaValueLen. hookctl
// writes none; a hand-written or edited dump might, and PostgreSQL's
// indexes refuse long entries (SQLite would keep them, and the dump would
// then not move to a shared store). An event's id and type may be of any
// length (StorableKey). What a subscription's fields hold (its URL,
// events, scheme, status, secret) is the subscription package's to check
// (subscription.CheckImported).
func CheckImport(r Record) error { return CheckImportNamed(r, nil) }

// CheckImportNamed is CheckImport naming r's fields as the file does:
// name(kind, field) is the file's name of the Go field of the record of
// kind (subscription, object, event, delivery, attempt); nil keeps the Go
// names (the format older hookctl versions wrote).
func CheckImportNamed(r Record, name func(kind, field string) string) error {
	if name == nil {
		name = func(_, field string) string { return field }
	}
	long := func(what, s string, limit int) error {
		if len(s) > limit {
			return fmt.Errorf("%s is %d bytes long; at most %d are allowed", what, len(s), limit)
		}
		return nil
	}
	var errs []error
	switch {
	case r.Subscription != nil:
		s := r.Subscription
		errs = append(errs, long("subscription "+name("subscription", "ID"), s.ID, MaxKeyLen))
		for _, k := range IndexedMetaKeys {
			errs = append(errs, long(fmt.Sprintf("subscription %.12s: metadata %q", s.ID, k), s.Metadata[k], MaxMetaValueLen))
		}
	case r.Object != nil:
		o := r.Object
		errs = append(errs, long("object "+name("object", "Kind"), o.Kind, 64), long("object "+name("object", "ID"), o.ID, MaxKeyLen),
			long("object "+name("object", "Key"), o.Key, MaxKeyLen))
	case r.Delivery != nil:
		d := r.Delivery
		errs = append(errs, long("delivery "+name("delivery", "ID"), d.ID, MaxKeyLen),
			long("delivery "+name("delivery", "SubscriptionID"), d.SubscriptionID, MaxKeyLen),
			long("delivery "+name("delivery", "DeletedSubscriptionID"), d.DeletedSubscriptionID, MaxKeyLen),
			long("delivery "+name("delivery", "RunID"), d.RunID, MaxKeyLen), long("delivery "+name("delivery", "OriginID"), d.OriginID, MaxKeyLen))
	case r.Attempt != nil:
		errs = append(errs, long("attempt "+name("attempt", "DeliveryID"), r.Attempt.DeliveryID, MaxKeyLen))
	}
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return checkRequired(r, name)
}

// checkRequired reports the first field of r that hookctl always sets
// and r leaves empty, or a delivery status outside the enum.
func checkRequired(r Record, name func(kind, field string) string) error {
	empty := func(what, s string) error {
		if s == "" {
			return fmt.Errorf("%s is empty", what)
		}
		return nil
	}
	zero := func(what string, t time.Time) error {
		if t.IsZero() {
			return fmt.Errorf("%s is missing", what)
		}
		return nil
	}
	var errs []error
	switch {
	case r.Subscription != nil:
		s := r.Subscription
		errs = append(errs, empty("subscription "+name("subscription", "ID"), s.ID), zero("subscription "+s.ID+": "+name("subscription", "CreatedAt"), s.CreatedAt),
			zero("subscription "+s.ID+": "+name("subscription", "UpdatedAt"), s.UpdatedAt))
	case r.Event != nil:
		e := r.Event
		errs = append(errs, empty("event "+name("event", "ID"), e.ID), zero("event "+e.ID+": "+name("event", "CreatedAt"), e.CreatedAt))
	case r.Delivery != nil:
		d := r.Delivery
		errs = append(errs, empty("delivery "+name("delivery", "ID"), d.ID), empty("delivery "+d.ID+": "+name("delivery", "EventID"), d.EventID),
			zero("delivery "+d.ID+": "+name("delivery", "CreatedAt"), d.CreatedAt), zero("delivery "+d.ID+": "+name("delivery", "UpdatedAt"), d.UpdatedAt))
		if !slices.Contains([]string{DeliveryPending, DeliverySucceeded, DeliveryFailed}, d.Status) {
			errs = append(errs, fmt.Errorf("delivery %s: invalid %s %q: want %s, %s or %s", d.ID, name("delivery", "Status"), d.Status, DeliveryPending, DeliverySucceeded, DeliveryFailed))
		}
	case r.Attempt != nil:
		a := r.Attempt
		errs = append(errs, empty("attempt "+name("attempt", "DeliveryID"), a.DeliveryID),
			zero(fmt.Sprintf("attempt %d of delivery %s: %s", a.Number, a.DeliveryID, name("attempt", "StartedAt")), a.StartedAt))
		if a.Number < 1 {
			errs = append(errs, fmt.Errorf("attempt %d of delivery %s: its %s must be 1 or more", a.Number, a.DeliveryID, name("attempt", "Number")))
		}
	}
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}
