//go:build unix

package sqlite

import (
	"errors"
	"io/fs"
	"os"
	"syscall"
)

// openTurnFile opens the turnstile file path of the store at storePath:
// made, when missing, by the store's owner (or root, for them) with the
// store file's modes, as SQLite makes its -wal and -shm; used only when
// it is the store owner's, a regular file and not a link. nil otherwise:
// writers then poll SQLite's lock alone.
func openTurnFile(storePath, path string) *os.File {
	sfi, err := os.Stat(storePath)
	if err != nil {
		return nil
	}
	sst, ok := sfi.Sys().(*syscall.Stat_t)
	if !ok {
		return nil
	}
	mode := sfi.Mode().Perm()&0o666 | 0o600
	// O_NONBLOCK: a FIFO planted at the name does not hang the open.
	flags := os.O_RDWR | syscall.O_NOFOLLOW | syscall.O_NONBLOCK | syscall.O_CLOEXEC
	euid := os.Geteuid()
	var f *os.File
	if euid == int(sst.Uid) || euid == 0 {
		f, err = os.OpenFile(path, flags|os.O_CREATE|os.O_EXCL, mode)
		if err == nil {
			// The umask may have taken the group's bits; root's file is
			// the store owner's.
			f.Chmod(mode)
			if euid == 0 && sst.Uid != 0 {
				f.Chown(int(sst.Uid), int(sst.Gid))
			}
		}
	}
	if f == nil {
		if f, err = os.OpenFile(path, flags, 0); errors.Is(err, fs.ErrPermission) {
			// Beats need write access: without it this process waits its
			// turn and takes it all the same, but its waits do not beat.
			f, err = os.OpenFile(path, os.O_RDONLY|syscall.O_NOFOLLOW|syscall.O_NONBLOCK|syscall.O_CLOEXEC, 0)
		}
		if err != nil {
			return nil
		}
	}
	fi, err := f.Stat()
	st, ok := fi.Sys().(*syscall.Stat_t)
	if err != nil || !ok || !fi.Mode().IsRegular() || st.Uid != sst.Uid {
		f.Close()
		return nil
	}
	return f
}

// tryTurn takes the turnstile's lock if it is free.
func tryTurn(f *os.File) bool {
	for {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if !errors.Is(err, syscall.EINTR) {
			return err == nil
		}
	}
}

func untryTurn(f *os.File) { syscall.Flock(int(f.Fd()), syscall.LOCK_UN) }

// turnBeat is the turnstile's last beat (its modification time).
func turnBeat(f *os.File) int64 {
	fi, err := f.Stat()
	if err != nil {
		return 0
	}
	return fi.ModTime().UnixNano()
}

// beatTurn sets the file's modification time to now by writing its one
// byte: that needs only write access, not ownership (a member of the
// store's group), nor a timestamp call every system has.
func beatTurn(f *os.File) { f.WriteAt([]byte{0}, 0) }
