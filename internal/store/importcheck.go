package store

import "fmt"

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
// stored the same way in both stores (nil when it can): an id or key
// longer than MaxKeyLen, or an indexed metadata value longer than
// MaxMetaValueLen. hookctl writes none; a hand-written or edited dump
// might, and PostgreSQL's indexes refuse such entries (SQLite would keep
// them, and the dump would then not move to a shared store). An event's
// id and type are not checked: every store keeps any length
// (StorableKey).
func CheckImport(r Record) error {
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
		errs = append(errs, long("subscription ID", s.ID, MaxKeyLen))
		for _, k := range IndexedMetaKeys {
			errs = append(errs, long(fmt.Sprintf("subscription %.12s: metadata %q", s.ID, k), s.Metadata[k], MaxMetaValueLen))
		}
	case r.Object != nil:
		o := r.Object
		errs = append(errs, long("object Kind", o.Kind, 64), long("object ID", o.ID, MaxKeyLen), long("object Key", o.Key, MaxKeyLen))
	case r.Delivery != nil:
		d := r.Delivery
		errs = append(errs, long("delivery ID", d.ID, MaxKeyLen), long("delivery SubscriptionID", d.SubscriptionID, MaxKeyLen),
			long("delivery RunID", d.RunID, MaxKeyLen), long("delivery OriginID", d.OriginID, MaxKeyLen))
	case r.Attempt != nil:
		errs = append(errs, long("attempt DeliveryID", r.Attempt.DeliveryID, MaxKeyLen))
	}
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}
