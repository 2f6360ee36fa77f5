package delivery

import (
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/store"
)

// TestClipolishAttemptStateTwoXXNotAccepted: an earlier attempt answered
// 2xx is judged as the engine judged it. One the schedule retried failed
// (Bond's 202: AttemptState said "succeeded", so deliveries tail printed
// a green [202] succeeded, and outcome "succeeded" in JSON); one followed
// by a replay succeeded only when the delivery's scheme accepts the
// status.
func TestClipolishAttemptStateTwoXXNotAccepted(t *testing.T) {
	t0 := time.Now()
	a1 := &store.Attempt{Number: 1, ResponseStatus: 202, StartedAt: t0}
	retry := &store.Attempt{Number: 2, ResponseStatus: 202, StartedAt: t0.Add(time.Second)}
	replay := &store.Attempt{Number: 2, ResponseStatus: 200, StartedAt: t0.Add(time.Minute), Manual: true}
	for _, tc := range []struct {
		scheme  string
		next    *store.Attempt
		want    string
		wantErr string
	}{
		{"bond", retry, store.DeliveryPending, "HTTP 202 Accepted (Bond accepts only 200 or 201)"},
		{"", retry, store.DeliveryPending, "HTTP 202 Accepted"},
		{"bond", replay, store.DeliveryFailed, "HTTP 202 Accepted (Bond accepts only 200 or 201)"},
		{"mono", replay, store.DeliveryFailed, "HTTP 202 Accepted (Mono accepts only 200)"},
		{"auto", replay, store.DeliverySucceeded, ""},
		{"standard", replay, store.DeliverySucceeded, ""},
	} {
		d := &store.Delivery{Scheme: tc.scheme, Status: store.DeliverySucceeded, AttemptCount: 2, MaxAttempts: 2}
		s := AttemptState(d, a1, tc.next)
		if s.Status != tc.want || s.LastError != tc.wantErr {
			t.Errorf("scheme %q, next manual %v: %s %q, want %s %q", tc.scheme, tc.next.Manual, s.Status, s.LastError, tc.want, tc.wantErr)
		}
	}
}
