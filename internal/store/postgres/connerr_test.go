package postgres

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"syscall"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/hookctl/hookctl/internal/store"
)

// The hint names what to change for each way a connection is refused,
// without a server (the cases a test server cannot be made to produce).
func TestConnectErrorHints(t *testing.T) {
	cfg, err := pgxpool.ParseConfig("postgres://app:pw@db.example:5433/hooks")
	if err != nil {
		t.Fatal(err)
	}
	db := &DB{location: "postgres://app:xxxxx@db.example:5433/hooks", secrets: []string{"pw"}}
	for _, tc := range []struct {
		name string
		err  error
		hint string
	}{
		{"pg_hba without TLS", &pgconn.PgError{Code: "28000", Message: `no pg_hba.conf entry for host "10.0.0.7", user "app", database "hooks", no encryption`},
			"pg_hba.conf has no entry for this host, user and database; if it only accepts TLS, use sslmode=require"},
		{"pg_hba with TLS", &pgconn.PgError{Code: "28000", Message: `no pg_hba.conf entry for host "10.0.0.7", user "app", database "hooks", SSL encryption`},
			"pg_hba.conf has no entry for this host, user and database"},
		{"bad password", &pgconn.PgError{Code: "28P01", Message: `password authentication failed for user "app"`},
			"check the user name and password"},
		{"untrusted certificate", fmt.Errorf("failed to connect: tls error: %w", errors.New("tls: failed to verify certificate: x509: certificate signed by unknown authority")),
			"sslrootcert=FILE"},
		{"options= with + for a space", &pgconn.PgError{Severity: "FATAL", Code: "42704", Message: `unrecognized configuration parameter "search_path=x -c"`},
			"options= takes -c name=value for each, spaces written %20"},
		{"options= bad value", &pgconn.PgError{Severity: "FATAL", Code: "22023", Message: `invalid value for parameter "statement_timeout": "abc"`},
			"a + is not a space there"},
		{"options= not allowed", &pgconn.PgError{Severity: "FATAL", Code: "42501", Message: `permission denied to set parameter "log_min_messages"`},
			"also PGOPTIONS"},
		{"unreachable", errors.New("dial tcp 10.0.0.7:5433: connect: connection refused"),
			"is PostgreSQL running and reachable at db.example:5433?"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := db.connectError(cfg, tc.err)
			var hints []string
			if h, ok := e.(interface{ Hints() []string }); ok {
				hints = h.Hints()
			}
			if len(hints) != 1 || !strings.Contains(hints[0], tc.hint) {
				t.Fatalf("hints %q, want one containing %q", hints, tc.hint)
			}
			if tc.name == "pg_hba with TLS" && strings.Contains(hints[0], "sslmode") {
				t.Fatalf("hint %q suggests sslmode for a TLS connection", hints[0])
			}
		})
	}
}

// A malformed store URL is exit 2 with the password masked in the whole
// message: pgconn quotes the URL as it read it (masking only what it took
// for the password, "app:xxxxx@p-s3cret@…" for an unescaped @), and an
// unterminated quoted password in a key=value DSN was masked only up to
// its first space.
func TestBadURLMasksPassword(t *testing.T) {
	for _, u := range []string{
		"postgres://app:to@p-s3cret@127.0.0.1:notaport/hookctl",
		"postgres://app:p@ss-s3cret@127.0.0.1:5432/hookctl?sslmode=disable",
		"postgresql://app:top-s3cret@127.0.0.1:notaport/hookctl",
		"host=127.0.0.1 password=top-s3cret port=abc",
		"host=127.0.0.1 password='top s3cret port=5",
		"host=127.0.0.1 port=5 password='to''p s3cret' sslmode=bogus",
		"postgres://app:pw@127.0.0.1:notaport/hookctl?sslpassword=key-s3cret",
		"host=127.0.0.1 sslpassword=key-s3cret port=abc",
	} {
		_, err := OpenDB(context.Background(), u)
		var env *store.EnvironmentError
		if !errors.As(err, &env) || env.ExitCode() != 2 {
			t.Errorf("%s: err = %v, want an EnvironmentError with exit 2", u, err)
			continue
		}
		if msg := err.Error() + " " + env.Hint; strings.Contains(msg, "s3cret") || !strings.Contains(msg, "xxxxx") {
			t.Errorf("%s: password not masked: %s", u, msg)
		}
		if strings.Count(err.Error(), "127.0.0.1") > 1 {
			t.Errorf("%s: the URL is quoted twice: %s", u, err)
		}
	}
}

// The connection ending under a query, however pgx reports it, is the
// server gone (exit 3); other server errors stay failures of the command.
func TestWrapConnectionLost(t *testing.T) {
	db := &DB{location: "postgres://app:xxxxx@db/hooks", secrets: []string{"pw"}}
	for _, tc := range []struct {
		err  error
		lost bool
	}{
		{fmt.Errorf("read: %w", io.ErrUnexpectedEOF), true},
		{&net.OpError{Op: "read", Net: "tcp", Err: syscall.ECONNRESET}, true},
		{&pgconn.PgError{Code: "57P01", Message: "terminating connection due to administrator command"}, true},
		{&pgconn.PgError{Code: "08006", Message: "connection failure"}, true},
		{&pgconn.PgError{Code: "23505", Message: "duplicate key value"}, false},
		{errors.New("some other failure"), false},
	} {
		err := db.wrap("export", tc.err)
		var env *store.EnvironmentError
		if got := errors.As(err, &env) && env.ExitCode() == 3; got != tc.lost {
			t.Errorf("wrap(%v) = %v: environment error %v, want %v", tc.err, err, got, tc.lost)
		}
	}
}
