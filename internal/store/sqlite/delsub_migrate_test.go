package sqlite

import (
	"database/sql"
	"strings"
	"testing"
)

// delsubColumns is table's columns in db, comma-separated: a query of an
// older schema's rows that reads them the same after an upgrade that adds
// columns (schema 14: deliveries.deleted_subscription_id).
func delsubColumns(t *testing.T, db *sql.DB, table string) string {
	t.Helper()
	rows, err := db.Query(`SELECT name FROM pragma_table_info(?) ORDER BY cid`, table)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var cols []string
	for rows.Next() {
		var c string
		if err := rows.Scan(&c); err != nil {
			t.Fatal(err)
		}
		cols = append(cols, c)
	}
	if err := rows.Err(); err != nil || len(cols) == 0 {
		t.Fatalf("columns of %s: %v, %v", table, cols, err)
	}
	return strings.Join(cols, ", ")
}
