//go:build unix

package sqlite

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
)

const lockSupported = true

// ownerLock is a held owner lock: its open file (the lock lives as long
// as the descriptor, so a killed process's lock is free at once).
type ownerLock struct {
	f    *os.File
	path string
}

// takeOwnerLock creates dir/name locked: it is created and locked under a
// temporary name, then renamed, so that no process ever sees it unlocked
// (a claimer would take its owner for dead). nil when it cannot be done
// (a read-only directory…): the owner's leases then keep the wall-clock
// rule.
func takeOwnerLock(dir, name string) *ownerLock {
	for try := 0; try < 3; try++ {
		// Another process's close may remove the directory when it
		// looks empty: created again, and tried again.
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil
		}
		b := make([]byte, 8)
		rand.Read(b)
		tmp := filepath.Join(dir, ".tmp-"+hex.EncodeToString(b))
		f, err := os.OpenFile(tmp, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil
		}
		if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
			f.Close()
			os.Remove(tmp)
			return nil
		}
		path := filepath.Join(dir, name)
		err = os.Rename(tmp, path)
		if err == nil {
			return &ownerLock{f: f, path: path}
		}
		f.Close()
		os.Remove(tmp)
		if !errors.Is(err, os.ErrNotExist) {
			return nil
		}
	}
	return nil
}

// release removes the file, then lets the lock go.
func (o *ownerLock) release() {
	if o == nil {
		return
	}
	os.Remove(o.path)
	o.f.Close()
}

// probeOwnerLock tells whether the lock file at path is held (a shared
// probe: probers do not exclude one another).
func probeOwnerLock(path string) ownerState {
	f, err := os.Open(path)
	if err != nil {
		return ownerUnknown
	}
	defer f.Close()
	err = syscall.Flock(int(f.Fd()), syscall.LOCK_SH|syscall.LOCK_NB)
	if err == nil {
		return ownerDead // closing f lets it go
	}
	if errors.Is(err, syscall.EWOULDBLOCK) || errors.Is(err, syscall.EAGAIN) {
		return ownerLive
	}
	return ownerUnknown
}

// removeDeadLock removes a dead owner's lock file: under an exclusive
// lock, so a file another prober just found free is not removed twice
// for nothing; owners never re-create a removed file (owner ids are
// unique), so no live lock is lost.
func removeDeadLock(path string) {
	f, err := os.Open(path)
	if err != nil {
		return
	}
	defer f.Close()
	if syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB) == nil {
		os.Remove(path)
	}
}

// readLockDir lists the owner lock files (not the temporary ones).
func readLockDir(dir string) ([]string, error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	names := make([]string, 0, len(ents))
	for _, e := range ents {
		if !strings.HasPrefix(e.Name(), ".") && !e.IsDir() {
			names = append(names, e.Name())
		}
	}
	return names, nil
}

// removeEmptyDir removes dir when nothing is left in it.
func removeEmptyDir(dir string) { os.Remove(dir) }
