package main

import (
	"database/sql"
	"testing"
)

// sigflakeHoldWriteLock takes the write lock of the SQLite store at path
// from another connection, as a sqlite3 shell left in a transaction
// would: hookctl's writes wait for it (then retry), its reads go on. The
// returned function (also run when the test ends) releases it.
func sigflakeHoldWriteLock(t *testing.T, path string) (release func()) {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	db.SetMaxOpenConns(1)
	tx, err := db.Begin()
	if err != nil {
		db.Close()
		t.Fatal(err)
	}
	if _, err := tx.Exec(`CREATE TABLE lock_holder (x)`); err != nil {
		tx.Rollback()
		db.Close()
		t.Fatal(err)
	}
	done := false
	release = func() {
		if !done {
			done = true
			tx.Rollback()
			db.Close()
		}
	}
	t.Cleanup(release)
	return release
}
