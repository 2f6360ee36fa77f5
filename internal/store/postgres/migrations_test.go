package postgres

import "testing"

// The embedded migrations load (numbered 1, 2, 3 … once each; see
// store.LoadMigrations) without a server: a second migration with a
// version already taken fails here, in every `go test ./...`.
func TestEmbeddedMigrationsNumbered(t *testing.T) {
	ms := migrations()
	if len(ms) == 0 || ms[len(ms)-1].Version != len(ms) {
		t.Fatalf("%d migrations, the last %+v", len(ms), ms[len(ms)-1])
	}
}
