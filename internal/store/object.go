package store

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Object is a record a provider API of `hookctl serve` keeps besides its
// subscriptions and events: a Svix application, a declared Svix event
// type. Its data is the provider's own JSON, which the store keeps as
// given and never reads. Kind names the provider and the resource
// ("svix.app"); ID is unique within the kind, and so is Key when set (a
// second name the API also finds it by: an application's uid).
type Object struct {
	Kind string
	ID   string
	Key  string // "" none
	Data []byte
	// Deleted marks a tombstone: the object was deleted, and what else
	// the store holds of it (a Svix application's messages) must not
	// bring it back. A tombstone has no Key.
	Deleted   bool
	CreatedAt time.Time // set by the store when zero
	UpdatedAt time.Time // set by the store on every write
}

// ErrKeyTaken: another live object of the kind has that Key.
var ErrKeyTaken = errors.New("key taken")

// KeyTakenError names the key an object could not take.
type KeyTakenError struct {
	Kind, Key string
}

func (e *KeyTakenError) Error() string {
	return fmt.Sprintf("another %s has the key %q", e.Kind, e.Key)
}
func (e *KeyTakenError) Is(t error) bool { return t == ErrKeyTaken }

// ObjectStore keeps Objects (both backends implement it).
type ObjectStore interface {
	// GetObject finds the object of kind with that ID (a tombstone
	// too), else the live one with that Key; an error matching
	// ErrNotFound when neither exists.
	GetObject(ctx context.Context, kind, idOrKey string) (*Object, error)
	// ListObjects lists every object of kind, tombstones too, oldest
	// first (CreatedAt, then ID).
	ListObjects(ctx context.Context, kind string) ([]*Object, error)
	// ChangeObject reads the object of kind with that ID (nil when there
	// is none), calls fn with it, and writes what fn returns in the same
	// write transaction: a concurrent ChangeObject of the same object,
	// in any process, waits and then sees this change. fn returning nil
	// deletes the object; ErrNoChange writes nothing (the current object
	// is returned); another error is returned as is. A Key another live
	// object of the kind has is a *KeyTakenError, nothing written.
	ChangeObject(ctx context.Context, kind, id string, fn func(cur *Object) (*Object, error)) (*Object, error)
}

// ImportForm is the object an import writes for o (a record of `hookctl
// store export`): as given, but for what a store always has: a tombstone
// has no Key, empty Data is {}, a zero CreatedAt is now and a zero
// UpdatedAt is CreatedAt. ok is false when o has no Kind or ID.
func ImportForm(o *Object, now time.Time) (out Object, ok bool) {
	out = *o
	if out.Kind == "" || out.ID == "" {
		return out, false
	}
	if out.Deleted {
		out.Key = ""
	}
	if len(out.Data) == 0 {
		out.Data = []byte("{}")
	}
	if out.CreatedAt.IsZero() {
		out.CreatedAt = now.UTC().Truncate(time.Microsecond)
	}
	if out.UpdatedAt.IsZero() {
		out.UpdatedAt = out.CreatedAt
	}
	return out, true
}
