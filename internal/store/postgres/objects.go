package postgres

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/hookctl/hookctl/internal/store"
)

const objectCols = `kind, id, key, data, deleted, created_at, updated_at`

func scanObject(row pgx.Row) (*store.Object, error) {
	var (
		o                store.Object
		data             string
		created, updated *time.Time
	)
	if err := row.Scan(&o.Kind, &o.ID, &o.Key, &data, &o.Deleted, &created, &updated); err != nil {
		return nil, err
	}
	o.Data = []byte(data)
	o.CreatedAt, o.UpdatedAt = fromTs(created), fromTs(updated)
	return &o, nil
}

// GetObject implements store.ObjectStore.
func (db *DB) GetObject(ctx context.Context, kind, idOrKey string) (*store.Object, error) {
	o, err := scanObject(db.pool.QueryRow(ctx, `SELECT `+objectCols+` FROM objects WHERE kind = $1 AND id = $2`, pt(kind), pt(idOrKey)))
	if errors.Is(err, pgx.ErrNoRows) && idOrKey != "" {
		o, err = scanObject(db.pool.QueryRow(ctx, `SELECT `+objectCols+` FROM objects WHERE kind = $1 AND key = $2 AND key <> ''`, pt(kind), pt(idOrKey)))
	}
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, &store.NotFoundError{Kind: kind, ID: idOrKey}
	}
	return o, db.wrap("get object", err)
}

// ListObjects implements store.ObjectStore.
func (db *DB) ListObjects(ctx context.Context, kind string) ([]*store.Object, error) {
	rows, err := db.pool.Query(ctx, `SELECT `+objectCols+` FROM objects WHERE kind = $1 ORDER BY created_at, id`, pt(kind))
	if err != nil {
		return nil, db.wrap("list objects", err)
	}
	defer rows.Close()
	out := []*store.Object{}
	for rows.Next() {
		o, err := scanObject(rows)
		if err != nil {
			return nil, db.wrap("list objects", err)
		}
		out = append(out, o)
	}
	return out, db.wrap("list objects", rows.Err())
}

// ChangeObject implements store.ObjectStore: the row is read with SELECT
// … FOR UPDATE (an object not there yet: the insert's unique key makes
// a concurrent creator wait, then fail and try again), so a concurrent
// change in any process waits for this one and then sees it.
func (db *DB) ChangeObject(ctx context.Context, kind, id string, fn func(*store.Object) (*store.Object, error)) (*store.Object, error) {
	for try := 0; ; try++ {
		out, key, fnErr, err := db.changeObject(ctx, kind, id, fn)
		if errors.Is(fnErr, store.ErrNoChange) {
			return out, nil
		}
		if fnErr != nil {
			return nil, fnErr // fn's own error, or the key taken
		}
		var pgErr *pgconn.PgError
		if errors.As(err, &pgErr) && pgErr.Code == "23505" {
			if pgErr.ConstraintName == "objects_key" {
				// Taken by a concurrent change since the check.
				return nil, &store.KeyTakenError{Kind: kind, Key: key}
			}
			if try < 3 {
				continue // created meanwhile: read it and call fn again
			}
		}
		if err != nil {
			return nil, db.wrap("change object", err)
		}
		return out, nil
	}
}

// changeObject is one try of ChangeObject; key is the key it wrote.
func (db *DB) changeObject(ctx context.Context, kind, id string, fn func(*store.Object) (*store.Object, error)) (out *store.Object, key string, fnErr, err error) {
	err = pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
		cur, err := scanObject(tx.QueryRow(ctx, `SELECT `+objectCols+` FROM objects WHERE kind = $1 AND id = $2 FOR UPDATE`, pt(kind), pt(id)))
		if errors.Is(err, pgx.ErrNoRows) {
			cur, err = nil, nil
		}
		if err != nil {
			return err
		}
		out = cur
		next, err := fn(cur)
		if err != nil {
			fnErr = err
			return err
		}
		if next == nil {
			out = nil
			_, err := tx.Exec(ctx, `DELETE FROM objects WHERE kind = $1 AND id = $2`, pt(kind), pt(id))
			return err
		}
		o := *next
		o.Kind, o.ID = kind, id
		if o.Deleted {
			o.Key = ""
		}
		key = o.Key
		if o.Key != "" {
			var n int
			if err := tx.QueryRow(ctx, `SELECT count(*) FROM objects WHERE kind = $1 AND key = $2 AND key <> '' AND id <> $3`, pt(kind), pt(o.Key), pt(id)).Scan(&n); err != nil {
				return err
			}
			if n > 0 {
				fnErr = &store.KeyTakenError{Kind: kind, Key: o.Key}
				return fnErr
			}
		}
		n := now()
		if o.CreatedAt.IsZero() {
			o.CreatedAt = n
			if cur != nil {
				o.CreatedAt = cur.CreatedAt
			}
		}
		o.UpdatedAt = n
		if len(o.Data) == 0 {
			o.Data = []byte("{}")
		}
		// A plain INSERT when there was none: a concurrent creator's
		// commit makes it fail (the primary key), and the next try sees
		// that object.
		q := `INSERT INTO objects (` + objectCols + `) VALUES ($1, $2, $3, $4, $5, $6, $7)`
		if cur != nil {
			q = `UPDATE objects SET key = $3, data = $4, deleted = $5, created_at = $6, updated_at = $7 WHERE kind = $1 AND id = $2`
		}
		_, err = tx.Exec(ctx, q, pt(o.Kind), pt(o.ID), pt(o.Key), pt(string(o.Data)), o.Deleted, ts(o.CreatedAt), ts(o.UpdatedAt))
		out = &o
		return err
	})
	return out, key, fnErr, err
}
