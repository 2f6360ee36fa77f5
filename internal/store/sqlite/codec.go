package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"
	"unsafe"

	"github.com/hookctl/hookctl/internal/jsonenc"
	"github.com/hookctl/hookctl/internal/store"
)

// Times are stored as microseconds since the epoch (PostgreSQL's
// precision), NULL for the zero time.
func tm(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UnixMicro()
}

func fromTm(v sql.NullInt64) time.Time {
	if !v.Valid {
		return time.Time{}
	}
	return time.UnixMicro(v.Int64).UTC()
}

// jsonMap stores a map as JSON text, NULL when empty. Header maps (every
// attempt has two) take a direct encoder that writes what json.Marshal
// writes, without reflection; their bytes that are not UTF-8 are kept
// (store.EncodeHeaderBytes; fromJSONMap reads them back).
func jsonMap[M ~map[string]V, V any](m M) any {
	if len(m) == 0 {
		return nil
	}
	switch m := any(m).(type) {
	case map[string][]string:
		return headerJSON(store.EncodeHeaderBytes(m))
	case http.Header:
		return headerJSON(store.EncodeHeaderBytes(m))
	}
	b, err := json.Marshal(m)
	if err != nil {
		panic(err) // maps of strings always marshal
	}
	return string(b)
}

// headerJSON is the header map as json.Marshal writes it, returned as a
// string without a copy (every attempt encodes two maps).
func headerJSON(m map[string][]string) string {
	b := appendHeaderJSON(make([]byte, 0, jsonenc.HeaderSize(m)), m)
	return unsafe.String(unsafe.SliceData(b), len(b)) // b is never written again
}

// appendHeaderJSON appends m as json.Marshal encodes it.
func appendHeaderJSON(b []byte, m map[string][]string) []byte { return jsonenc.AppendHeader(b, m) }

func fromJSONMap[V any](v sql.NullString) (map[string]V, error) {
	if !v.Valid || v.String == "" || v.String == "null" {
		return nil, nil
	}
	var m map[string]V
	if err := json.Unmarshal([]byte(v.String), &m); err != nil {
		return nil, fmt.Errorf("store: corrupt JSON column: %w", err)
	}
	if len(m) == 0 {
		return nil, nil
	}
	if h, ok := any(m).(map[string][]string); ok {
		store.DecodeHeaderBytes(h)
	}
	return m, nil
}

func jsonList(l []string) string {
	if l == nil {
		l = []string{}
	}
	b, _ := json.Marshal(l)
	return string(b)
}

func fromJSONList(s string) ([]string, error) {
	var l []string
	if s == "" {
		return []string{}, nil
	}
	if err := json.Unmarshal([]byte(s), &l); err != nil {
		return nil, fmt.Errorf("store: corrupt JSON column: %w", err)
	}
	if l == nil {
		l = []string{}
	}
	return l, nil
}

func nullStr(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// prefixRange returns [lo, hi) bounds selecting every string starting with p.
func prefixRange(p string) (lo, hi string) {
	b := []byte(p)
	for i := len(b) - 1; i >= 0; i-- {
		if b[i] < 0xff {
			b[i]++
			return p, string(b[:i+1])
		}
	}
	return p, "\U0010FFFF\U0010FFFF"
}

// patternClause turns an event pattern into a SQL condition on col.
func patternClause(col, pattern string) (string, []any) {
	switch {
	case pattern == "" || pattern == "*":
		return "1=1", nil
	case strings.HasSuffix(pattern, ".*") && len(pattern) > 2:
		lo, hi := prefixRange(pattern[:len(pattern)-1])
		return col + " > ? AND " + col + " < ?", []any{lo, hi}
	default:
		return col + " = ?", []any{pattern}
	}
}

// lookupPrefix resolves an ID or unique prefix in table.
func lookupPrefix(ctx context.Context, q *sql.DB, kind, table, idOrPrefix string) (string, error) {
	if idOrPrefix == "" {
		return "", &store.NotFoundError{Kind: kind, ID: idOrPrefix}
	}
	idOrPrefix = store.NormalizeIDPrefix(idOrPrefix)
	lo, hi := prefixRange(idOrPrefix)
	rows, err := q.QueryContext(ctx, `SELECT id FROM `+table+` WHERE id >= ? AND id < ? ORDER BY id LIMIT 4`, lo, hi)
	if err != nil {
		return "", err
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return "", err
		}
		ids = append(ids, id)
	}
	if err := rows.Err(); err != nil {
		return "", err
	}
	return store.ResolvePrefix(kind, idOrPrefix, ids)
}

// headerMap stores a header set of one value per name (a delivery's or
// subscription's own headers) as JSON text, NULL when empty, its bytes
// that are not UTF-8 kept (store.EncodeHeaderMap; fromHeaderMap reads
// them back). Before, JSON turned each such byte into U+FFFD.
func headerMap(m map[string]string) any { return jsonMap(store.EncodeHeaderMap(m)) }

func fromHeaderMap(v sql.NullString) (map[string]string, error) {
	m, err := fromJSONMap[string](v)
	return store.DecodeHeaderMap(m), err
}
