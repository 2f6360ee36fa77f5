// Package proccpu reads CPU time from /proc for the benchmarks (Linux;
// zero elsewhere): on 2 cores the PostgreSQL server, the workers and the
// receiver share the machine, so CPU per delivery is a steadier figure
// than the rate.
package proccpu

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

const clockTick = 10 * time.Millisecond // USER_HZ = 100 on Linux

// Process is a process's user+system CPU from /proc/PID/stat, with its
// reaped children's when children is set.
func Process(pid string, children bool) (self time.Duration, ppid string) {
	b, err := os.ReadFile("/proc/" + pid + "/stat")
	if err != nil {
		return 0, ""
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0, ""
	}
	f := strings.Fields(s[i+1:]) // f[0] = state, f[1] = ppid, f[11..14] = utime stime cutime cstime
	if len(f) < 15 {
		return 0, ""
	}
	n := 2
	if children {
		n = 4
	}
	var ticks int64
	for _, v := range f[11 : 11+n] {
		t, _ := strconv.ParseInt(v, 10, 64)
		ticks += t
	}
	return time.Duration(ticks) * clockTick, f[1]
}

// PostgresServer is the CPU used so far by the PostgreSQL server of .ci/pg.sh
// ($PG_TEST_DIR): the postmaster, its live children and the children it
// reaped (backends of connections closed). 0 when unknown.
func PostgresServer() time.Duration {
	dir := os.Getenv("PG_TEST_DIR")
	if dir == "" {
		return 0
	}
	b, err := os.ReadFile(filepath.Join(dir, "data", "postmaster.pid"))
	if err != nil {
		return 0
	}
	pm := strings.TrimSpace(strings.SplitN(string(b), "\n", 2)[0])
	total, _ := Process(pm, true)
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		if e.Name()[0] < '0' || e.Name()[0] > '9' || e.Name() == pm {
			continue
		}
		if t, ppid := Process(e.Name(), false); ppid == pm {
			total += t
		}
	}
	return total
}
