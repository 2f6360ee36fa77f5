package catalog

import (
	"testing"
	"time"
)

// BenchmarkBuild measures one fresh event: `trigger --count N` builds tens
// of thousands per run.
func BenchmarkBuild(b *testing.B) {
	c := mustLoad(b)
	now := time.Now()
	for _, tc := range []struct {
		name string
		o    BuildOptions
	}{
		{"bond:kyc.verification.success", BuildOptions{}},
		{"bond:transactions", BuildOptions{}},
		{"mono:direct_debit.payment_successful", BuildOptions{}},
		{"saas:subscription.created", BuildOptions{}},
		{"mambu:loan.disbursed", BuildOptions{}},
		{"bond:transactions+2 overrides", BuildOptions{Overrides: []Override{{OpSetString, "transaction.amount", "12.50"}, {OpSet, "transaction.state", "failed"}}}},
	} {
		name := tc.name
		if i := len(name) - len("+2 overrides"); i > 0 && name[i:] == "+2 overrides" {
			name = name[:i]
		}
		et, err := c.Lookup(name, "")
		if err != nil {
			b.Fatal(err)
		}
		b.Run(tc.name, func(b *testing.B) {
			o := tc.o
			o.Now = now
			b.ReportAllocs()
			var size int
			for b.Loop() {
				ev, err := c.Build(et, o)
				if err != nil {
					b.Fatal(err)
				}
				size = len(ev.Body)
			}
			b.SetBytes(int64(size))
		})
	}
}

// BenchmarkLoad is the start-up cost every command that needs the catalog
// pays (built-ins only).
func BenchmarkLoad(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Load(Options{}); err != nil {
			b.Fatal(err)
		}
	}
}
