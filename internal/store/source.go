package store

// Delivery sources, as `deliveries list` shows and filters them.
const (
	DeliverySent     = "sent"     // hookctl sent it (trigger, serve, replay, the inspector)
	DeliveryReceived = "received" // listen forwarded what it received to the app
	DeliveryCheck    = "check"    // a probe of hookctl check
)

// DeliverySource is what a delivery is, from its kind and its event's
// source: a probe of check, a forward by listen (also of an event hookctl
// itself sent: Kind forward), or sent by hookctl.
func DeliverySource(d *Delivery, eventSource string) string {
	switch {
	case d.Kind == KindProbe || eventSource == SourceCheck:
		return DeliveryCheck
	case d.Kind == KindForward || eventSource == SourceReceived:
		return DeliveryReceived
	default:
		return DeliverySent
	}
}

// DeliverySourceClause is the SQL condition (over deliveries d joined with
// events e; literals only, the same for both backends) selecting the
// deliveries of one DeliverySource; ok is false for other values.
func DeliverySourceClause(source string) (clause string, ok bool) {
	switch source {
	case DeliveryCheck:
		return "(d.kind = 'probe' OR e.source = 'check')", true
	case DeliveryReceived:
		return "(d.kind = 'forward' OR e.source = 'received') AND d.kind <> 'probe' AND e.source <> 'check'", true
	case DeliverySent:
		return "d.kind NOT IN ('forward', 'probe') AND e.source NOT IN ('received', 'check')", true
	}
	return "", false
}

// NotLinkedForwardClause leaves out forwards linked to an origin delivery.
const NotLinkedForwardClause = "NOT (d.kind = 'forward' AND d.origin_id <> '')"

// NotProbeClause leaves out hookctl check's probes.
const NotProbeClause = "d.kind <> 'probe'"
