package delivery

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"maps"
	"net/http"
	"slices"
	"time"

	"github.com/hookctl/hookctl/internal/jsonenc"
	"github.com/hookctl/hookctl/internal/store"
	"github.com/hookctl/hookctl/internal/subscription"
)

// DeliveryJSON is the stable JSON shape of a delivery (trigger, replay,
// deliveries list/show).
type DeliveryJSON struct {
	ID             string `json:"id"`
	EventID        string `json:"event_id"`
	EventType      string `json:"event_type,omitempty"`
	SubscriptionID string `json:"subscription_id,omitempty"`
	// DeletedSubscriptionID: the subscription the delivery belonged to,
	// deleted since (subscription_id is then absent).
	DeletedSubscriptionID string        `json:"deleted_subscription_id,omitempty"`
	URL                   string        `json:"url"`
	Method                string        `json:"method"`
	Status                string        `json:"status"`
	AttemptCount          int           `json:"attempt_count"`
	MaxAttempts           int           `json:"max_attempts"`
	Schedule              string        `json:"schedule"`
	NextAttemptAt         *time.Time    `json:"next_attempt_at,omitempty"`
	LastStatus            int           `json:"last_status,omitempty"`
	LastError             string        `json:"last_error,omitempty"`
	RunID                 string        `json:"run_id,omitempty"`
	Source                string        `json:"source,omitempty"` // sent | received | check
	Kind                  string        `json:"kind,omitempty"`   // forward | edited | probe
	OriginID              string        `json:"origin_id,omitempty"`
	CreatedAt             time.Time     `json:"created_at"`
	UpdatedAt             time.Time     `json:"updated_at"`
	Attempts              []AttemptJSON `json:"attempts,omitempty"`
}

// AttemptJSON is the JSON shape of one attempt.
type AttemptJSON struct {
	Number     int          `json:"number"`
	StartedAt  time.Time    `json:"started_at"`
	DurationMS float64      `json:"duration_ms"`
	Request    RequestJSON  `json:"request"`
	Response   ResponseJSON `json:"response"`
	Error      string       `json:"error,omitempty"`
	// Manual: asked for (a replay, a resend from serve or the inspector),
	// not made by the delivery's schedule; absent for the schedule's.
	Manual bool `json:"manual,omitempty"`
	// Insecure: sent accepting any TLS certificate (--insecure); absent
	// otherwise, and for attempts recorded before hookctl kept it.
	Insecure bool `json:"insecure,omitempty"`
}

// RequestJSON is an attempt's request as sent (secrets masked). A header
// name or value that is not UTF-8 (obs-text a sender or --header gave) is
// written "\u0001base64:" and its bytes in base64
// (store.EncodeHeaderBytes), as the export file writes it: JSON cannot
// hold the bytes, and U+FFFD in their place lost them. So are
// ResponseJSON's.
type RequestJSON struct {
	Method  string              `json:"method"`
	URL     string              `json:"url"`
	Headers map[string][]string `json:"headers"`
}

// ResponseJSON is what came back (status 0: no response).
type ResponseJSON struct {
	Status  int                 `json:"status"`
	Headers map[string][]string `json:"headers,omitempty"`
	Body    string              `json:"body"`
	// BodyBase64: the body's exact bytes when they are not UTF-8 (Body
	// then holds U+FFFD in their place; jsonenc.BodyBase64).
	BodyBase64 []byte `json:"body_base64,omitempty"`
	// BodyTruncated: the body filled the MaxResponseBody an attempt
	// keeps; what followed, if anything, was not recorded.
	BodyTruncated bool `json:"body_truncated,omitempty"`
}

// EventJSON is an event in a run's document.
type EventJSON struct {
	ID        string    `json:"id"`
	Type      string    `json:"type"`
	Provider  string    `json:"provider"`
	CreatedAt time.Time `json:"created_at"`
}

// ToJSON converts a delivery (and its attempts, when given). A password in
// its URL is masked (alice:xxxxx@), as credential headers are: `store
// export` keeps the exact URL.
func ToJSON(d *store.Delivery, eventType string, attempts []*store.Attempt) DeliveryJSON {
	j := DeliveryJSON{
		ID: d.ID, EventID: store.EncodeText(d.EventID), EventType: store.EncodeText(eventType), SubscriptionID: d.SubscriptionID, DeletedSubscriptionID: d.DeletedSubscriptionID,
		URL: subscription.MaskUserinfo(d.URL), Method: d.Method, Status: d.Status, AttemptCount: d.AttemptCount, MaxAttempts: d.MaxAttempts,
		Schedule: d.Schedule, LastStatus: d.LastStatus, LastError: d.LastError, RunID: d.RunID, Kind: d.Kind, OriginID: d.OriginID,
		CreatedAt: storeTime(d.CreatedAt), UpdatedAt: storeTime(d.UpdatedAt),
	}
	if j.Method == "" {
		j.Method = http.MethodPost
	}
	if d.Status == store.DeliveryPending && !d.NextAttemptAt.IsZero() {
		t := storeTime(d.NextAttemptAt)
		j.NextAttemptAt = &t
	}
	for _, a := range attempts {
		j.Attempts = append(j.Attempts, AttemptToJSON(a))
	}
	return j
}

// storeTime is t as the stores keep it (UTC, microseconds): an attempt
// printed as it happens (worker -o json, trigger's published deliveries)
// reads the same as when listed from the store later (it printed
// nanoseconds).
func storeTime(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }

// AttemptToJSON converts an attempt.
func AttemptToJSON(a *store.Attempt) AttemptJSON {
	return AttemptJSON{
		Number: a.Number, StartedAt: storeTime(a.StartedAt), DurationMS: float64(a.Duration.Microseconds()) / 1000,
		Request: RequestJSON{Method: a.RequestMethod, URL: subscription.MaskUserinfo(a.RequestURL), Headers: store.EncodeHeaderBytes(MaskHeaders(a.RequestHeaders))},
		Response: ResponseJSON{Status: a.ResponseStatus, Headers: store.EncodeHeaderBytes(a.ResponseHeaders), Body: string(a.ResponseBody),
			BodyBase64: jsonenc.BodyBase64(a.ResponseBody), BodyTruncated: BodyTruncated(a)},
		Error:    a.Error,
		Manual:   a.Manual,
		Insecure: a.Insecure,
	}
}

// BodyTruncated reports whether a's response body filled what an
// attempt keeps (MaxResponseBody): the answer may have been longer.
func BodyTruncated(a *store.Attempt) bool { return len(a.ResponseBody) >= MaxResponseBody }

// MaskHeaders hides credentials sent in clear (Mono's mono-webhook-secret,
// a subscription's Authorization, Proxy-Authorization or X-Api-Key) in
// what hookctl shows. A credential is what subscriptions get masks
// (subscription.IsCredentialHeader), masked as they mask it
// (subscription.MaskCredential): one rule, so a header hidden there is not
// printed in more detail by deliveries show, trigger -o json or the
// inspector.
func MaskHeaders(h map[string][]string) map[string][]string {
	if h == nil {
		return map[string][]string{}
	}
	out := make(map[string][]string, len(h))
	for k, vs := range h {
		if subscription.IsCredentialHeader(k) {
			masked := make([]string, len(vs))
			for i, v := range vs {
				masked[i] = subscription.MaskCredential(v)
			}
			out[k] = masked
			continue
		}
		out[k] = vs
	}
	return out
}

// WriteRunJSON writes one run's document: its events, its deliveries with
// their attempts, streaming from the store (memory stays flat for any run
// size), and counts as its summary (Engine.CountRun: what the run did,
// though a store prune may have deleted some of what it lists).
func WriteRunJSON(ctx context.Context, w io.Writer, st store.Store, runID string, counts Counts, extra map[string]any) error {
	bw := bufio.NewWriterSize(w, 64<<10)
	put := func(s string) { bw.WriteString(s) }
	item := func(v any) error {
		b, err := json.MarshalIndent(v, "    ", "  ")
		if err != nil {
			return err
		}
		bw.WriteString("    ")
		bw.Write(b)
		return nil
	}
	rid, _ := json.Marshal(runID)
	put("{\n  \"run_id\": " + string(rid) + ",\n")
	// In a fixed order (a map's is random): the same run prints the same
	// document.
	for _, k := range slices.Sorted(maps.Keys(extra)) {
		v := extra[k]
		kb, _ := json.Marshal(k)
		vb, err := json.MarshalIndent(v, "  ", "  ")
		if err != nil {
			return err
		}
		put("  " + string(kb) + ": " + string(vb) + ",\n")
	}
	f := store.DeliveryFilter{RunID: runID}
	// Each event's head (store.GetEventHeads: its payload is not read),
	// kept for the deliveries' section (bounded: a run of more events
	// reads again those it let go).
	heads := map[string]*store.EventHead{}
	eventOf := func(id string) *store.EventHead {
		if h, ok := heads[id]; ok {
			return h
		}
		h := &store.EventHead{ID: id}
		if hs, err := st.GetEventHeads(ctx, []string{id}); err == nil && len(hs) > 0 {
			h = hs[0]
		}
		if len(heads) > 10000 {
			clear(heads)
		}
		heads[id] = h
		return h
	}
	// Events, in order of first delivery.
	put("  \"events\": [")
	n := 0
	prev := ""
	err := Walk(ctx, st, f, func(d *store.Delivery) error {
		if d.EventID == prev {
			return nil
		}
		prev = d.EventID
		if _, dup := heads[d.EventID]; dup {
			return nil
		}
		ev := eventOf(d.EventID)
		if n > 0 {
			put(",")
		}
		put("\n")
		n++
		return item(EventJSON{ID: store.EncodeText(ev.ID), Type: store.EncodeText(ev.Type), Provider: ev.Provider, CreatedAt: ev.CreatedAt})
	})
	if err != nil {
		return err
	}
	if n > 0 {
		put("\n  ")
	}
	put("],\n  \"deliveries\": [")
	n = 0
	err = Walk(ctx, st, f, func(d *store.Delivery) error {
		atts, err := st.ListAttempts(ctx, d.ID)
		if err != nil {
			return err
		}
		if n > 0 {
			put(",")
		}
		put("\n")
		n++
		ev := eventOf(d.EventID)
		j := ToJSON(d, ev.Type, atts)
		j.Source = store.DeliverySource(d, ev.Source) // as deliveries list says it
		return item(j)
	})
	if err != nil {
		return err
	}
	if n > 0 {
		put("\n  ")
	}
	// Indented as the rest of the document is (it was the one compact
	// object in it).
	sb, _ := json.MarshalIndent(counts, "  ", "  ")
	put("],\n  \"summary\": " + string(sb) + "\n}\n")
	return bw.Flush()
}
