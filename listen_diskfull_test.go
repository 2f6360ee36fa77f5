package main

import (
	"bytes"
	"cmp"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/signature"
)

// TestListenDiskFull: listen runs with a file-size limit (RLIMIT_FSIZE,
// `ulimit -f`), so its journal cannot grow past its first preallocated
// chunk: the disk is full for it. Senders must then get 503 with
// Retry-After (never a 2xx for an event it could not make durable), and
// every event it did answer 2xx is in the store afterwards.
func TestListenDiskFull(t *testing.T) {
	slowFaultTest(t, "listen on a file system filling up (~10 s)")
	c := newCrashEnv(t)
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.Write([]byte("ok"))
	}))
	defer app.Close()
	// 6 MiB: the journal's first 4 MiB chunk fits, the next one does not.
	cmd := c.cmd("bash", "-c", "ulimit -f 6144 && exec hookctl listen --port 0 --forward "+app.URL+" -o json")
	ready, stderr, done := startJSONListen(t, cmd)
	defer cmd.Process.Kill()

	sc, _ := signature.Lookup("standard")
	client := &http.Client{Timeout: 30 * time.Second}
	pad := strings.Repeat("x", 1500)
	var (
		mu          sync.Mutex
		acked       = map[string]bool{}
		refused     atomic.Int64
		retryAfter  atomic.Int64
		next        atomic.Int64
		wg          sync.WaitGroup
		okAfterFull atomic.Int64
	)
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for refused.Load() < 200 {
				i := next.Add(1)
				if i > 20000 {
					return
				}
				id := fmt.Sprintf("msg_full_%d", i)
				body := []byte(`{"type":"card.created","data":{"n":` + fmt.Sprint(i) + `,"pad":"` + pad + `"}}`)
				h, err := sc.Sign(signature.SignInput{Secrets: []string{ready.Secret}, ID: id, Timestamp: time.Now(), Body: body})
				if err != nil {
					t.Error(err)
					return
				}
				req, _ := http.NewRequest("POST", ready.URL+"/hooks", bytes.NewReader(body))
				req.Header = h
				resp, err := client.Do(req)
				if err != nil {
					t.Errorf("listen stopped answering: %v\n%s", err, stderr.String())
					return
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				switch {
				case resp.StatusCode/100 == 2:
					mu.Lock()
					acked[id] = true
					mu.Unlock()
					if refused.Load() > 0 {
						okAfterFull.Add(1)
					}
				case resp.StatusCode == http.StatusServiceUnavailable:
					refused.Add(1)
					if resp.Header.Get("Retry-After") != "" {
						retryAfter.Add(1)
					}
				default:
					t.Errorf("status %d", resp.StatusCode)
				}
			}
		}()
	}
	wg.Wait()
	if refused.Load() == 0 {
		t.Fatalf("no 503 after %d requests with the journal at its size limit", next.Load())
	}
	if retryAfter.Load() != refused.Load() {
		t.Errorf("%d of %d 503s without Retry-After", refused.Load()-retryAfter.Load(), refused.Load())
	}
	if len(acked) == 0 {
		t.Fatal("nothing was acknowledged before the disk was full")
	}
	// Without the limit, `store export` imports whatever the journal still
	// holds: every acknowledged event must be there.
	t.Logf("acknowledged %d, refused %d with 503 (+%d acknowledged between refusals)", len(acked), refused.Load(), okAfterFull.Load())
	stopAndCheckAcked(t, c, cmd, done, stderr, acked)
}

// TestListenDiskFreedAgain: the store and journal on a small tmpfs that
// fills up, then has space freed. While full, senders get 503; once space
// is back, listen answers 2xx again by itself (before, it answered 503 for
// good: nothing tried the journal again until a restart, so a provider's
// retries all failed). Every event answered 2xx is in the store after.
// Needs root to mount the tmpfs (CI runs as root); skipped otherwise.
func TestListenDiskFreedAgain(t *testing.T) {
	c := newCrashEnv(t)
	mnt := c.storeOnTmpfs("24m")
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.Write([]byte("ok"))
	}))
	defer app.Close()
	cmd := c.cmd("hookctl", "listen", "--port", "0", "--forward", app.URL, "-o", "json")
	ready, stderr, done := startJSONListen(t, cmd)
	defer cmd.Process.Kill()

	sc, _ := signature.Lookup("standard")
	client := &http.Client{Timeout: 30 * time.Second}
	pad := strings.Repeat("x", 32<<10)
	acked := map[string]bool{}
	n := 0
	send := func() int {
		n++
		id := fmt.Sprintf("msg_freed_%d", n)
		body := []byte(`{"type":"card.created","data":{"n":` + fmt.Sprint(n) + `,"pad":"` + pad + `"}}`)
		h, err := sc.Sign(signature.SignInput{Secrets: []string{ready.Secret}, ID: id, Timestamp: time.Now(), Body: body})
		if err != nil {
			t.Fatal(err)
		}
		req, _ := http.NewRequest("POST", ready.URL+"/hooks", bytes.NewReader(body))
		req.Header = h
		resp, err := client.Do(req)
		if err != nil {
			t.Fatalf("listen stopped answering: %v\n%s", err, stderr.String())
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode/100 == 2 {
			acked[id] = true
		} else if resp.StatusCode != http.StatusServiceUnavailable {
			t.Fatalf("status %d", resp.StatusCode)
		}
		return resp.StatusCode
	}
	for range 10 {
		if st := send(); st != 200 {
			t.Fatalf("before the disk filled: %d\n%s", st, stderr.String())
		}
	}
	// Fill the file system.
	filler, err := os.Create(filepath.Join(mnt, "filler"))
	if err != nil {
		t.Fatal(err)
	}
	chunk := make([]byte, 256<<10)
	for {
		if _, err := filler.Write(chunk); err != nil {
			break
		}
	}
	filler.Close()
	refused := 0
	for i := 0; i < 2000 && refused < 20; i++ {
		if send() == http.StatusServiceUnavailable {
			refused++
		}
	}
	if refused == 0 {
		t.Fatalf("no 503 with the disk full after %d requests", n)
	}
	if err := os.Remove(filepath.Join(mnt, "filler")); err != nil {
		t.Fatal(err)
	}
	freed := time.Now()
	for send() != 200 {
		if time.Since(freed) > 10*time.Second {
			t.Fatalf("still 503 %s after space was freed\n%s", time.Since(freed), stderr.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Logf("2xx again %s after space was freed", time.Since(freed).Round(time.Millisecond))
	for range 10 {
		if st := send(); st != 200 {
			t.Fatalf("after the disk had room again: %d", st)
		}
	}
	stopAndCheckAcked(t, c, cmd, done, stderr, acked)
}

// stopAndCheckAcked stops listen (SIGTERM) and checks that every event it
// answered 2xx (acked) is in `store export`.
func stopAndCheckAcked(t *testing.T, c *crashEnv, cmd *exec.Cmd, done chan error, stderr *bytes.Buffer, acked map[string]bool) {
	t.Helper()
	cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		cmd.Process.Kill()
		<-done // stderr written to the end
		t.Fatalf("listen did not stop\n%s", stderr.String())
	}
	stored := exportedEventIDs(t, c)
	missing := 0
	for id := range acked {
		if !stored[id] {
			missing++
		}
	}
	if missing > 0 {
		var gone []string
		for id := range acked {
			if !stored[id] {
				gone = append(gone, id)
			}
		}
		slices.SortFunc(gone, func(a, b string) int { return cmp.Compare(idNumber(a), idNumber(b)) })
		t.Fatalf("%d of %d acknowledged events missing from the store (%d stored): %s\nlisten stderr:\n%s",
			missing, len(acked), len(stored), idRanges(gone), stderr.String())
	}
}

// storeOnTmpfs mounts a tmpfs of size (mount's -o size=) in the test's
// directory, unmounted after the test, and puts the SQLite store (and so
// listen's journal beside it) on it; it returns the mount point. It skips
// the test when the mount is refused (it needs root, which CI has).
func (c *crashEnv) storeOnTmpfs(size string) string {
	c.t.Helper()
	mnt := filepath.Join(c.dir, "mnt")
	if err := os.MkdirAll(mnt, 0o755); err != nil {
		c.t.Fatal(err)
	}
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size="+size, "tmpfs", mnt).CombinedOutput(); err != nil {
		c.t.Skipf("cannot mount a tmpfs (needs root): %v %s", err, out)
	}
	c.t.Cleanup(func() { exec.Command("umount", "-l", mnt).Run() })
	for i, e := range c.env {
		if strings.HasPrefix(e, "HOOKCTL_STORE=") {
			c.env[i] = "HOOKCTL_STORE=" + filepath.Join(mnt, "hookctl.db")
		}
	}
	return mnt
}

// idNumber is the number at the end of a test event id (msg_full_123).
func idNumber(id string) int {
	n, _ := strconv.Atoi(id[strings.LastIndexByte(id, '_')+1:])
	return n
}

// idRanges says which ids (sorted by number) are listed, as ranges.
func idRanges(ids []string) string {
	var b strings.Builder
	for i := 0; i < len(ids); {
		j := i
		for j+1 < len(ids) && idNumber(ids[j+1]) == idNumber(ids[j])+1 {
			j++
		}
		fmt.Fprintf(&b, "%s..%d ", ids[i], idNumber(ids[j]))
		i = j + 1
	}
	return b.String()
}
