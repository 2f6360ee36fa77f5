package sqlite

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/hookctl/hookctl/internal/store"
)

// BenchmarkTriggerWriter is the one SQLite writer's work per delivery in
// a bulk trigger: events with one delivery each created leased in batches
// of 768, then each delivery's attempt recorded (final) in batches of 256.
func BenchmarkTriggerWriter(b *testing.B) {
	s := openTemp(b)
	defer s.Close()
	ctx := context.Background()
	sub := &store.Subscription{CallbackURL: "http://127.0.0.1:3000/webhooks", Status: store.StatusEnabled, Events: []string{"*"}, Secret: "whsec_x", Scheme: "standard"}
	if err := s.CreateSubscription(ctx, sub); err != nil {
		b.Fatal(err)
	}
	payload := bytes.Repeat([]byte("x"), 278)
	run := uuid.NewString()
	hdr := map[string][]string{"Content-Type": {"application/json"}, "User-Agent": {"hookctl/dev"},
		"Webhook-Id": {"evt_1"}, "Webhook-Signature": {"v1,9fsHxPo6VBdHXThR7QCK3erZbvhJkU3OqoIVbXxKf8M="}, "Webhook-Timestamp": {"1796172701"}}
	resp := map[string][]string{"Content-Length": {"2"}, "Content-Type": {"text/plain; charset=utf-8"}, "Date": {"Wed, 02 Dec 2026 00:51:41 GMT"}}
	const batch = 768
	b.ReportAllocs()
	b.ResetTimer()
	for done := 0; done < b.N; done += batch {
		n := min(batch, b.N-done)
		evs := make([]*store.Event, n)
		dss := make([][]*store.Delivery, n)
		now := time.Now()
		for i := range evs {
			evs[i] = &store.Event{ID: "evt_" + uuid.NewString(), Type: "card.created", Provider: "standard", Payload: payload, ContentType: "application/json"}
			dss[i] = []*store.Delivery{{SubscriptionID: sub.ID, URL: sub.CallbackURL, MaxAttempts: 1, Schedule: "0s", RunID: run,
				NextAttemptAt: now, LeaseOwner: "host:1:abcd", LeaseExpiresAt: now.Add(time.Minute)}}
		}
		if err := s.CreateEvents(ctx, evs, dss); err != nil {
			b.Fatal(err)
		}
		for k := 0; k < n; k += 256 {
			m := min(256, n-k)
			as := make([]*store.Attempt, m)
			us := make([]store.DeliveryUpdate, m)
			for i := range as {
				d := dss[k+i][0]
				as[i] = &store.Attempt{DeliveryID: d.ID, DeliverySeq: d.Seq, Number: 1, StartedAt: now, Duration: time.Millisecond,
					RequestURL: d.URL, RequestMethod: "POST", RequestHeaders: hdr, ResponseStatus: 200, ResponseHeaders: resp, ResponseBody: []byte("ok")}
				us[i] = store.DeliveryUpdate{Status: store.DeliverySucceeded, LastStatus: 200}
			}
			errs, err := s.RecordAttempts(ctx, "host:1:abcd", as, us)
			if err != nil {
				b.Fatal(err)
			}
			for _, err := range errs {
				if err != nil {
					b.Fatal(err)
				}
			}
		}
	}
}
