//go:build unix

package ui_test

import (
	"context"
	"net"
	"strings"
	"testing"
)

// A second `hookctl ui` (over another store, say) finds the port taken
// and moves on to the next: it says so on stderr. It moved silently, and
// the tab or bookmark at the first port showed the other inspector's
// store as if it were this one's. The first port's own ui says nothing.
func TestHuntwebUISaysItsPortWasTaken(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	url, _, errOut := startUI(t, ctx, "--addr", busy.Addr().String())
	if want := busy.Addr().String() + " is taken (another inspector, perhaps over another store): this one is at " + url; !strings.Contains(errOut.String(), want) {
		t.Errorf("stderr %q does not say %q", errOut.String(), want)
	}
	ctx2, cancel2 := context.WithCancel(context.Background())
	defer cancel2()
	_, _, errOut2 := startUI(t, ctx2, "--addr", "127.0.0.1:0")
	if strings.Contains(errOut2.String(), "is taken") {
		t.Errorf("a ui on a port of its own said %q", errOut2.String())
	}
}
