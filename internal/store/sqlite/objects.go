package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/hookctl/hookctl/internal/store"
)

const objectCols = `kind, id, key, data, deleted, created_at, updated_at`

func scanObject(r scanner) (*store.Object, error) {
	var (
		o                store.Object
		data             string
		deleted          int
		created, updated sql.NullInt64
	)
	if err := r.Scan(&o.Kind, &o.ID, &o.Key, &data, &deleted, &created, &updated); err != nil {
		return nil, err
	}
	o.Data, o.Deleted = []byte(data), deleted != 0
	o.CreatedAt, o.UpdatedAt = fromTm(created), fromTm(updated)
	return &o, nil
}

// objectByKeySQL and keyTakenSQL read objects by their key: "key <> ”"
// lets SQLite use the partial index objects_key (it cannot tell that a
// bound value is not ”), instead of reading every object of the kind.
var (
	objectByKeySQL = `SELECT ` + objectCols + ` FROM objects WHERE kind = ? AND key = ? AND key <> ''`
	keyTakenSQL    = `SELECT id FROM objects WHERE kind = ? AND key = ? AND key <> '' AND id <> ?`
	// objectKeyHolderSQL: import's check of a key.
	objectKeyHolderSQL = `SELECT id FROM objects WHERE kind = ? AND key = ? AND key <> ''`
)

// GetObject implements store.ObjectStore.
func (s *Store) GetObject(ctx context.Context, kind, idOrKey string) (*store.Object, error) {
	o, err := scanObject(s.r.QueryRowContext(ctx, `SELECT `+objectCols+` FROM objects WHERE kind = ? AND id = ?`, kind, idOrKey))
	if errors.Is(err, sql.ErrNoRows) && idOrKey != "" {
		o, err = scanObject(s.r.QueryRowContext(ctx, objectByKeySQL, kind, idOrKey))
	}
	if errors.Is(err, sql.ErrNoRows) {
		return nil, &store.NotFoundError{Kind: kind, ID: idOrKey}
	}
	return o, err
}

// ListObjects implements store.ObjectStore.
func (s *Store) ListObjects(ctx context.Context, kind string) ([]*store.Object, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT `+objectCols+` FROM objects WHERE kind = ? ORDER BY created_at, id`, kind)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []*store.Object{}
	for rows.Next() {
		o, err := scanObject(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, o)
	}
	return out, rows.Err()
}

// ChangeObject implements store.ObjectStore: the read, fn and the write
// are one write transaction (the database's write lock is taken first).
func (s *Store) ChangeObject(ctx context.Context, kind, id string, fn func(*store.Object) (*store.Object, error)) (*store.Object, error) {
	var out *store.Object
	err := s.withTx(ctx, func(tx *sql.Tx) error {
		cur, err := scanObject(tx.QueryRowContext(ctx, `SELECT `+objectCols+` FROM objects WHERE kind = ? AND id = ?`, kind, id))
		if errors.Is(err, sql.ErrNoRows) {
			cur, err = nil, nil
		}
		if err != nil {
			return err
		}
		out = cur
		next, err := fn(cur)
		if err != nil {
			return err
		}
		if next == nil {
			out = nil
			_, err := tx.ExecContext(ctx, `DELETE FROM objects WHERE kind = ? AND id = ?`, kind, id)
			return err
		}
		o := *next
		o.Kind, o.ID = kind, id
		if o.Deleted {
			o.Key = ""
		}
		if o.Key != "" {
			var other string
			err := tx.QueryRowContext(ctx, keyTakenSQL, kind, o.Key, id).Scan(&other)
			if err == nil {
				return &store.KeyTakenError{Kind: kind, Key: o.Key}
			}
			if !errors.Is(err, sql.ErrNoRows) {
				return err
			}
		}
		now := time.Now().UTC().Truncate(time.Microsecond)
		if o.CreatedAt.IsZero() {
			o.CreatedAt = now
			if cur != nil {
				o.CreatedAt = cur.CreatedAt
			}
		}
		o.UpdatedAt = now
		if len(o.Data) == 0 {
			o.Data = []byte("{}")
		}
		deleted := 0
		if o.Deleted {
			deleted = 1
		}
		q := `INSERT INTO objects (` + objectCols + `) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)`
		if cur != nil {
			q = `UPDATE objects SET key = ?3, data = ?4, deleted = ?5, created_at = ?6, updated_at = ?7 WHERE kind = ?1 AND id = ?2`
		}
		_, err = tx.ExecContext(ctx, q, o.Kind, o.ID, o.Key, string(o.Data), deleted, tm(o.CreatedAt), tm(o.UpdatedAt))
		out = &o
		return err
	})
	if errors.Is(err, store.ErrNoChange) {
		return out, nil
	}
	if err != nil {
		return nil, err
	}
	return out, nil
}
