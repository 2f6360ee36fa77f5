package listen

import (
	"os"
	"sync/atomic"
	"syscall"
	"time"
)

// fdatasync makes the journal's appended bytes (and its size) durable.
func fdatasync(f *os.File) error { return syscall.Fdatasync(int(f.Fd())) }

// rawSyncMax: a group commit's flush that took longer than this makes the
// next one an ordinary system call again.
var rawSyncMax = time.Millisecond

// groupSync is the group commit's fdatasync. While the disk answers fast
// (the previous flush took under rawSyncMax; ~175 µs on the benchmark
// machine), it is made without telling the Go scheduler (RawSyscall): the
// goroutine keeps its P for those microseconds instead of the scheduler
// handing the P to another thread and parking this one afterwards — two
// thread wake-ups per flush, which cost listen ~10 µs of CPU per request
// under load (bench/README.md, "Listen, fifth pass"). A slow flush (a busy
// or spinning disk) switches back to the ordinary call, so a P — and a
// garbage collection waiting for every P — is never held for long; each
// flush is timed, so the fast path resumes when the disk does.
func groupSync(f *os.File, quick *atomic.Bool) error {
	fd := f.Fd()
	start := time.Now()
	var err error
	if quick.Load() {
		for {
			_, _, e := syscall.RawSyscall(syscall.SYS_FDATASYNC, fd, 0, 0)
			if e == syscall.EINTR {
				continue
			}
			if e != 0 {
				err = e
			}
			break
		}
	} else {
		err = syscall.Fdatasync(int(fd))
	}
	quick.Store(err == nil && time.Since(start) < rawSyncMax)
	return err
}
