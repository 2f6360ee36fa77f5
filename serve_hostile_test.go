package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// TestServeHostileClients runs the real `hookctl serve` and, while a
// legitimate client keeps creating Svix applications (retrying 429/503 and
// dropped connections as the official SDKs do), throws at it: a flood of
// connections each sending a 1 MiB body to the API, slow headers and slow
// bodies, an oversized body, Content-Length/Transfer-Encoding smuggling and
// malformed HTTP. It checks the answers, that the smuggled request was
// never run, that every application the client was told was created
// exists afterwards, that serve is still healthy, and that its RSS
// (/proc/PID/status VmRSS) stayed under 100 MB. Before httplimit guarded
// serve, 2,000 such bodies held 3.7 GB of RSS. HOOKCTL_LONG=1 uses the
// issue's sizes (3,000 × 1 MiB, then 10,000 idle connections).
func TestServeHostileClients(t *testing.T) {
	slowFaultTest(t, "serve against hostile clients (~9 s; .ci/test runs the long variant, 3,000 × 1 MiB)")
	if testing.Short() {
		t.Skip("hostile-client test: skipped with -short")
	}
	long := os.Getenv("HOOKCTL_LONG") == "1"
	c := newCrashEnv(t)
	port := mustFreePort(t)
	addr := "127.0.0.1:" + port
	base := "http://" + addr

	serve := c.cmd("hookctl", "serve", "--port", port, "--no-worker")
	var stderr bytes.Buffer
	serve.Stdout, serve.Stderr = io.Discard, &stderr
	if err := serve.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	var exitErr error
	go func() { exitErr = serve.Wait(); close(exited) }()
	defer func() {
		select {
		case <-exited:
		default:
			serve.Process.Kill()
			<-exited
		}
	}()
	waitServeHealthy(t, base, exited)

	rss := sampleRSS(serve.Process.Pid)
	baseRSS := vmRSS(serve.Process.Pid)

	api := func(client *http.Client, method, path string, body []byte, idemKey string) (int, []byte, error) {
		req, _ := http.NewRequest(method, base+path, bytes.NewReader(body))
		req.Header.Set("Authorization", "Bearer testsk_hostile")
		req.Header.Set("Content-Type", "application/json")
		if idemKey != "" {
			req.Header.Set("idempotency-key", idemKey)
		}
		resp, err := client.Do(req)
		if err != nil {
			return 0, nil, err
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, b, nil
	}

	// The legitimate client: one application after another, each retried
	// (after a short pause) on 429, 503 and a dropped connection, with one
	// idempotency key per application as Svix's SDKs send: a connection
	// dropped after serve created the application (the storm's load
	// shedding can close it before the answer is read) gets the first
	// answer again on the retry, not a 409 for the uid it took.
	stopLegit := make(chan struct{})
	legitDone := make(chan struct{})
	var (
		sent, firstTry int
		created        []string
		failures       []string
		lat            []time.Duration
		firstCodes     = map[int]int{}
	)
	go func() {
		defer close(legitDone)
		client := &http.Client{Timeout: 10 * time.Second}
		for i := 0; ; i++ {
			select {
			case <-stopLegit:
				return
			case <-time.After(10 * time.Millisecond):
			}
			sent++
			body := []byte(fmt.Sprintf(`{"name":"legit %d","uid":"legit-%d"}`, i, i))
			start := time.Now()
			var last string
			ok := false
			for attempt := 0; attempt < 12 && !ok; attempt++ {
				code, b, err := api(client, "POST", "/api/v1/app/", body, fmt.Sprintf("legit-%d", i))
				if attempt == 0 {
					firstCodes[code]++
				}
				switch {
				case err != nil:
					last = err.Error()
				case code == http.StatusCreated:
					var app struct{ ID string }
					if json.Unmarshal(b, &app) == nil && app.ID != "" {
						created = append(created, app.ID)
						ok = true
						if attempt == 0 {
							firstTry++
						}
						continue
					}
					last = "201 without an id: " + string(b)
				default:
					last = fmt.Sprintf("%d %s", code, b)
				}
				if code != 0 && code != http.StatusTooManyRequests && code != http.StatusServiceUnavailable {
					break // a refusal no retry would change
				}
				time.Sleep(min(time.Duration(attempt+1)*250*time.Millisecond, time.Second))
			}
			if ok {
				lat = append(lat, time.Since(start))
			} else {
				failures = append(failures, fmt.Sprintf("legit %d: %s", i, last))
			}
		}
	}()

	phase := 5 * time.Second
	floodConns, floodIPs := 1300, 7
	if long {
		phase, floodConns, floodIPs = 17*time.Second, 3000, 15
	}
	stopHostile := make(chan struct{})
	var hostileWG sync.WaitGroup
	outcomes := &outcomeTally{}
	count, tally := outcomes.count, outcomes.by()

	// Slow headers and slow bodies: one byte every 200 ms.
	slow := func(kind, from, prefix, head string, n int) {
		slowClients(&hostileWG, outcomes, stopHostile, addr, kind, from, prefix, head, n)
	}
	slow("slow headers", "127.0.0.2", "", "POST /api/v1/app/ HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: "+strings.Repeat("a", 400), 100)
	slow("slow bodies", "127.0.0.3", "POST /api/v1/app/ HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer testsk_hostile\r\nContent-Type: application/json\r\nContent-Length: 1048576\r\n\r\n", "", 50)

	// One-off requests and the answers they must get.
	games := []struct{ name, from, head, body, want string }{
		{"oversized body (2 MiB declared)", "127.0.0.4",
			"POST /api/v1/app/ HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer testsk_hostile\r\nContent-Type: application/json\r\nContent-Length: 2097152\r\n\r\n", "", "413"},
		{"Content-Length with Transfer-Encoding", "127.0.0.4",
			"POST /api/v1/app/ HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer testsk_hostile\r\nContent-Type: application/json\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n",
			"0\r\n\r\nPOST /api/v1/app/ HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer testsk_hostile\r\nContent-Type: application/json\r\nContent-Length: 21\r\n\r\n{\"name\":\"smuggled\"}\r\n", "400"},
		{"two Content-Lengths", "127.0.0.4",
			"POST /api/v1/app/ HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer testsk_hostile\r\nContent-Length: 19\r\nContent-Length: 2\r\n\r\n", `{"name":"smuggled"}`, "400"},
		{"malformed request line", "127.0.0.4", "POST /api/v1/app/ HTTP/9.9 junk\r\nHost: 127.0.0.1\r\n\r\n", "", "400"},
		{"absolute-form target", "127.0.0.4", "GET http://evil.example/api/v1/app/ HTTP/1.1\r\nHost: evil.example\r\n\r\n", "", "400"},
	}
	for _, g := range games {
		got := rawStatus(addr, g.from, g.head, []byte(g.body))
		count(g.name, got)
		if !strings.HasPrefix(got, g.want) {
			t.Errorf("%s: got %q, want %s", g.name, got, g.want)
		}
	}

	// The flood: connections from several addresses each sending a 1 MiB
	// body to the API, then holding the connection until the phase ends.
	mib := bytes.Repeat([]byte("A"), 1<<20)
	copy(mib, `{"name":"`)
	copy(mib[len(mib)-2:], `"}`)
	for i := range floodConns {
		from := fmt.Sprintf("127.0.0.%d", 10+i%floodIPs)
		hostileWG.Add(1)
		go func() {
			defer hostileWG.Done()
			conn, err := dialFrom(addr, from)
			if err != nil {
				count("flood 1 MiB", "dial error: "+dialErr(err))
				return
			}
			defer conn.Close()
			go func() {
				fmt.Fprintf(conn, "POST /api/v1/app/ HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer testsk_hostile\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n", len(mib))
				conn.Write(mib)
			}()
			conn.SetReadDeadline(time.Now().Add(phase + 5*time.Second))
			resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
			switch {
			case err != nil:
				count("flood 1 MiB", "closed without an answer")
			case (resp.StatusCode == 503 || resp.StatusCode == 429) && resp.Header.Get("Retry-After") == "":
				count("flood 1 MiB", resp.Status+" without Retry-After")
			default:
				count("flood 1 MiB", resp.Status)
			}
			<-stopHostile
		}()
	}
	time.Sleep(phase)
	close(stopHostile)
	hostileWG.Wait()

	if long {
		var conns []net.Conn
		for i := range 10000 {
			conn, err := dialFrom(addr, fmt.Sprintf("127.0.1.%d", i%250))
			if err != nil {
				count("10,000 idle connections", "dial error")
				continue
			}
			conns = append(conns, conn)
		}
		time.Sleep(2 * time.Second)
		for _, conn := range conns {
			conn.Close()
		}
		count("10,000 idle connections", fmt.Sprintf("%d opened and closed", len(conns)))
	}
	time.Sleep(time.Second) // the legitimate client after the storm
	close(stopLegit)
	<-legitDone
	rss.stop()

	outcomes.log(t, 40)
	slices.Sort(lat)
	p := func(q float64) time.Duration {
		if len(lat) == 0 {
			return 0
		}
		return lat[int(q*float64(len(lat)-1))].Round(time.Millisecond)
	}
	t.Logf("legitimate: %d sent, %d created (%d at the first try; first answers %v), p50 %s p99 %s max %s",
		sent, len(created), firstTry, firstCodes, p(0.5), p(0.99), p(1))
	t.Logf("serve RSS: %d MB before, %d MB peak", baseRSS/1024, rss.peak.Load()/1024)

	if sent < 5 {
		t.Errorf("legitimate: only %d requests sent during the storm", sent)
	}
	if len(failures) > 0 {
		t.Errorf("legitimate: %d not served: %v", len(failures), failures[:min(5, len(failures))])
	}
	if rss.peak.Load() >= 100*1024 {
		t.Errorf("serve's RSS peaked at %d MB (limit 100 MB)", rss.peak.Load()/1024)
	}
	for kind, outcomes := range tally {
		for o := range outcomes {
			if strings.HasPrefix(o, "500") || strings.Contains(o, "without Retry-After") {
				t.Errorf("%s: %s", kind, o)
			}
		}
	}
	if tally["flood 1 MiB"]["422 Unprocessable Entity"]+tally["flood 1 MiB"]["503 Service Unavailable"] == 0 {
		t.Errorf("flood: no body was read and refused for its content, and none was told busy: %v", tally["flood 1 MiB"])
	}
	for kind, want := range map[string]string{"slow headers": "400", "slow bodies": "408"} {
		for o, n := range tally[kind] {
			if o == "still open at the end" && !long {
				continue // the timeouts (5 s, 15 s) outlast the short run
			}
			if !strings.HasPrefix(o, want) {
				t.Errorf("%s: %d answered %q, want %s", kind, n, o, want)
			}
		}
	}

	// Everything the client was told was created exists; nothing smuggled ran.
	client := &http.Client{Timeout: 10 * time.Second}
	names := map[string]bool{}
	for iter := ""; ; {
		code, b, err := api(client, "GET", "/api/v1/app/?limit=250"+iter, nil, "")
		if err != nil || code != 200 {
			t.Fatalf("listing applications after the storm: %d %v %s", code, err, b)
		}
		var page struct {
			Data     []struct{ ID, Name string }
			Iterator string
			Done     bool
		}
		if err := json.Unmarshal(b, &page); err != nil {
			t.Fatal(err)
		}
		for _, a := range page.Data {
			names[a.ID] = true
			if a.Name == "smuggled" {
				t.Errorf("a smuggled request was run: application %s", a.ID)
			}
		}
		if page.Done || page.Iterator == "" {
			break
		}
		iter = "&iterator=" + page.Iterator
	}
	for _, id := range created {
		if !names[id] {
			t.Errorf("application %s was answered 201 but is not in the store", id)
		}
	}

	serve.Process.Signal(syscall.SIGINT)
	select {
	case <-exited:
		if exitErr != nil {
			t.Errorf("serve exited with %v\n%s", exitErr, stderr.String())
		}
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not stop after SIGINT")
	}
}

// waitServeHealthy waits until serve's health endpoint answers 200.
func waitServeHealthy(t *testing.T, base string, exited chan struct{}) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		resp, err := http.Get(base + "/_hookctl/health")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return
			}
		}
		select {
		case <-exited:
			t.Fatal("serve exited before it was healthy")
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatal("serve did not become healthy")
		}
	}
}
