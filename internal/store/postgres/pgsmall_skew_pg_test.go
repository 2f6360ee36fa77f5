package postgres_test

import (
	"context"
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/store"
	"github.com/hookctl/hookctl/internal/store/postgres/pgtest"
)

// ClockSkew is the server's clock minus the handle's, as the store moves
// the lease ends and due times it writes: about -3 s for a handle 3 s
// ahead (plus the statement's way to the server), 0 for one on the
// server's clock. store.Skew reads it.
func TestClockSkew(t *testing.T) {
	u := pgtest.URL(t)
	ctx := context.Background()
	accurate, ahead := newMachine(t, u, 0), newMachine(t, u, 3*time.Second)
	if d, err := accurate.ClockSkew(ctx); err != nil || d != 0 {
		t.Errorf("skew of a handle on the server's clock: %v, %v; want 0", d, err)
	}
	if d := store.Skew(ctx, ahead.DB); d > -2500*time.Millisecond || d < -3500*time.Millisecond {
		t.Errorf("skew of a handle 3 s ahead: %v, want about -3s", d)
	}
}
