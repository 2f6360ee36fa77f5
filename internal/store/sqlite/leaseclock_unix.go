//go:build unix

package sqlite

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

const lockSupported = true

// ownerLock is a held owner lock: its open file (the lock lives as long
// as the descriptor, so a killed process's lock is free at once).
type ownerLock struct {
	f    *os.File
	path string
}

// lockPerms are the modes and owner of a store's lock directory and
// files, from the store file's: the users who may write the store (its
// owner, and its group or others when the file lets them write it) must
// all be able to create their lock file and probe the others', or their
// leases silently fell back to the wall clock.
type lockPerms struct {
	dirMode, fileMode os.FileMode
	uid, gid          int // the store file's owner; -1: unknown
}

func storeLockPerms(storePath string) lockPerms {
	p := lockPerms{dirMode: 0o700, fileMode: 0o600, uid: -1, gid: -1}
	fi, err := os.Stat(storePath)
	if err != nil {
		return p
	}
	if m := fi.Mode().Perm(); m&0o020 != 0 {
		p.dirMode, p.fileMode = p.dirMode|0o070, p.fileMode|0o040
	}
	if m := fi.Mode().Perm(); m&0o002 != 0 {
		p.dirMode, p.fileMode = p.dirMode|0o007, p.fileMode|0o004
	}
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		p.uid, p.gid = int(st.Uid), int(st.Gid)
	}
	return p
}

// fixLockDir gives the lock directory the store's owner and modes where
// this user may: root's (`sudo hookctl worker` on another user's store)
// is given to the store's owner, as root's -wal and journal/ are; one of
// this user's gets the modes the store's sharing needs. What it cannot
// fix, the lock file's creation finds (lockDirProblem says why).
func fixLockDir(dir string, p lockPerms) {
	fi, err := os.Lstat(dir)
	if err != nil || !fi.IsDir() {
		return
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return
	}
	euid := os.Geteuid()
	groupGap := p.dirMode&0o070 != 0 && p.gid >= 0 && int(st.Gid) != p.gid
	if euid == 0 && p.uid > 0 && (st.Uid == 0 || (int(st.Uid) == p.uid && groupGap)) {
		if os.Lchown(dir, p.uid, p.gid) == nil {
			st.Uid, st.Gid = uint32(p.uid), uint32(p.gid)
		}
	} else if groupGap && int(st.Uid) == euid {
		os.Lchown(dir, -1, p.gid) // a member of the store's group: its group too
	}
	if (euid == 0 || int(st.Uid) == euid) && fi.Mode().Perm() != p.dirMode {
		os.Chmod(dir, p.dirMode)
	}
}

// lockDirProblem says why no lock file could be made in dir (err), for
// the warning: the directory's owner and mode when they are the cause.
func lockDirProblem(dir string, p lockPerms, err error) *LockProblem {
	lp := &LockProblem{Dir: dir, Err: err}
	fi, serr := os.Lstat(dir)
	if serr != nil {
		return lp
	}
	if !fi.IsDir() {
		lp.Hint = "remove " + dir + " (it should be a directory hookctl makes)"
		return lp
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return lp
	}
	lp.Owner, lp.Mode = userName(int(st.Uid)), fi.Mode().Perm()
	switch {
	case int(st.Uid) != os.Geteuid() && int(st.Uid) != p.uid:
		// Root's, left by an older `sudo hookctl`, or a third user's.
		owner := "yourself"
		if p.uid >= 0 {
			owner = userName(p.uid)
		}
		lp.Hint = fmt.Sprintf("sudo chown -R %s %s (it is the store's lock directory), or remove it while no hookctl uses the store", owner, dir)
	case int(st.Uid) != os.Geteuid():
		lp.Hint = fmt.Sprintf("run 'chmod %04o %s' as %s (the store's owner), or any hookctl command that takes leases (worker, trigger, replay) as them: it sets that mode", p.dirMode, dir, lp.Owner)
	default:
		lp.Hint = fmt.Sprintf("check %s is a directory you may write", dir)
	}
	return lp
}

// userName is uid's login name, else its number.
func userName(uid int) string {
	if u, err := user.LookupId(strconv.Itoa(uid)); err == nil {
		return u.Username
	}
	return strconv.Itoa(uid)
}

// takeOwnerLock creates dir/name locked: it is created and locked under a
// temporary name, then renamed, so that no process ever sees it unlocked
// (a claimer would take its owner for dead). nil and why when it cannot
// be done (a directory another user made…): the owner's leases then keep
// the wall-clock rule.
func takeOwnerLock(dir, name string, p lockPerms) (*ownerLock, *LockProblem) {
	for try := 0; try < 3; try++ {
		// Another process's close may remove the directory when it
		// looks empty: created again, and tried again.
		if err := os.Mkdir(dir, p.dirMode); err != nil && !errors.Is(err, fs.ErrExist) {
			return nil, lockDirProblem(dir, p, err)
		}
		fixLockDir(dir, p)
		path := filepath.Join(dir, name)
		f, err := createLocked(path, p.fileMode, nil, func(f *os.File) {
			// The umask may have taken the group's read; root's file is
			// the store owner's, or they could not probe it.
			f.Chmod(p.fileMode)
			if os.Geteuid() == 0 && p.uid > 0 {
				f.Chown(p.uid, p.gid)
			}
		})
		if err == nil {
			return &ownerLock{f: f, path: path}, nil
		}
		var fe *flockError
		if errors.As(err, &fe) {
			return nil, &LockProblem{Dir: dir, Err: fe.err}
		}
		if !errors.Is(err, os.ErrNotExist) {
			return nil, lockDirProblem(dir, p, err)
		}
	}
	return nil, nil
}

// flockError is a flock that failed (createLocked).
type flockError struct{ err error }

func (e *flockError) Error() string { return "flock: " + e.err.Error() }

// createLocked creates path holding data, with an exclusive flock held
// until the returned file is closed (or the process dies), so that no
// process ever sees it unlocked: it is created and locked under a
// temporary name beside it, then renamed over path. fix (nil: none)
// gives the new file its modes and owner before it is locked. The
// owner locks of leases and the marker of a store's upgrade are made so.
func createLocked(path string, mode os.FileMode, data []byte, fix func(*os.File)) (*os.File, error) {
	b := make([]byte, 8)
	rand.Read(b)
	tmp := filepath.Join(filepath.Dir(path), ".tmp-"+hex.EncodeToString(b))
	f, err := os.OpenFile(tmp, os.O_RDWR|os.O_CREATE|os.O_EXCL, mode)
	if err != nil {
		return nil, err
	}
	if fix != nil {
		fix(f)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		os.Remove(tmp)
		return nil, &flockError{err}
	}
	if len(data) > 0 {
		if _, err := f.Write(data); err != nil {
			f.Close()
			os.Remove(tmp)
			return nil, err
		}
	}
	if err := os.Rename(tmp, path); err != nil {
		f.Close()
		os.Remove(tmp)
		return nil, err
	}
	return f, nil
}

// release removes the file, then lets the lock go.
func (o *ownerLock) release() {
	if o == nil {
		return
	}
	os.Remove(o.path)
	o.f.Close()
}

// beat sets the lock file's modification time to now: the owner's
// heartbeat ran (leaseLocks.beat). It needs no room on the disk.
func (o *ownerLock) beat() {
	if o == nil {
		return
	}
	now := time.Now()
	os.Chtimes(o.path, now, now)
}

// probeOwnerLock tells whether the lock file at path is held (a shared
// probe: probers do not exclude one another).
func probeOwnerLock(path string) ownerState {
	st, _ := probeOwnerBeat(path)
	return st
}

// probeOwnerBeat is probeOwnerLock and the lock file's modification time
// (UnixNano; 0 when unknown): it changes at each of a live owner's
// heartbeats (ownerLock.beat).
func probeOwnerBeat(path string) (ownerState, int64) {
	f, err := os.Open(path)
	if err != nil {
		return ownerUnknown, 0
	}
	defer f.Close()
	err = syscall.Flock(int(f.Fd()), syscall.LOCK_SH|syscall.LOCK_NB)
	if err == nil {
		return ownerDead, 0 // closing f lets it go
	}
	if errors.Is(err, syscall.EWOULDBLOCK) || errors.Is(err, syscall.EAGAIN) {
		var beat int64
		if fi, err := f.Stat(); err == nil {
			beat = fi.ModTime().UnixNano()
		}
		return ownerLive, beat
	}
	return ownerUnknown, 0
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
