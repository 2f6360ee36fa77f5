package store

import (
	"time"

	"github.com/google/uuid"
)

// PrepareEvent fills what every backend's CreateEvent fills before
// writing, so both stores give an event and its deliveries the same
// defaults: IDs, source, timestamps, pending status due now.
func PrepareEvent(e *Event, deliveries []*Delivery, now time.Time) {
	if e.ID == "" {
		e.ID = uuid.NewString()
	}
	if e.CreatedAt.IsZero() {
		e.CreatedAt = now
	}
	if e.Source == "" {
		e.Source = SourceTriggered
	}
	if e.Payload == nil {
		e.Payload = []byte{}
	}
	for _, d := range deliveries {
		d.Seq = 0
		if d.ID == "" {
			d.ID = uuid.NewString()
		}
		d.EventID = e.ID
		if d.Status == "" {
			d.Status = DeliveryPending
		}
		if d.CreatedAt.IsZero() {
			d.CreatedAt = now
		}
		d.UpdatedAt = now
		if d.NextAttemptAt.IsZero() && d.Status == DeliveryPending {
			d.NextAttemptAt = d.CreatedAt
		}
	}
}
