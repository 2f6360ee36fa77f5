package sqlite

import (
	"context"
	"database/sql/driver"
)

// The read pool's connections pass every error through the store's fault
// classification, as the writer's transactions do (withTx): a damaged
// file, a full disk or an I/O error met by a read (subscriptions list,
// store info, store export, trigger's lookups) is a *store.EnvironmentError
// (exit 3, the store's path and a hint) rather than SQLite's bare
// "database disk image is malformed (11)" with exit 1. Wrapping the
// driver here, under database/sql, covers every query the pool runs —
// QueryRow's Scan, a Rows' Next, a prepared statement — without a wrapper
// at each call site. Other errors (io.EOF at the end of rows,
// driver.ErrBadConn, driver.ErrSkip) pass unchanged.

type faultConnector struct {
	driver.Connector
	fault func(error) error
}

// fullConn is what modernc's connections implement; a connection that
// did not would be used unwrapped.
type fullConn interface {
	driver.Conn
	driver.ConnBeginTx
	driver.ConnPrepareContext
	driver.ExecerContext
	driver.QueryerContext
	driver.Pinger
	driver.SessionResetter
	driver.Validator
}

type fullStmt interface {
	driver.Stmt
	driver.StmtExecContext
	driver.StmtQueryContext
}

func (c faultConnector) Connect(ctx context.Context) (driver.Conn, error) {
	conn, err := c.Connector.Connect(ctx)
	if err != nil {
		return nil, c.fault(err)
	}
	if fc, ok := conn.(fullConn); ok {
		return &faultConn{fc, c.fault}, nil
	}
	return conn, nil
}

type faultConn struct {
	c     fullConn
	fault func(error) error
}

func (c *faultConn) Close() error                           { return c.c.Close() }
func (c *faultConn) IsValid() bool                          { return c.c.IsValid() }
func (c *faultConn) ResetSession(ctx context.Context) error { return c.c.ResetSession(ctx) }
func (c *faultConn) Ping(ctx context.Context) error         { return c.fault(c.c.Ping(ctx)) }

func (c *faultConn) Begin() (driver.Tx, error) {
	return c.BeginTx(context.Background(), driver.TxOptions{})
}

func (c *faultConn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	tx, err := c.c.BeginTx(ctx, opts)
	if err != nil {
		return nil, c.fault(err)
	}
	return faultTx{tx, c.fault}, nil
}

func (c *faultConn) Prepare(query string) (driver.Stmt, error) {
	return c.PrepareContext(context.Background(), query)
}

func (c *faultConn) PrepareContext(ctx context.Context, query string) (driver.Stmt, error) {
	st, err := c.c.PrepareContext(ctx, query)
	if err != nil {
		return nil, c.fault(err)
	}
	if fs, ok := st.(fullStmt); ok {
		return &faultStmt{fs, c.fault}, nil
	}
	return st, nil
}

func (c *faultConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	r, err := c.c.ExecContext(ctx, query, args)
	return r, c.fault(err)
}

func (c *faultConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	rows, err := c.c.QueryContext(ctx, query, args)
	if err != nil {
		return nil, c.fault(err)
	}
	return faultRows{rows, c.fault}, nil
}

type faultTx struct {
	tx    driver.Tx
	fault func(error) error
}

func (t faultTx) Commit() error   { return t.fault(t.tx.Commit()) }
func (t faultTx) Rollback() error { return t.fault(t.tx.Rollback()) }

type faultStmt struct {
	s     fullStmt
	fault func(error) error
}

func (s *faultStmt) Close() error  { return s.s.Close() }
func (s *faultStmt) NumInput() int { return s.s.NumInput() }

// Exec and Query are driver.Stmt's; database/sql calls the Context
// forms, which modernc implements.
func (s *faultStmt) Exec(args []driver.Value) (driver.Result, error) {
	return s.ExecContext(context.Background(), named(args))
}

func (s *faultStmt) Query(args []driver.Value) (driver.Rows, error) {
	return s.QueryContext(context.Background(), named(args))
}

func named(args []driver.Value) []driver.NamedValue {
	out := make([]driver.NamedValue, len(args))
	for i, v := range args {
		out[i] = driver.NamedValue{Ordinal: i + 1, Value: v}
	}
	return out
}

func (s *faultStmt) ExecContext(ctx context.Context, args []driver.NamedValue) (driver.Result, error) {
	r, err := s.s.ExecContext(ctx, args)
	return r, s.fault(err)
}

func (s *faultStmt) QueryContext(ctx context.Context, args []driver.NamedValue) (driver.Rows, error) {
	rows, err := s.s.QueryContext(ctx, args)
	if err != nil {
		return nil, s.fault(err)
	}
	return faultRows{rows, s.fault}, nil
}

type faultRows struct {
	driver.Rows
	fault func(error) error
}

func (r faultRows) Next(dest []driver.Value) error { return r.fault(r.Rows.Next(dest)) }
func (r faultRows) Close() error                   { return r.fault(r.Rows.Close()) }
