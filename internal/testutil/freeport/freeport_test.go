package freeport

import (
	"net"
	"strconv"
	"testing"
)

// A picked port is free, and below the ephemeral range.
func TestPick(t *testing.T) {
	for range 20 {
		port := Must(t)
		n, _ := strconv.Atoi(port)
		if lo := ephemeralStart(); lo > from && (n < from || n >= lo) {
			t.Fatalf("port %d, want one in [%d, %d)", n, from, lo)
		}
		ln, err := net.Listen("tcp", "127.0.0.1:"+port)
		if err != nil {
			t.Fatalf("picked port %s cannot be bound: %v", port, err)
		}
		ln.Close()
	}
}
