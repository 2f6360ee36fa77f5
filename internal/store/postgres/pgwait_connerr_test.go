package postgres

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"syscall"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/hookctl/hookctl/internal/store"
)

// A failure to connect that may pass by itself (nothing listening yet,
// the server starting up, no connection left, a name not resolving yet, a
// timeout) is Unreachable and Transient, so the long-running commands
// wait for it at start; one that stays until someone changes something (a
// password, a database, pg_hba.conf, a permission, TLS) is neither, and
// exits 3 at once. Before, no connect error was either.
func TestConnectErrorUnreachable(t *testing.T) {
	cfg, err := pgxpool.ParseConfig("postgres://app:pw@db.example:5433/hooks")
	if err != nil {
		t.Fatal(err)
	}
	db := &DB{location: "postgres://app:xxxxx@db.example:5433/hooks", secrets: []string{"pw"}}
	refused := &net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}
	for _, tc := range []struct {
		name        string
		err         error
		unreachable bool
		noSlot      bool
	}{
		{"connection refused", fmt.Errorf("failed to connect: %w", refused), true, false},
		{"no socket yet", &net.OpError{Op: "dial", Net: "unix", Err: os.NewSyscallError("connect", syscall.ENOENT)}, true, false},
		{"name not resolving yet", &net.DNSError{Err: "no such host", Name: "db.example", IsNotFound: true}, true, false},
		{"timeout", fmt.Errorf("failed to connect: %w", context.DeadlineExceeded), true, false},
		{"starting up", &pgconn.PgError{Severity: "FATAL", Code: "57P03", Message: "the database system is starting up"}, true, false},
		{"too many clients", &pgconn.PgError{Severity: "FATAL", Code: "53300", Message: "sorry, too many clients already"}, true, true},
		{"slots reserved", &pgconn.PgError{Severity: "FATAL", Code: "53300", Message: "remaining connection slots are reserved for roles with the SUPERUSER attribute"}, true, true},
		{"bad password", &pgconn.PgError{Code: "28P01", Message: `password authentication failed for user "app"`}, false, false},
		{"no database", &pgconn.PgError{Code: "3D000", Message: `database "hooks" does not exist`}, false, false},
		{"no privilege", &pgconn.PgError{Code: "42501", Message: `permission denied for database "hooks"`}, false, false},
		{"pg_hba", &pgconn.PgError{Code: "28000", Message: `no pg_hba.conf entry for host "10.0.0.7", user "app", database "hooks", no encryption`}, false, false},
		{"protocol violation", &pgconn.PgError{Code: "08P01", Message: "invalid startup packet layout"}, false, false},
		{"untrusted certificate", fmt.Errorf("failed to connect: tls error: %w", errors.New("tls: failed to verify certificate: x509: certificate signed by unknown authority")), false, false},
		{"TLS refused", errors.New("failed to connect: server refused TLS connection"), false, false},
		{"socket not allowed", &net.OpError{Op: "dial", Net: "unix", Err: os.NewSyscallError("connect", syscall.EACCES)}, false, false},
		{"interrupted", fmt.Errorf("failed to connect: %w", context.Canceled), false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := db.connectError(cfg, tc.err)
			if got := store.IsUnreachable(err); got != tc.unreachable || store.IsTransient(err) != tc.unreachable {
				t.Errorf("%v: unreachable %v, transient %v; want %v", err, got, store.IsTransient(err), tc.unreachable)
			}
			if got := store.IsNoConnectionLeft(err); got != tc.noSlot {
				t.Errorf("%v: no connection left %v, want %v", err, got, tc.noSlot)
			}
			var env *store.EnvironmentError
			if !errors.As(err, &env) || env.ExitCode() != 3 {
				t.Errorf("%v: not an environment error with exit 3", err)
			}
		})
	}
}
