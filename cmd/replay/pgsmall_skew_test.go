package replay

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/cli"
	"github.com/hookctl/hookctl/internal/store"
	"github.com/hookctl/hookctl/internal/store/postgres"
	"github.com/hookctl/hookctl/internal/store/postgres/pgtest"
	"github.com/hookctl/hookctl/internal/ui"
)

// TestReplayFromMachineAheadSeesLiveLease: replay ID, run on a machine
// whose clock is 5 minutes ahead of the PostgreSQL server, of a delivery
// a process on another machine holds for another minute refuses it as
// being sent right now, as on a machine whose clock agrees. It compared
// the lease end (the server's clock) with its own clock, took the lease
// for run out and went on to a requeue that the store refused, ending
// with exit 0.
func TestReplayFromMachineAheadSeesLiveLease(t *testing.T) {
	u := pgtest.URL(t)
	ctx := context.Background()
	live, err := postgres.OpenDB(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	defer live.Close()
	e := &store.Event{Type: "card.created", Provider: "bond", Payload: []byte(`{}`), ContentType: "application/json", Source: store.SourceTriggered}
	d := &store.Delivery{URL: "http://127.0.0.1:1/hooks", MaxAttempts: 1}
	if err := live.CreateEvent(ctx, e, []*store.Delivery{d}); err != nil {
		t.Fatal(err)
	}
	const owner = "pgsmall-other-host:4242:worker"
	if got, err := live.ClaimDue(ctx, owner, time.Now(), time.Minute, 10, ""); err != nil || len(got) != 1 {
		t.Fatalf("claim: %d, %v", len(got), err)
	}

	const skew = 5 * time.Minute
	aheadNow := func() time.Time { return time.Now().Add(skew) }
	ios, _, _, errOut := ui.Test()
	f := &cli.Factory{IOStreams: ios, Now: aheadNow, OpenStore: func(ctx context.Context, dsn string) (store.Store, error) {
		db, err := postgres.OpenDB(ctx, u)
		if err == nil {
			db.UseClock(aheadNow)
		}
		return db, err
	}}
	defer f.Close()
	c := newCmd(f, nil)
	c.SetArgs([]string{d.ID, "--no-retry", "--timeout", "2s"})
	c.SetOut(ios.ErrOut)
	c.SetErr(ios.ErrOut)
	err = c.Execute()
	if err == nil || !strings.Contains(err.Error(), "is being sent by another process ("+owner+") right now") {
		t.Fatalf("replay from a machine 5m ahead: %v, want it refused as being sent right now\n%s", err, errOut)
	}
	got, err := live.GetDelivery(ctx, d.ID)
	if err != nil || got.LeaseOwner != owner || got.AttemptCount != 0 {
		t.Fatalf("the delivery after the replay: %+v, %v; want it still leased to %s, unsent", got, err, owner)
	}
}
