package deliveries

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

// TestShowNextAttemptOnMachineAhead: deliveries show, on a machine whose
// clock is 90 minutes ahead of the PostgreSQL server, of a delivery due in
// 2 hours says "in 2 hours". It compared the due time (the server's clock)
// with its own clock and said "in 2 hours" less the skew.
func TestShowNextAttemptOnMachineAhead(t *testing.T) {
	u := pgtest.URL(t)
	ctx := context.Background()
	db, err := postgres.OpenDB(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	e := &store.Event{Type: "card.created", Provider: "bond", Payload: []byte(`{}`), ContentType: "application/json", Source: store.SourceTriggered}
	d := &store.Delivery{URL: "http://127.0.0.1:1/hooks", MaxAttempts: 1, NextAttemptAt: time.Now().Add(2 * time.Hour)}
	if err := db.CreateEvent(ctx, e, []*store.Delivery{d}); err != nil {
		t.Fatal(err)
	}

	const skew = 90 * time.Minute
	aheadNow := func() time.Time { return time.Now().Add(skew) }
	ios, _, out, errOut := ui.Test()
	ios.SetTTY(false, true, false) // relative times
	f := &cli.Factory{IOStreams: ios, Now: aheadNow, OpenStore: func(ctx context.Context, dsn string) (store.Store, error) {
		db, err := postgres.OpenDB(ctx, u)
		if err == nil {
			db.UseClock(aheadNow)
		}
		return db, err
	}}
	defer f.Close()
	c := newShowCmd(f, nil)
	c.SetArgs([]string{d.ID})
	c.SetOut(ios.ErrOut)
	c.SetErr(ios.ErrOut)
	if err := c.Execute(); err != nil {
		t.Fatalf("show: %v\n%s", err, errOut)
	}
	var next string
	for _, l := range strings.Split(out.String(), "\n") {
		if strings.HasPrefix(l, "Next attempt:") {
			next = strings.TrimSpace(strings.TrimPrefix(l, "Next attempt:"))
		}
	}
	if next != "in 2 hours" {
		t.Fatalf("Next attempt %q on a machine 90m ahead, want \"in 2 hours\"\n%s", next, out)
	}
}
