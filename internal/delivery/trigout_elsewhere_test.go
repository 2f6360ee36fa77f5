package delivery

import (
	"context"
	"fmt"
	"testing"

	"github.com/hookctl/hookctl/internal/store"
)

// BenchmarkTrigoutElsewhereBefore is what trigger's human output pays per
// attempt to notice attempts made elsewhere: a first attempt that ends
// the delivery (the common case), and a retry then its end.
func BenchmarkTrigoutElsewhereBefore(b *testing.B) {
	ctx := context.Background()
	ids := make([]string, 1<<16)
	for i := range ids {
		ids[i] = fmt.Sprintf("d-%08d", i)
	}
	b.Run("final", func(b *testing.B) {
		x := &Elsewhere{}
		d := &store.Delivery{Status: store.DeliverySucceeded}
		a := &store.Attempt{Number: 1}
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			d.ID, d.Seq = ids[i&(1<<16-1)], int64(i+1)
			x.Before(ctx, Result{Delivery: d, Attempt: a, Final: true})
		}
	})
	b.Run("retry-then-final", func(b *testing.B) {
		x := &Elsewhere{}
		p := &store.Delivery{Status: store.DeliveryPending}
		f := &store.Delivery{Status: store.DeliveryFailed}
		a1, a2 := &store.Attempt{Number: 1}, &store.Attempt{Number: 2}
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			id, seq := ids[i&(1<<16-1)], int64(i+1)
			p.ID, p.Seq, f.ID, f.Seq = id, seq, id, seq
			x.Before(ctx, Result{Delivery: p, Attempt: a1})
			x.Before(ctx, Result{Delivery: f, Attempt: a2, Final: true})
		}
	})
}

// Before reads nothing while the attempts it sees follow each other, and
// marks a delivery final once; Rest reads nothing when every delivery of
// the run ended here.
func TestTrigoutElsewhereNothingElsewhere(t *testing.T) {
	ctx := context.Background()
	x := &Elsewhere{} // no Store: a read would panic
	p := &store.Delivery{ID: "a", Seq: 5000, Status: store.DeliveryPending}
	f := &store.Delivery{ID: "a", Seq: 5000, Status: store.DeliverySucceeded}
	if got := x.Before(ctx, Result{Delivery: p, Attempt: &store.Attempt{Number: 1}}); got != nil {
		t.Fatal(got)
	}
	if got := x.Before(ctx, Result{Delivery: f, Attempt: &store.Attempt{Number: 2}, Final: true}); got != nil {
		t.Fatal(got)
	}
	noSeq := &store.Delivery{ID: "b", Status: store.DeliveryFailed}
	x.Before(ctx, Result{Delivery: noSeq, Attempt: &store.Attempt{Number: 1}, Final: true})
	if x.final != 2 || len(x.open) != 0 || !x.isDone(f) || !x.isDone(noSeq) || x.isDone(&store.Delivery{ID: "c", Seq: 5001}) {
		t.Fatalf("final %d, open %v", x.final, x.open)
	}
	if err := x.Rest(ctx, 2, func(Result) { t.Fatal("printed") }); err != nil {
		t.Fatal(err)
	}
}
