package web

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/hookctl/hookctl/internal/catalog"
	"github.com/hookctl/hookctl/internal/delivery"
	"github.com/hookctl/hookctl/internal/service"
	"github.com/hookctl/hookctl/internal/signature"
	"github.com/hookctl/hookctl/internal/store"
	"github.com/hookctl/hookctl/internal/subscription"
)

// Resend publishes an edited copy of a delivery: a new event with body
// (JSON laid out as the provider sends it; nil: the stored bytes) to the same subscription, signed with its
// secret, or ad hoc to the same URL with the same scheme and secret (a
// forward of listen: to the app, signed with the listener's secret). The
// new delivery is marked edited and links to the original.
func (h *Handler) Resend(ctx context.Context, id string, body []byte, headers string) (*service.Published, error) {
	d, err := h.st.GetDelivery(ctx, id)
	if err != nil {
		return nil, err
	}
	e, err := h.st.GetEvent(ctx, d.EventID)
	if err != nil {
		return nil, err
	}
	hs, err := subscription.ParseHeaders(splitLines(headers))
	if err != nil {
		return nil, err
	}
	unmaskHeaders(hs, d.Headers)
	if body == nil {
		body = e.Payload // resent as stored
	} else if t := bytes.TrimSpace(body); len(t) > 0 && (t[0] == '{' || t[0] == '[') {
		// Laid out as the provider sends it (Stripe pretty-printed, the
		// others compact), as the original was.
		w, err := catalog.WireJSON(e.Provider, t)
		if err != nil {
			return nil, fmt.Errorf("the body is not valid JSON: %v", err)
		}
		body = w
	}
	ev := &store.Event{ID: catalog.NewEventID(e.Provider), Type: e.Type, Provider: e.Provider, Payload: body,
		ContentType: e.ContentType, Source: store.SourceTriggered}
	t := service.Target{Headers: hs, Kind: store.KindEdited, OriginID: d.ID, Method: d.Method, Manual: true}
	switch {
	case d.Kind == store.KindForward:
		// listen's forward went to the app: the edited copy goes there
		// directly (not through the listener, which may be gone and its
		// subscription disabled), signed as the app verifies — with the
		// provider's secret listen verified with, else the listener's.
		t.URL, t.Scheme, t.Secret = d.URL, d.Scheme, d.Secret
		if t.Secret == "" && d.SubscriptionID != "" {
			sub, err := h.st.GetSubscription(ctx, d.SubscriptionID)
			if err != nil {
				return nil, err
			}
			t.Scheme, t.Secret = sub.Scheme, sub.Secret
		}
	case d.SubscriptionID != "":
		t.SubscriptionID = d.SubscriptionID
	default:
		t.URL, t.Scheme, t.Secret = d.URL, d.Scheme, d.Secret
	}
	return h.disp.Publish(ctx, ev, t)
}

// unmaskHeaders puts back the stored value of each header the edit page
// showed otherwise and the user left as shown: a credential masked, a
// value that is not UTF-8 escaped (caf\xe9, as every page writes such a
// byte: validUTF8), whose bytes the form cannot send back (it sent the
// four characters \xe9).
func unmaskHeaders(edited, stored map[string]string) {
	canon := make(map[string]string, len(stored))
	for k, v := range stored {
		canon[http.CanonicalHeaderKey(k)] = v
	}
	masked := subscription.MaskCredentialHeaders(canon)
	for k, v := range edited {
		sv, ok := canon[k]
		if !ok || v == sv {
			continue
		}
		if v == masked[k] || v == string(validUTF8([]byte(masked[k]))) {
			edited[k] = sv
		}
	}
}

func splitLines(s string) []string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}

// verdict re-verifies what was sent (the last attempt's headers over the
// stored body) with the subscription's secrets, one at a time, to say
// which secret signed it; a received event shows listen's verdict.
func (h *Handler) verdict(d *store.Delivery, e *store.Event, sub *store.Subscription, atts []*store.Attempt) verdictView {
	// listen's verdict for what it received: its forwards to the app and
	// events it recorded without a forward.
	if d.Kind == store.KindForward || e.Source == store.SourceReceived && len(atts) == 0 {
		switch kind, _ := store.ParseVerdict(e.Verdict); kind {
		case store.VerdictValid:
			return verdictView{Class: "ok", Text: "valid", Reason: "listen verified the signature when the event arrived"}
		case store.VerdictInvalid, store.VerdictRefused:
			return rejectedVerdict(e.Verdict)
		}
		if d.Kind == store.KindForward {
			return verdictView{Class: "muted", Text: "no verdict recorded", Reason: "listen forwarded this event without recording a verdict; the delivery it came in on shows its signature"}
		}
		return verdictView{Class: "muted", Text: "not verified", Reason: "listen had no secret for this event"}
	}
	scheme := delivery.SchemeOf(d, sub, e)
	v := verdictView{Scheme: scheme}
	if len(atts) == 0 {
		v.Class, v.Text, v.Reason = "muted", "not sent yet", "the request is signed when it is sent"
		return v
	}
	last := atts[len(atts)-1]
	sch, err := signature.Lookup(scheme)
	if err != nil {
		v.Class, v.Text, v.Reason = "muted", "unknown scheme", err.Error()
		return v
	}
	cands := delivery.SigningSecrets(d, sub)
	v.Age = "signed " + ago(last.StartedAt)
	if len(cands) == 0 {
		v.Class, v.Text, v.Reason = "muted", "not verified", "no secret is known for this delivery"
		return v
	}
	c, ok, firstErr := delivery.SignedWith(sch, cands, last, e.Payload)
	if ok {
		v.Class, v.Text, v.Secret = "ok", "valid", c.Name+" ("+maskSecret(c.Value)+")"
		v.key, v.signedAt, v.number = c.Value, last.StartedAt, last.Number
		v.Reason = "attempt " + fmt.Sprint(last.Number) + " carries a " + scheme + " signature made with the " + c.Name
		return v
	}
	v.Class, v.Text, v.Reason = "bad", "invalid", firstErr.Error()
	return v
}

func maskSecret(s string) string { return subscription.MaskSecret(s) }

// ---- diff ----

// DiffLine is one path that differs between two bodies.
type DiffLine = diffLine

type diffLine struct {
	Path, Kind, A, B string // Kind: changed | added | removed
}

// headerPair is one header name's values in A and in B, in the order the
// request carried them; a value is Changed when the other side has no
// value, or another one, at its position.
type headerPair struct {
	Name string
	A, B []headerValue
	Same bool
}

type headerValue struct {
	Value   string
	Changed bool
}

type diffData struct {
	A, B    *detailData
	AID     string
	BID     string
	Lines   []diffLine
	Headers []headerPair
	JSON    bool
}

// flatten maps every leaf of a JSON value to its path (data.card.status,
// items[0].id; a key that is not a plain name is quoted: metadata["user.id"],
// so {"a.b":1} and {"a":{"b":1}} keep different paths).
func flatten(prefix string, v any, out map[string]string) {
	switch t := v.(type) {
	case map[string]any:
		if len(t) == 0 {
			out[prefix] = "{}"
		}
		for k, x := range t {
			var p string
			switch {
			case !plainKey(k):
				q, _ := json.Marshal(k)
				p = prefix + "[" + string(q) + "]"
			case prefix == "":
				p = k
			default:
				p = prefix + "." + k
			}
			flatten(p, x, out)
		}
	case []any:
		if len(t) == 0 {
			out[prefix] = "[]"
		}
		for i, x := range t {
			flatten(fmt.Sprintf("%s[%d]", prefix, i), x, out)
		}
	default:
		b, _ := json.Marshal(t)
		if prefix == "" {
			prefix = "$"
		}
		out[prefix] = string(b)
	}
}

// plainKey: a key written as is in a path (letters, digits, _ and -).
func plainKey(k string) bool {
	if k == "" {
		return false
	}
	for _, r := range k {
		if !(r == '_' || r == '-' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
			return false
		}
	}
	return true
}

// decodeJSON decodes one JSON document keeping numbers as written (two
// large ids that differ stay different; float64 would round them equal).
func decodeJSON(b []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("data after the JSON value")
	}
	return v, nil
}

// DiffJSON lists the paths that differ between two JSON documents.
func DiffJSON(a, b []byte) ([]diffLine, error) {
	va, err := decodeJSON(a)
	if err != nil {
		return nil, err
	}
	vb, err := decodeJSON(b)
	if err != nil {
		return nil, err
	}
	fa, fb := map[string]string{}, map[string]string{}
	flatten("", va, fa)
	flatten("", vb, fb)
	var out []diffLine
	for p, x := range fa {
		y, ok := fb[p]
		switch {
		case !ok:
			out = append(out, diffLine{p, "removed", x, ""})
		case x != y:
			out = append(out, diffLine{p, "changed", x, y})
		}
	}
	for p, y := range fb {
		if _, ok := fa[p]; !ok {
			out = append(out, diffLine{p, "added", "", y})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out, nil
}

func (h *Handler) diffPage(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	d := diffData{AID: q.Get("a"), BID: q.Get("b")}
	if d.AID == "" || d.BID == "" {
		h.render(w, r, "diff", page{Title: "Diff", Nav: "log", D: d})
		return
	}
	var err error
	if d.A, _, err = h.loadDetail(r.Context(), d.AID); err != nil {
		h.fail(w, r, notFoundOr500(err), err)
		return
	}
	if d.B, _, err = h.loadDetail(r.Context(), d.BID); err != nil {
		h.fail(w, r, notFoundOr500(err), err)
		return
	}
	// A body that is not UTF-8 is compared byte for byte: decoded as
	// JSON, its bytes that are not UTF-8 all read U+FFFD, and two
	// bodies that differ only there were "identical".
	if !utf8.Valid(d.A.E.Payload) || !utf8.Valid(d.B.E.Payload) {
		if !bytes.Equal(d.A.E.Payload, d.B.E.Payload) {
			d.Lines = []diffLine{{Path: "(body)", Kind: "changed", A: d.A.Raw, B: d.B.Raw}}
		}
	} else if lines, err := DiffJSON(d.A.E.Payload, d.B.E.Payload); err == nil {
		d.Lines, d.JSON = lines, true
	} else if !bytes.Equal(d.A.E.Payload, d.B.E.Payload) {
		d.Lines = []diffLine{{Path: "(body)", Kind: "changed", A: d.A.Raw, B: d.B.Raw}}
	}
	d.Headers = diffHeaders(d.A.Headers, d.B.Headers)
	h.render(w, r, "diff", page{Title: "Diff", Nav: "log", D: d})
}

// diffHeaders pairs the values of each header name of a and b, position
// by position: a header sent twice keeps both its values.
func diffHeaders(a, b []headerLine) []headerPair {
	ha, hb := map[string][]string{}, map[string][]string{}
	for _, l := range a {
		ha[l.Name] = append(ha[l.Name], l.Value)
	}
	for _, l := range b {
		hb[l.Name] = append(hb[l.Name], l.Value)
	}
	names := map[string]bool{}
	for k := range ha {
		names[k] = true
	}
	for k := range hb {
		names[k] = true
	}
	side := func(vs, other []string) []headerValue {
		out := make([]headerValue, len(vs))
		for i, v := range vs {
			out[i] = headerValue{Value: v, Changed: i >= len(other) || other[i] != v}
		}
		return out
	}
	var out []headerPair
	for k := range names {
		out = append(out, headerPair{Name: k, A: side(ha[k], hb[k]), B: side(hb[k], ha[k]), Same: slices.Equal(ha[k], hb[k])})
	}
	sort.Slice(out, func(i, j int) bool { return headerLess(out[i].Name, out[j].Name) })
	return out
}

// ---- subscriptions ----

type subsData struct {
	Subs      []*store.Subscription
	Types     []string
	Providers []string
	Schemes   []string
	Form      url.Values
}

func (h *Handler) subsData(ctx context.Context, form url.Values) (subsData, error) {
	subs, err := h.st.ListSubscriptions(ctx, store.SubscriptionFilter{})
	if err != nil {
		return subsData{}, err
	}
	d := subsData{Subs: subs, Providers: catalog.Providers(), Schemes: signature.Names(), Form: form}
	for _, et := range h.cat.All() {
		// once each: ping, invoice.paid and customer.updated are
		// several providers' events
		if !slices.Contains(d.Types, et.Type) {
			d.Types = append(d.Types, et.Type)
		}
	}
	return d, nil
}

func (h *Handler) subscriptionsPage(w http.ResponseWriter, r *http.Request) {
	d, err := h.subsData(r.Context(), url.Values{})
	if err != nil {
		h.fail(w, r, http.StatusInternalServerError, err)
		return
	}
	h.render(w, r, "subscriptions", page{Title: "Subscriptions", D: d})
}

func (h *Handler) createSubscription(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		h.fail(w, r, http.StatusBadRequest, err)
		return
	}
	f := r.PostForm
	sub, err := h.subs.Create(r.Context(), subscription.CreateInput{URL: f.Get("url"), Events: []string{f.Get("events")},
		Description: f.Get("description"), Provider: f.Get("provider"), Scheme: f.Get("scheme"),
		Metadata: map[string]string{"created_by": "inspector"}})
	if err != nil {
		d, derr := h.subsData(r.Context(), f)
		if derr != nil {
			h.fail(w, r, http.StatusInternalServerError, derr)
			return
		}
		w.WriteHeader(http.StatusBadRequest)
		h.render(w, r, "subscriptions", page{Title: "Subscriptions", Error: inputMessage(err), D: d})
		return
	}
	http.Redirect(w, r, "/subscriptions?"+h.flashQuery("created subscription "+sub.ID), http.StatusSeeOther)
}

// inputMessage is a refused form's message: the error and its hints.
func inputMessage(err error) string {
	msg := err.Error()
	var he interface{ Hints() []string }
	if errors.As(err, &he) && len(he.Hints()) > 0 {
		msg += " (" + strings.Join(he.Hints(), "; ") + ")"
	}
	return msg
}

func (h *Handler) subscriptionAction(w http.ResponseWriter, r *http.Request) {
	id, action := r.PathValue("id"), r.PathValue("action")
	var msg string
	var err error
	switch action {
	case "enable", "disable":
		st := store.StatusEnabled
		if action == "disable" {
			st = store.StatusDisabled
		}
		_, _, err = h.subs.SetStatus(r.Context(), id, st)
		msg = "subscription " + action + "d"
	case "rotate":
		_, err = h.subs.RotateSecret(r.Context(), id, 24*time.Hour, "")
		msg = "secret rotated (the previous one keeps signing for 24h)"
	case "delete":
		_, err = h.subs.Delete(r.Context(), id)
		msg = "subscription deleted"
	default:
		http.NotFound(w, r)
		return
	}
	if err != nil {
		h.fail(w, r, notFoundOr500(err), err)
		return
	}
	http.Redirect(w, r, "/subscriptions?"+h.flashQuery(msg), http.StatusSeeOther)
}

// subEditData is the subscription edit form: the stored subscription (its
// ID, secret and what the form does not edit) and the values shown, the
// user's own when a change was refused.
type subEditData struct {
	Sub         *store.Subscription
	URL         string
	Events      string
	Description string
	Enabled     bool
	Types       []string
}

func (h *Handler) subEditData(sub *store.Subscription) subEditData {
	d := subEditData{Sub: sub, URL: subscription.MaskUserinfo(sub.CallbackURL), Events: strings.Join(sub.Events, ", "), Description: sub.Description,
		Enabled: sub.Status == store.StatusEnabled}
	for _, et := range h.cat.All() {
		if !slices.Contains(d.Types, et.Type) {
			d.Types = append(d.Types, et.Type)
		}
	}
	return d
}

func (h *Handler) editSubscriptionPage(w http.ResponseWriter, r *http.Request) {
	sub, err := h.subs.Get(r.Context(), r.PathValue("id"))
	if err != nil {
		h.fail(w, r, notFoundOr500(err), err)
		return
	}
	h.render(w, r, "subscription", page{Title: "Edit subscription " + shortID(sub.ID), Nav: "subscriptions", D: h.subEditData(sub)})
}

// editSubscription applies the form through the update of `hookctl
// subscriptions update` (the same validation, one atomic change of the
// current row) plus the status. A refused change shows the form again
// with the user's values and the reason; nothing is written.
func (h *Handler) editSubscription(w http.ResponseWriter, r *http.Request) {
	f := r.PostForm
	u, events, desc := f.Get("url"), f.Get("events"), f.Get("description")
	status := store.StatusDisabled
	if f.Get("enabled") != "" {
		status = store.StatusEnabled
	}
	in := subscription.UpdateInput{URL: &u, Description: &desc}
	// The form shows a password in the URL masked (alice:xxxxx@): sent
	// back as shown, the URL is left as stored (a URL with userinfo is
	// refused as a new one, so saving the form would fail otherwise).
	if cur, err := h.subs.Get(r.Context(), r.PathValue("id")); err == nil {
		if m := subscription.MaskUserinfo(cur.CallbackURL); m != cur.CallbackURL && strings.TrimSpace(u) == m {
			in.URL = nil
		}
	}
	sub, err := h.subs.UpdateWith(r.Context(), r.PathValue("id"), in, func(s *store.Subscription) error {
		// The events are checked against the catalog when they change
		// only: a Svix endpoint's own event types (not in the catalog)
		// stay as they are when another field is edited.
		if evs := subscription.SplitList([]string{events}); !slices.Equal(evs, s.Events) {
			checked, err := h.subs.ValidateEvents(evs)
			if err != nil {
				return err
			}
			s.Events = checked
		}
		s.Status = status
		return nil
	})
	if err != nil {
		var ie *subscription.InputError
		if !errors.As(err, &ie) {
			h.fail(w, r, notFoundOr500(err), err)
			return
		}
		cur, gerr := h.subs.Get(r.Context(), r.PathValue("id"))
		if gerr != nil {
			h.fail(w, r, notFoundOr500(gerr), gerr)
			return
		}
		d := h.subEditData(cur)
		d.URL, d.Events, d.Description, d.Enabled = u, events, desc, status == store.StatusEnabled
		w.WriteHeader(http.StatusBadRequest)
		h.render(w, r, "subscription", page{Title: "Edit subscription " + shortID(cur.ID), Nav: "subscriptions", Error: inputMessage(err), D: d})
		return
	}
	if h.disp.Engine != nil {
		h.disp.Engine.Forget(sub.ID) // the next attempt uses the change
	}
	http.Redirect(w, r, "/subscriptions?"+h.flashQuery("updated subscription "+sub.ID), http.StatusSeeOther)
}

// ---- trigger ----

type triggerData struct {
	Type     string
	Provider string
	Body     string
	Types    []*catalog.EventType
	Subs     []*store.Subscription
	SubID    string
	Targets  int
	// Skipped: why each subscription that takes the type is left out (a
	// hookctl listen that is not running), as trigger warns of it;
	// Stopped: their ids (the Send to list marks them).
	Skipped []string
	Stopped map[string]bool
}

func (h *Handler) triggerData(ctx context.Context, typ, body, subID string) (triggerData, error) {
	d := triggerData{Type: typ, Body: body, Types: h.cat.All(), SubID: subID}
	var err error
	if d.Subs, err = h.st.ListSubscriptions(ctx, store.SubscriptionFilter{Status: store.StatusEnabled}); store.IsTransient(err) {
		return d, err // not an empty list: the store cannot be reached
	}
	if typ != "" {
		// The targets are counted for a form shown again with its error
		// too (body set), not only for a fresh preview.
		et, ev, err := h.disp.Build(service.TriggerInput{Type: typ})
		if err != nil {
			return d, err
		}
		d.Type, d.Provider = et.QualifiedName(), et.Provider
		if body == "" {
			// JSON indented (laid out as the provider sends it again when
			// sent); anything else as the catalog builds it (re-indenting
			// XML would change what is sent).
			d.Body = string(ev.Payload)
			if t := bytes.TrimSpace(ev.Payload); len(t) > 0 && (t[0] == '{' || t[0] == '[') {
				d.Body = pretty(ev.Payload, ev.ContentType)
			}
		}
		subs, _ := h.disp.Subscribers(ctx, et.Type, et.Provider)
		// Counted as the trigger sends: not to a stopped listen, which
		// the form names.
		subs, skipped := service.Running(subs)
		d.Targets = len(subs)
		for _, sk := range skipped {
			d.Skipped = append(d.Skipped, sk.Reason)
			if d.Stopped == nil {
				d.Stopped = map[string]bool{}
			}
			d.Stopped[sk.SubscriptionID] = true
		}
	}
	return d, nil
}

func (h *Handler) triggerPage(w http.ResponseWriter, r *http.Request) {
	d, err := h.triggerData(r.Context(), strings.TrimSpace(r.URL.Query().Get("type")), "", "")
	if store.IsTransient(err) {
		h.fail(w, r, 0, err)
		return
	}
	p := page{Title: "Trigger", D: d}
	if err != nil {
		p.Error = withHints(err)
	}
	h.render(w, r, "trigger", p)
}

// jsonErrorAt says where in body (as the textarea shows it) a syntax
// error is: " at line L, column C" ("" when err does not say). The
// error's offset counts from the body's first non-space byte (lead). The
// page said only "unexpected end of JSON input" or "invalid character
// '}'…" of a body of 20 lines.
func jsonErrorAt(body []byte, lead int, err error) string {
	// json.Compact's and json.Indent's errors carry no offset; a
	// decode's check of the same bytes does.
	var v any
	if derr := json.Unmarshal(body[lead:], &v); derr != nil {
		err = derr
	}
	var se *json.SyntaxError
	if !errors.As(err, &se) {
		return ""
	}
	off := min(lead+int(se.Offset), len(body))
	before := body[:off]
	// The offset is just past the byte that was wrong (or the end):
	// its line and column are those of that byte.
	if len(before) > 0 && off > lead {
		before = before[:len(before)-1]
	}
	line := 1 + bytes.Count(before, []byte("\n"))
	col := 1 + utf8.RuneCount(before[bytes.LastIndexByte(before, '\n')+1:])
	return fmt.Sprintf(" at line %d, column %d", line, col)
}

// withHints is an error as the page says it: with the hints the CLI
// prints under it (an unknown event type's "did you mean"), which the
// page dropped, leaving "unknown event" and no way on.
func withHints(err error) string {
	msg := err.Error()
	var hh interface{ Hints() []string }
	if errors.As(err, &hh) {
		if hs := hh.Hints(); len(hs) > 0 {
			msg += ": " + strings.Join(hs, "; ")
		}
	}
	return msg
}

func (h *Handler) trigger(w http.ResponseWriter, r *http.Request) {
	typ, body, subID := strings.TrimSpace(r.FormValue("type")), r.FormValue("body"), r.FormValue("subscription")
	// Unless one is picked, a hookctl listen that is not running is left
	// out, as hookctl trigger leaves it out (service.Running).
	in := service.TriggerInput{Type: typ, Target: service.Target{SubscriptionID: subID, SkipStopped: true}}
	if strings.TrimSpace(body) != "" {
		b := []byte(body)
		et, sample, err := h.disp.Build(service.TriggerInput{Type: typ})
		provider := ""
		if err == nil {
			provider = et.Provider
		}
		// A browser submits a textarea's line breaks as CR LF: a body
		// whose template has LF line ends (XML, plain text) keeps them.
		if bytes.Contains(b, []byte("\r\n")) && (sample == nil || !bytes.Contains(sample.Payload, []byte("\r\n"))) {
			b = bytes.ReplaceAll(b, []byte("\r\n"), []byte("\n"))
		}
		if t := bytes.TrimSpace(b); len(t) > 0 && (t[0] == '{' || t[0] == '[') {
			// Laid out as the provider sends it, as hookctl trigger does
			// (Stripe pretty-printed, the others compact).
			w2, err := catalog.WireJSON(provider, t)
			if err != nil {
				h.triggerError(w, r, typ, body, subID, fmt.Errorf("the body is not valid JSON%s: %v", jsonErrorAt(b, len(b)-len(bytes.TrimLeft(b, " \t\r\n")), err), err))
				return
			}
			b = w2
		}
		in.Data = b
	}
	pub, err := h.disp.Trigger(r.Context(), in)
	if err != nil {
		h.triggerError(w, r, typ, body, subID, err)
		return
	}
	msg := fmt.Sprintf("sent %s %s to %d subscription(s)", pub.Event.Type, pub.Event.ID, len(pub.Deliveries))
	for _, sk := range pub.Skipped {
		msg += "; skipped: " + sk.Reason
	}
	http.Redirect(w, r, "/?type="+url.QueryEscape(pub.Event.Type)+"&"+h.flashQuery(msg), http.StatusSeeOther)
}

func (h *Handler) triggerError(w http.ResponseWriter, r *http.Request, typ, body, subID string, err error) {
	if store.IsTransient(err) {
		h.fail(w, r, 0, err)
		return
	}
	d, _ := h.triggerData(r.Context(), typ, body, subID)
	msg := withHints(err)
	if errors.Is(err, service.ErrNoTarget) {
		msg += ": create a subscription first (Subscriptions page) or pick one"
	}
	w.WriteHeader(http.StatusBadRequest)
	h.render(w, r, "trigger", page{Title: "Trigger", Error: msg, D: d})
}
