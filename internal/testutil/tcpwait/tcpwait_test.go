//go:build linux

package tcpwait

import (
	"io"
	"net"
	"syscall"
	"testing"
	"time"
)

// Once Acked returns, the peer's socket holds the bytes, and then the FIN:
// a read that never waits finds them.
func TestAcked(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	s, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	rc, err := s.(*net.TCPConn).SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	readNow := func() (string, error) {
		b := make([]byte, 64)
		var n int
		var rerr error
		rc.Read(func(fd uintptr) bool {
			n, _, rerr = syscall.Recvfrom(int(fd), b, syscall.MSG_DONTWAIT)
			return true
		})
		if rerr != nil {
			return "", rerr
		}
		if n == 0 {
			return "", io.EOF
		}
		return string(b[:n]), nil
	}
	for range 5 {
		io.WriteString(c, "hello")
		if err := Acked(c, 10*time.Second); err != nil {
			t.Fatal(err)
		}
		if got, err := readNow(); got != "hello" || err != nil {
			t.Fatalf("read %q, %v; want hello", got, err)
		}
	}
	c.(*net.TCPConn).CloseWrite()
	if err := Acked(c, 10*time.Second); err != nil {
		t.Fatal(err)
	}
	if got, err := readNow(); err != io.EOF {
		t.Fatalf("read %q, %v; want the end", got, err)
	}
}
