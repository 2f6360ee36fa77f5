//go:build unix

package serve

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/app"
	"github.com/hookctl/hookctl/internal/cli"
	"github.com/hookctl/hookctl/internal/store"
	"github.com/hookctl/hookctl/internal/ui"
)

func TestFlags(t *testing.T) {
	for _, tc := range []struct {
		name    string
		args    []string
		wantErr string
		check   func(*testing.T, *Options)
	}{
		{name: "defaults", check: func(t *testing.T, o *Options) {
			if o.Port != 8788 || o.Host != "127.0.0.1" || o.NoWorker || o.AllowReset || o.APIKey != "" || len(o.schedule) != 5 {
				t.Errorf("%+v", o)
			}
		}},
		{name: "all", args: []string{"--port", "0", "--host", "::1", "--api-key", "k", "--no-worker", "--allow-reset", "--retry-schedule", "0s,1s", "-c", "4"},
			check: func(t *testing.T, o *Options) {
				if o.Port != 0 || o.Host != "::1" || !o.NoWorker || !o.AllowReset || o.APIKey != "k" || len(o.schedule) != 2 || o.Concurrency != 4 {
					t.Errorf("%+v", o)
				}
			}},
		{name: "public host with key", args: []string{"--host", "0.0.0.0", "--api-key", "k"}, check: func(t *testing.T, o *Options) {}},
		{name: "localhost", args: []string{"--host", "localhost"}, check: func(t *testing.T, o *Options) {}},
		// An IPv6 address written as in a URL is that address: loopback.
		{name: "bracketed loopback", args: []string{"--host", "[::1]"}, check: func(t *testing.T, o *Options) {
			if o.Host != "::1" {
				t.Errorf("host %q, want ::1", o.Host)
			}
		}},
		{name: "empty host", args: []string{"--host", ""}, wantErr: "--host is empty"},
		{name: "public host without key", args: []string{"--host", "0.0.0.0"}, wantErr: "requires --api-key"},
		{name: "bad port", args: []string{"--port", "-1"}, wantErr: "invalid --port -1"},
		{name: "bad concurrency", args: []string{"-c", "0"}, wantErr: "--concurrency"},
		{name: "bad schedule", args: []string{"--retry-schedule", "x"}, wantErr: "x"},
		{name: "arguments", args: []string{"extra"}, wantErr: "unknown command"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ios, _, _, _ := ui.Test()
			var got *Options
			c := newCmd(&cli.Factory{IOStreams: ios}, func(o *Options) error { got = o; return nil })
			c.SetArgs(tc.args)
			c.SetOut(ios.ErrOut)
			c.SetErr(ios.ErrOut)
			err := c.Execute()
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want %q", err, tc.wantErr)
				}
				var ee *cli.ExitError
				if errors.As(err, &ee) && ee.Code != cli.ExitUsage {
					t.Errorf("exit %d, want 2", ee.Code)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			tc.check(t, got)
		})
	}
}

// syncBuf is a buffer safe to read while run writes to it.
type syncBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuf) Write(p []byte) (int, error) { s.mu.Lock(); defer s.mu.Unlock(); return s.b.Write(p) }
func (s *syncBuf) String() string              { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

// SIGHUP (a closed terminal) stops the server cleanly, like Ctrl-C.
func TestReadyLineAndSIGHUP(t *testing.T) {
	ios, _, _, _ := ui.Test()
	out, errOut := &syncBuf{}, &syncBuf{}
	ios.Out, ios.ErrOut = out, errOut
	ios.SetFormat(ui.FormatJSON)
	dsn := filepath.Join(t.TempDir(), "db.sqlite")
	f := &cli.Factory{IOStreams: ios, Version: "test", OpenStore: func(ctx context.Context, _ string) (store.Store, error) { return app.OpenStore(ctx, dsn) }}
	defer f.Close()
	opts := &Options{Factory: f, IO: ios, Host: "127.0.0.1", Port: 0, Timeout: time.Second, Concurrency: 2}
	done := make(chan error, 1)
	go func() { done <- run(context.Background(), opts) }()
	var ready struct {
		Kind string
		URL  string
		APIs []string
	}
	for i := 0; ; i++ {
		if line := out.String(); strings.HasSuffix(line, "\n") {
			if err := json.Unmarshal([]byte(line), &ready); err != nil {
				t.Fatalf("ready line %q: %v", line, err)
			}
			break
		}
		if i > 500 {
			t.Fatal("no ready line")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if ready.Kind != "ready" || !strings.HasPrefix(ready.URL, "http://127.0.0.1:") || strings.Join(ready.APIs, ",") != "bond,stripe,svix,mambu,hookctl" {
		t.Fatalf("ready: %+v", ready)
	}
	resp, err := http.Get(ready.URL + "/_hookctl/health")
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("health: %v", err)
	}
	resp.Body.Close()
	if err := syscall.Kill(syscall.Getpid(), syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("SIGHUP did not stop the server")
	}
	if !strings.Contains(errOut.String(), "Stopped after ") {
		t.Fatalf("stderr: %s", errOut.String())
	}
	if _, err := http.Get(ready.URL + "/_hookctl/health"); err == nil {
		t.Fatal("still serving after SIGHUP")
	}
}
