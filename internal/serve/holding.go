package serve

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"time"
)

// RunningAt returns the URL of the hookctl serve that answers at addr
// (host:port; an unspecified host is asked on loopback), "" when none
// does: its /_hookctl/health answers with serve's health document. It is
// how `hookctl serve` tells a port taken by another hookctl serve (one
// already running in another terminal) from one taken by anything else.
// It waits at most 3 s (a loaded machine; only a failed start asks).
func RunningAt(ctx context.Context, addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return ""
	}
	if ip := net.ParseIP(host); host == "" || ip != nil && ip.IsUnspecified() {
		host = "127.0.0.1"
	}
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	base := "http://" + net.JoinHostPort(host, port)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/_hookctl/health", nil)
	if err != nil {
		return ""
	}
	// Straight to this machine's port: no proxy, no redirect, no
	// connection kept.
	c := &http.Client{Transport: &http.Transport{DisableKeepAlives: true},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Do(req)
	if err != nil {
		return ""
	}
	defer resp.Body.Close()
	var h struct {
		Status *string `json:"status"`
		Worker *bool   `json:"worker"`
	}
	if resp.StatusCode != http.StatusOK && resp.StatusCode != http.StatusServiceUnavailable ||
		json.NewDecoder(io.LimitReader(resp.Body, 64<<10)).Decode(&h) != nil || h.Status == nil || h.Worker == nil {
		return ""
	}
	return base + "/"
}
