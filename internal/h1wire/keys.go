// Package h1wire holds what the two lean HTTP/1.1 parsers — listen's
// request loop (internal/httplimit) and the delivery transport's answer
// reader (internal/delivery) — share: header-line checks, canonical header
// names without allocating, and the Content-Length body.
package h1wire

// Header names: senders write "webhook-id" or "stripe-signature" in lower
// case, and canonicalising (http.CanonicalHeaderKey) allocated a new
// string per header per request on both hot paths.

import (
	"net/http"
	"sync"
)

// common are the names interned: the HTTP headers every request or answer
// has, and the signature headers of every scheme hookctl knows
// (PROVIDERS.md).
var common = []string{
	"Accept", "Accept-Encoding", "Authorization", "Cache-Control", "Connection",
	"Content-Encoding", "Content-Length", "Content-Type", "Date", "Host", "Server",
	"Transfer-Encoding", "User-Agent", "Vary", "X-Request-Id",
	"X-Forwarded-For", "X-Forwarded-Host", "X-Forwarded-Proto",
	"Webhook-Id", "Webhook-Signature", "Webhook-Timestamp",
	"Svix-Id", "Svix-Signature", "Svix-Timestamp",
	"Stripe-Signature", "X-Hub-Signature", "X-Hub-Signature-256",
	"X-Github-Event", "X-Github-Delivery", "X-Github-Hook-Id",
	"X-Hookctl-Signature", "X-Hookctl-Event", "X-Hookctl-Delivery",
	"X-Signature", "X-Timestamp", "Idempotency-Key",
}

// table maps each common name in lower case to its canonical form; built
// on first use (nothing in package init).
var table = sync.OnceValue(func() map[string]string {
	m := make(map[string]string, len(common))
	for _, c := range common {
		k := http.CanonicalHeaderKey(c)
		m[lower(k)] = k
	}
	return m
})

func lower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

// Key returns http.CanonicalHeaderKey(string(name)), allocating only for a
// name that is not common.
func Key(name []byte) string {
	if k, ok := lookup(name); ok {
		return k
	}
	return http.CanonicalHeaderKey(string(name))
}

// KeyString is Key for a name held as a string: the name itself when it is
// canonical already, the interned form when common.
func KeyString(name string) string {
	upper := true
	for i := 0; i < len(name); i++ {
		c := name[i]
		if upper && c >= 'a' && c <= 'z' || !upper && c >= 'A' && c <= 'Z' {
			if k, ok := lookup(name); ok {
				return k
			}
			return http.CanonicalHeaderKey(name)
		}
		upper = c == '-'
	}
	return name
}

func lookup[T string | []byte](name T) (string, bool) {
	if len(name) > 40 {
		return "", false
	}
	var buf [40]byte
	b := buf[:len(name)]
	for i := range len(name) {
		c := name[i]
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		b[i] = c
	}
	k, ok := table()[string(b)]
	return k, ok
}
