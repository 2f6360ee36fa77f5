// Command receiver is a Stripe-style webhook receiver using only net/http.
//
// It verifies Stripe-Signature (t=…,v1=<hex HMAC-SHA256 of "{t}.{raw
// body}">, any of several v1 signatures, keyed with the whole whsec_
// secret) and its timestamp (300 s), answers at once and processes each
// event once, in the background, keyed by the event id. Every processed
// event id is appended to EVENTS_LOG, so `wc -l < processed.log` shows
// what the app did.
//
//	WEBHOOK_SECRET=whsec_… PORT=8080 go run ./examples/receivers/go
//	hookctl check http://localhost:8080/webhooks --scheme stripe --secret whsec_… \
//	    --effect-cmd 'wc -l < processed.log'
package main

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"
)

const (
	tolerance = 300 * time.Second
	maxBody   = 1 << 20
)

type event struct {
	ID   string `json:"id"`
	Type string `json:"type"`
}

type receiver struct {
	secret []byte
	mu     sync.Mutex
	seen   map[string]bool // event ids already accepted (use your database)
	work   chan event
}

// verify checks a Stripe-Signature header against the raw body.
func (rc *receiver) verify(header string, body []byte, now time.Time) error {
	if header == "" {
		return errors.New("missing Stripe-Signature")
	}
	var ts int64 = -1
	var sigs []string
	for _, part := range strings.Split(header, ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(part), "=")
		switch k {
		case "t":
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				return errors.New("malformed timestamp")
			}
			ts = n
		case "v1":
			sigs = append(sigs, v)
		}
	}
	if ts < 0 || len(sigs) == 0 {
		return errors.New("malformed Stripe-Signature")
	}
	mac := hmac.New(sha256.New, rc.secret)
	fmt.Fprintf(mac, "%d.", ts)
	mac.Write(body)
	want := mac.Sum(nil)
	ok := false
	for _, s := range sigs { // rotation: any one valid signature will do
		if got, err := hex.DecodeString(s); err == nil && hmac.Equal(got, want) {
			ok = true
		}
	}
	if !ok {
		return errors.New("signature mismatch")
	}
	age := now.Sub(time.Unix(ts, 0))
	if age > tolerance || age < -tolerance {
		return errors.New("timestamp outside the tolerance")
	}
	return nil
}

func (rc *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		http.Error(w, "POST only", http.StatusMethodNotAllowed)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	if err != nil {
		http.Error(w, "body too large", http.StatusRequestEntityTooLarge)
		return
	}
	if err := rc.verify(r.Header.Get("Stripe-Signature"), body, time.Now()); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	var ev event
	if err := json.Unmarshal(body, &ev); err != nil || ev.ID == "" {
		http.Error(w, "not an event", http.StatusBadRequest)
		return
	}
	rc.mu.Lock()
	dup := rc.seen[ev.ID]
	rc.seen[ev.ID] = true
	rc.mu.Unlock()
	if !dup {
		rc.work <- ev // processed after the answer
	}
	w.Header().Set("Content-Type", "application/json")
	fmt.Fprintf(w, `{"received":true,"duplicate":%t}`+"\n", dup)
}

// process does the app's work for one event, once.
func (rc *receiver) process(log *os.File) {
	for ev := range rc.work {
		switch ev.Type {
		case "subscription.created", "subscription.updated", "invoice.paid", "payment_intent.succeeded":
			// update your records here
		default:
			// an event type this app does not handle: ignore it
		}
		fmt.Fprintln(log, ev.ID)
	}
}

func main() {
	secret := os.Getenv("WEBHOOK_SECRET")
	if secret == "" {
		log.Fatal("set WEBHOOK_SECRET")
	}
	port := os.Getenv("PORT")
	if port == "" {
		port = "8080"
	}
	path := os.Getenv("EVENTS_LOG")
	if path == "" {
		path = "processed.log"
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		log.Fatal(err)
	}
	rc := &receiver{secret: []byte(secret), seen: map[string]bool{}, work: make(chan event, 1024)}
	go rc.process(f)
	ln, err := net.Listen("tcp", "127.0.0.1:"+port)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("listening on http://%s/webhooks\n", ln.Addr())
	mux := http.NewServeMux()
	mux.Handle("/webhooks", rc)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	log.Fatal(srv.Serve(ln))
}
