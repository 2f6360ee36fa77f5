//go:build !unix

package sqlite

import (
	"errors"
	"os"
)

// No owner locks here (no flock): every owner is unknown, and leases keep
// the wall-clock rule they always had.
const lockSupported = false

type ownerLock struct{}

type lockPerms struct{}

func storeLockPerms(string) lockPerms                                        { return lockPerms{} }
func takeOwnerLock(dir, name string, p lockPerms) (*ownerLock, *LockProblem) { return nil, nil }
func (o *ownerLock) release()                                                {}
func probeOwnerLock(path string) ownerState                                  { return ownerUnknown }
func probeOwnerBeat(path string) (ownerState, int64)                         { return ownerUnknown, 0 }
func (o *ownerLock) beat()                                                   {}
func removeDeadLock(path string)                                             {}
func readLockDir(dir string) ([]string, error)                               { return nil, nil }
func removeEmptyDir(dir string)                                              {}

// createLocked: no flock here.
func createLocked(string, os.FileMode, []byte, func(*os.File)) (*os.File, error) {
	return nil, errors.ErrUnsupported
}
