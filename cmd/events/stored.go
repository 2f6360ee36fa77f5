package events

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/charmbracelet/lipgloss"

	"github.com/hookctl/hookctl/cmd/deliveries"
	"github.com/hookctl/hookctl/internal/cli"
	"github.com/hookctl/hookctl/internal/delivery"
	"github.com/hookctl/hookctl/internal/jsonenc"
	"github.com/hookctl/hookctl/internal/store"
	"github.com/hookctl/hookctl/internal/subscription"
	"github.com/hookctl/hookctl/internal/ui"
)

// looksLikeEventID tells an event id (evt_…, msg_…, rej_…, a UUID or a
// hex prefix of one) from a catalog type: types have dots or are plain
// words (push, ping, transactions), ids have an underscore or are hex.
func looksLikeEventID(s string) bool {
	if s == "" || strings.ContainsAny(s, ".: ") {
		return false
	}
	if strings.Contains(s, "_") {
		return true
	}
	return len(s) >= 4 && strings.Trim(strings.ToLower(s), "0123456789abcdef-") == ""
}

// storedJSON is events show's -o json of a stored event. A header name or
// value that is not UTF-8 is written "\u0001base64:" and its bytes in
// base64 (store.EncodeHeaderBytes), as deliveries show -o json writes it.
type storedJSON struct {
	ID          string              `json:"id"`
	Type        string              `json:"type"`
	Provider    string              `json:"provider"`
	Source      string              `json:"source"`
	CreatedAt   time.Time           `json:"created_at"`
	Verdict     string              `json:"verdict,omitempty"`
	ContentType string              `json:"content_type"`
	Headers     map[string][]string `json:"headers,omitempty"`
	// Body is the payload as events show TYPE gives a sample's: JSON when
	// it is JSON, else a string. Payload repeats a JSON body under the
	// name it had first (kept for scripts that read it). A payload that
	// is not UTF-8 is a string (with U+FFFD in place of those bytes: as
	// JSON itself the document was not valid JSON) and BodyBase64 holds
	// its exact bytes (jsonenc.BodyBase64).
	Body       any             `json:"body"`
	BodyBase64 []byte          `json:"body_base64,omitempty"`
	Payload    json.RawMessage `json:"payload,omitempty"`
	Deliveries struct {
		Pending   int `json:"pending"`
		Succeeded int `json:"succeeded"`
		Failed    int `json:"failed"`
	} `json:"deliveries"`
}

// showStored prints the stored event opts.Type names, if the store has
// one: shown is false (and err nil) when it has none. exact: only an
// event whose whole id it is (an argument that does not look like an id,
// a mistyped type most often: no prefix matching, and a store that
// cannot be read leaves the catalog's error to be said).
func showStored(opts *ShowOptions, exact bool) (shown bool, err error) {
	if opts.Build.Data != nil || len(opts.Build.Overrides) > 0 {
		return false, nil // overrides make a sample: the catalog's error stands
	}
	st, err := opts.Factory.ReadableStore(opts.Ctx)
	if err != nil {
		if exact {
			return false, nil
		}
		return false, err
	}
	// An id -o json wrote "\u0001base64:…" (store.EncodeText: its bytes
	// are not UTF-8) is that event's id.
	id := store.DecodeText(opts.Type)
	e, err := st.GetEvent(opts.Ctx, id)
	if exact && (err != nil || e.ID != id) {
		return false, nil
	}
	var amb *store.AmbiguousError
	if errors.As(err, &amb) {
		return true, cli.WithCode(cli.ExitUsage, err)
	}
	if errors.Is(err, store.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return true, err
	}
	counts, err := st.CountDeliveries(opts.Ctx, store.DeliveryFilter{EventID: e.ID})
	if err != nil {
		return true, err
	}
	ios := opts.IO
	headers := delivery.MaskHeaders(e.Headers)
	if ios.JSON() {
		j := storedJSON{ID: store.EncodeText(e.ID), Type: store.EncodeText(e.Type), Provider: e.Provider, Source: e.Source, CreatedAt: e.CreatedAt,
			Verdict: store.CanonicalVerdict(e.Verdict), ContentType: e.ContentType, Headers: store.EncodeHeaderBytes(headers)}
		j.BodyBase64 = jsonenc.BodyBase64(e.Payload)
		if json.Valid(e.Payload) && len(e.Payload) > 0 && j.BodyBase64 == nil {
			j.Payload = e.Payload
			j.Body = json.RawMessage(e.Payload)
		} else {
			j.Body = string(e.Payload)
		}
		j.Deliveries.Pending, j.Deliveries.Succeeded, j.Deliveries.Failed = int(counts[store.DeliveryPending]),
			int(counts[store.DeliverySucceeded]), int(counts[store.DeliveryFailed])
		return true, ui.WriteJSON(ios.Out, j)
	}
	s := ios.Styles()
	cw := &ui.CheckedWriter{W: ios.Out}
	w := cw
	kv := func(k, v string) { fmt.Fprintf(w, "%s %s\n", s.Key.Render(fmt.Sprintf("%-11s", k+":")), v) }
	fmt.Fprintln(w, s.Title.Render("Event "+ui.Printable(e.ID, false)))
	typ := e.Type
	if typ == "" {
		typ = "(unknown type)"
	}
	typeLine := s.EventType.Render(ui.Printable(typ, false))
	if e.Provider != "" {
		typeLine += " (" + e.Provider + ")" // a rejected request may name none
	}
	kv("Type", typeLine)
	kv("Source", e.Source)
	switch kind, reason := store.ParseVerdict(e.Verdict); kind {
	case store.VerdictInvalid:
		kv("Signature", s.Failure.Render(ui.Printable(e.Verdict, false)))
	case store.VerdictRefused:
		// Refused before its signature was checked (a forwarding loop):
		// not an invalid signature.
		kv("Refused", s.Failure.Render(ui.Printable(reason, false)))
		kv("Signature", s.Muted.Render("not checked"))
	case store.VerdictValid:
		kv("Signature", s.Success.Render(e.Verdict))
	}
	var parts []string
	for _, st := range []string{store.DeliverySucceeded, store.DeliveryFailed, store.DeliveryPending} {
		if n := counts[st]; n > 0 {
			parts = append(parts, s.DeliveryStatus(st).Render(fmt.Sprintf("%d %s", n, st)))
		}
	}
	if len(parts) == 0 {
		parts = append(parts, s.Muted.Render("none"))
	}
	kv("Deliveries", strings.Join(parts, ", "))
	now := opts.Factory.Now()
	kv("Created", ios.FormatTime(e.CreatedAt, now))
	if total := counts[store.DeliveryPending] + counts[store.DeliverySucceeded] + counts[store.DeliveryFailed]; total > 0 {
		ds, err := st.ListDeliveries(opts.Ctx, store.DeliveryFilter{EventID: e.ID, Limit: 10})
		if err != nil {
			return true, err
		}
		fmt.Fprintln(w)
		// In columns: the URLs differ in length (a forward's, a
		// subscription's), and the times after them were out of line.
		urls, ids, times := make([]string, len(ds)), make([]string, len(ds)), make([]string, len(ds))
		for i, d := range ds {
			urls[i], ids[i], times[i] = ui.Printable(subscription.MaskUserinfo(d.URL), false), d.ID, ios.FormatTime(d.CreatedAt, now)
		}
		fitDeliveryLines(opts.Ctx, ios, st, ids, urls, times)
		urlWidth := 0
		for _, u := range urls {
			urlWidth = max(urlWidth, lipgloss.Width(u))
		}
		for i, d := range ds {
			line := fmt.Sprintf("  %s  %s  %s", s.ID.Render(ids[i]), s.DeliveryStatus(d.Status).Render(fmt.Sprintf("%-9s", d.Status)),
				urls[i]+strings.Repeat(" ", urlWidth-lipgloss.Width(urls[i])))
			if times[i] != "" {
				line += "  " + s.Muted.Render(times[i])
			}
			fmt.Fprintln(w, line)
		}
		if int64(len(ds)) < total {
			fmt.Fprintln(w, s.Muted.Render(fmt.Sprintf("  … and %d more", total-int64(len(ds)))))
		}
		fmt.Fprintln(w, s.Muted.Render("  (hookctl deliveries show ID for one)"))
	}
	fmt.Fprintln(w)
	if len(headers) > 0 {
		fmt.Fprintln(w, s.Header.Render("Headers"))
		deliveries.WriteHeaders(w, headers, s)
		fmt.Fprintln(w)
	}
	fmt.Fprintln(w, s.Header.Render(fmt.Sprintf("Body (%d bytes, %s)", len(e.Payload), e.ContentType)))
	deliveries.WriteBody(w, e.Payload)
	return true, cw.Err
}

// fitDeliveryLines fits the lines of an event's deliveries to a terminal
// (its width; piped, they stay whole): ids cut to prefixes unique in the
// store (deliveries show takes one), URLs by their middle to no less
// than 16 columns, then the times left out. (Whole, a line was 131
// columns and wrapped at 80.)
func fitDeliveryLines(ctx context.Context, ios *ui.IOStreams, st store.Store, ids, urls, times []string) {
	width := ios.OutWidth()
	if width <= 0 || len(ids) == 0 {
		return
	}
	copy(ids, cli.ShortDeliveryIDs(ctx, st, slices.Clone(ids)))
	most := func(ss []string) (n int) {
		for _, s := range ss {
			n = max(n, lipgloss.Width(s))
		}
		return n
	}
	room := func() int {
		n := width - 2 - most(ids) - 2 - 9 - 2
		if most(times) > 0 {
			n -= 2 + most(times)
		}
		return n
	}
	if room() < min(most(urls), 16) {
		clear(times)
	}
	for i, u := range urls {
		urls[i] = ui.ElideMiddle(u, max(room(), 16))
	}
}
