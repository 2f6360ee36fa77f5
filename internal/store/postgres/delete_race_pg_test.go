package postgres_test

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/hookctl/hookctl/internal/store"
	"github.com/hookctl/hookctl/internal/store/postgres"
	"github.com/hookctl/hookctl/internal/store/postgres/pgtest"
)

// A subscription deleted while another process writes deliveries for it
// (a `trigger --count` batch in flight): the delete waits for that batch
// and stops its deliveries too. Its update of the subscription's
// deliveries ran before the batch committed and its DELETE after: the
// batch's deliveries stayed pending, unlinked by ON DELETE SET NULL,
// without the subscription's secret and scheme — and a worker sent them,
// unsigned, to the deleted endpoint.
func TestDeleteSubscriptionWaitsForDeliveriesBeingWritten(t *testing.T) {
	ctx := context.Background()
	u := pgtest.URL(t)
	db := openDB(t, u)
	sub := stripeSubscription(t, db)
	ev, _ := newEvent(t, db, 1, "", time.Now())

	// The other process's batch: a delivery of the subscription, written
	// and not yet committed.
	tx := otherTx(t, u)
	const id = "00000000-0000-4000-8000-0000000000d1"
	if _, err := tx.Exec(ctx, `INSERT INTO deliveries (id, event_id, subscription_id, url, status, max_attempts, schedule,
		next_attempt_at, created_at, updated_at) VALUES ($1, $2, $3, $4, 'pending', 1, '0s', now(), now(), now())`,
		id, ev.ID, sub.ID, sub.CallbackURL); err != nil {
		t.Fatal(err)
	}
	deleted := make(chan error, 1)
	go func() { deleted <- db.DeleteSubscription(ctx, sub.ID) }()
	select {
	case err := <-deleted:
		t.Fatalf("the delete did not wait for the batch writing its deliveries: %v", err)
	case <-time.After(300 * time.Millisecond):
	}
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-deleted:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the delete did not finish")
	}
	d, err := db.GetDelivery(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if d.Status != store.DeliveryFailed || d.LastError != "subscription deleted" || d.Scheme != "stripe" || d.Secret != sub.Secret {
		t.Errorf("the batch's delivery after the delete: %s %q, scheme %q, secret %q; want failed \"subscription deleted\", signed as before",
			d.Status, d.LastError, d.Scheme, d.Secret)
	}
}

// A subscription deleted while a recorder updates a batch of its
// deliveries in another order: the two transactions lock the same rows in
// opposite orders and PostgreSQL aborts the delete to break the deadlock
// (`hookctl subscriptions delete` failed with "deadlock detected" while a
// worker ran, TestSubscriptionDeletedDuringWorkerPostgres under load).
// Nothing was written: the delete runs again and succeeds.
func TestDeleteSubscriptionRetriesADeadlock(t *testing.T) {
	ctx := context.Background()
	u := pgtest.URL(t)
	db := openDB(t, u)
	sub := stripeSubscription(t, db)
	ev := &store.Event{Type: "card.created", Provider: "bond", Payload: []byte(`{}`), ContentType: "application/json", Source: store.SourceTriggered}
	ds := []*store.Delivery{
		{SubscriptionID: sub.ID, URL: sub.CallbackURL, Status: store.DeliveryPending, MaxAttempts: 1, Schedule: "0s", NextAttemptAt: time.Now()},
		{SubscriptionID: sub.ID, URL: sub.CallbackURL, Status: store.DeliveryPending, MaxAttempts: 1, Schedule: "0s", NextAttemptAt: time.Now()},
	}
	if err := db.CreateEvent(ctx, ev, ds); err != nil {
		t.Fatal(err)
	}
	first, last := ds[0], ds[1]
	if last.Seq < first.Seq {
		first, last = last, first
	}
	// The recorder: holds the later delivery (the delete's update reaches
	// it second) ...
	tx := otherTx(t, u)
	if _, err := tx.Exec(ctx, `UPDATE deliveries SET last_error = 'recording' WHERE id = $1`, last.ID); err != nil {
		t.Fatal(err)
	}
	deleted := make(chan error, 1)
	go func() { deleted <- db.DeleteSubscription(ctx, sub.ID) }()
	time.Sleep(300 * time.Millisecond) // the delete holds the first and waits for the last
	// ... and then wants the first: a deadlock, which PostgreSQL breaks
	// (deadlock_timeout, 1 s) by aborting the delete, which waited first.
	if _, err := tx.Exec(ctx, `UPDATE deliveries SET last_error = 'recording' WHERE id = $1`, first.ID); err != nil {
		t.Fatalf("the recorder was chosen as the deadlock's victim, not the delete: %v", err)
	}
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-deleted:
		if err != nil {
			t.Fatalf("delete during a recorder's batch: %v", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("the delete did not finish")
	}
	for _, d := range ds {
		if g, err := db.GetDelivery(ctx, d.ID); err != nil || g.Status != store.DeliveryFailed || g.LastError != "subscription deleted" {
			t.Errorf("delivery after the delete: %+v (%v), want failed \"subscription deleted\"", g, err)
		}
	}
}

// otherTx is a transaction of another process: its own connection to u,
// rolled back (unless committed) and closed when the test ends.
func otherTx(t *testing.T, u string) pgx.Tx {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	tx, err := conn.Begin(ctx)
	if err != nil {
		conn.Close(ctx)
		t.Fatal(err)
	}
	t.Cleanup(func() {
		tx.Rollback(ctx)
		conn.Close(ctx)
	})
	return tx
}

// stripeSubscription creates an enabled subscription signed with the
// stripe scheme.
func stripeSubscription(t *testing.T, db *postgres.DB) *store.Subscription {
	t.Helper()
	sub := &store.Subscription{CallbackURL: "http://127.0.0.1:1/h", Events: []string{"*"}, Status: store.StatusEnabled,
		Secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", Scheme: "stripe"}
	if err := db.CreateSubscription(context.Background(), sub); err != nil {
		t.Fatal(err)
	}
	return sub
}
