package postgres

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"
)

// The unreachable hint says where the connection went as psql does: the
// socket file for a directory host (it said "/dir:5432", a path read as
// a host name), host:port otherwise, an IPv6 address in brackets.
func TestConnectHintSocket(t *testing.T) {
	sock := filepath.Join("/var/run/postgresql", ".s.PGSQL.")
	for _, tc := range []struct{ url, want string }{
		{"postgres:///hooks?host=/var/run/postgresql", "reachable on socket " + sock + "5432?"},
		{"host=/var/run/postgresql port=5433 dbname=hooks", "reachable on socket " + sock + "5433?"},
		{"postgres://app@db.example:5433/hooks", "reachable at db.example:5433?"},
		{"postgres://app@[::1]:5433/hooks", "reachable at [::1]:5433?"},
	} {
		cfg, err := pgxpool.ParseConfig(tc.url)
		if err != nil {
			t.Fatal(err)
		}
		e := (&DB{location: tc.url}).connectError(cfg, errors.New("dial: connect: no such file or directory"))
		var hints []string
		if h, ok := e.(interface{ Hints() []string }); ok {
			hints = h.Hints()
		}
		if len(hints) != 1 || !strings.Contains(hints[0], tc.want) {
			t.Errorf("%s: hints %q, want one containing %q", tc.url, hints, tc.want)
		}
	}
}
