// Package freeport picks TCP ports for tests that bind them later (a
// fixed --port, a receiver that is down and then up). A port from :0 is
// handed out again to the next :0 listener or outgoing connection of any
// test running meanwhile (CI saw one script's receiver get the port
// another script had picked, and that script's listen fail with "the
// port is in use"), so these come from below the kernel's ephemeral
// range, which only explicit binds use.
package freeport

import (
	"math/rand/v2"
	"net"
	"os"
	"strconv"
	"strings"
)

// from is the lowest port picked.
const from = 10000

// Pick returns a port free on 127.0.0.1 now, below the ephemeral range
// when it can (else one from :0).
func Pick() (string, error) {
	lo := ephemeralStart()
	for range 100 {
		if lo <= from {
			break
		}
		port := strconv.Itoa(from + rand.IntN(lo-from))
		if ln, err := net.Listen("tcp", "127.0.0.1:"+port); err == nil {
			ln.Close()
			return port, nil
		}
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return strconv.Itoa(ln.Addr().(*net.TCPAddr).Port), nil
}

// ephemeralStart is the first port of the kernel's ephemeral range
// (Linux's setting; elsewhere the IANA range, 49152).
func ephemeralStart() int {
	b, err := os.ReadFile("/proc/sys/net/ipv4/ip_local_port_range")
	if err != nil {
		return 49152
	}
	if f := strings.Fields(string(b)); len(f) == 2 {
		if n, err := strconv.Atoi(f[0]); err == nil {
			return n
		}
	}
	return 32768
}

// TB is the part of testing.TB that Must uses.
type TB interface {
	Helper()
	Fatal(args ...any)
}

// Must is Pick for a test: it fails the test if no port can be had.
func Must(t TB) string {
	t.Helper()
	port, err := Pick()
	if err != nil {
		t.Fatal(err)
	}
	return port
}
