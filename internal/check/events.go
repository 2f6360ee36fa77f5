package check

import (
	"bytes"
	"encoding/json"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/tidwall/gjson"
	"github.com/tidwall/sjson"

	"github.com/hookctl/hookctl/internal/catalog"
)

func isJSON(ct string) bool {
	ct = strings.TrimSpace(strings.SplitN(ct, ";", 2)[0])
	return ct == "" || ct == catalog.ContentJSON || strings.HasSuffix(ct, "+json")
}

// tamper changes a signed body the way an attacker would: a field added
// to a JSON object, one character changed otherwise.
func tamper(body []byte, ct string) []byte {
	if isJSON(ct) && gjson.ParseBytes(body).IsObject() {
		if out, err := sjson.SetBytes(body, "hookctl_tampered", true); err == nil {
			return out
		}
	}
	out := bytes.Clone(body)
	if len(out) == 0 {
		return []byte("tampered")
	}
	i := len(out) / 2
	for j := i; j < len(out); j++ {
		if c := out[j]; c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' {
			i = j
			break
		}
	}
	if out[i] == 'x' {
		out[i] = 'y'
	} else {
		out[i] = 'x'
	}
	return out
}

// pad grows a body to about size bytes: a padding field in a JSON object,
// trailing whitespace otherwise (harmless in XML and text).
func pad(body []byte, ct string, size int) []byte {
	n := size - len(body)
	if n <= 0 {
		return body
	}
	if isJSON(ct) && gjson.ParseBytes(body).IsObject() {
		fill := max(0, n-len(`,"hookctl_padding":""`))
		if out, err := sjson.SetBytes(body, "hookctl_padding", strings.Repeat("x", fill)); err == nil {
			return out
		}
	}
	return append(bytes.Clone(body), bytes.Repeat([]byte{' '}, n)...)
}

// typeFields are where a provider's body names the event type.
var typeFields = []string{"type", "event", "event_type", "eventType"}

// unknownType rewrites the event type in a JSON body to one no provider
// documents. ok is false when the body does not carry its type. GitHub
// names its event in the X-GitHub-Event header, which the sender fills
// from the type: the body stays and the type becomes a name GitHub does
// not send.
func unknownType(provider string, body []byte, ct, typ string) ([]byte, string, bool) {
	if provider == "github" {
		return body, "hookctl_check_unknown_event", true
	}
	if !isJSON(ct) {
		return nil, "", false
	}
	for _, f := range typeFields {
		v := gjson.GetBytes(body, f)
		if v.Type != gjson.String || v.Str == "" {
			continue
		}
		unknown := "hookctl.check.unknown_event"
		if v.Str != typ && strings.ToUpper(v.Str) == v.Str {
			unknown = "HOOKCTL_CHECK_UNKNOWN_EVENT" // Mambu-style names
		}
		out, err := sjson.SetBytes(body, f, unknown)
		if err != nil {
			return nil, "", false
		}
		return out, unknown, true
	}
	return nil, "", false
}

// relatedPair finds two related events of base's provider: one that comes
// first in an object's life (…created, …connected, …initiated) and a later
// one about the same kind of object (…updated, …status.active), in the
// same format (one receiver's endpoint gets one format: a Mambu user
// writes each template, JSON for a JSON endpoint). It prefers a pair
// containing base. Without such a pair, a later event of another kind in
// the same format that is about the first one's object: Mambu's
// deposit.created names the client client.created creates (subjectPair).
func relatedPair(c *catalog.Catalog, base *catalog.EventType) (first, later *catalog.EventType) {
	if f, l := sameKindPair(c, base); f != nil {
		return f, l
	}
	return subjectPair(c, base)
}

// sameFormat: a and b have one content type (JSON written either way).
func sameFormat(a, b *catalog.EventType) bool {
	ct := func(e *catalog.EventType) string {
		if e.IsJSON() {
			return catalog.ContentJSON
		}
		return strings.TrimSpace(strings.SplitN(e.ContentType, ";", 2)[0])
	}
	return ct(a) == ct(b)
}

func isFirstEvent(t string) bool {
	last := t[strings.LastIndexByte(t, '.')+1:]
	return strings.Contains(last, "created") || strings.Contains(last, "connected") || strings.Contains(last, "initiated") ||
		last == "opened" // GitHub: issues.opened, pull_request.opened
}

func eventGroup(t string) string {
	g, _, _ := strings.Cut(t, ".")
	return g
}

// subjectPair pairs events whose templates name objects by {PLACEHOLDER}s
// (Mambu's): a first event (client.created) and a later one of another
// kind in the same format whose placeholders name the first one's object
// by all its ids ({CLIENT_ID}, {CLIENT_KEY}): deposit.created, the account
// of that client. Events that create an object of their own come first
// among the later ones (an account opened for a client not yet known is
// the common case), then base's pairs before others.
func subjectPair(c *catalog.Catalog, base *catalog.EventType) (first, later *catalog.EventType) {
	ets := c.List(base.Provider, "")
	now := time.Unix(1700000000, 0)
	subjects := map[*catalog.EventType]map[string]string{}
	for _, et := range ets {
		if ev, err := c.Build(et, catalog.BuildOptions{Now: now}); err == nil && len(ev.Subject) > 0 {
			subjects[et] = ev.Subject
		}
	}
	about := func(f, l *catalog.EventType) bool {
		prefix := strings.ToUpper(eventGroup(f.Type)) + "_"
		n := 0
		for k := range subjects[f] {
			if strings.HasPrefix(k, prefix) && (strings.HasSuffix(k, "_ID") || strings.HasSuffix(k, "_KEY")) {
				if _, ok := subjects[l][k]; !ok {
					return false
				}
				n++
			}
		}
		return n > 0
	}
	score := func(f, l *catalog.EventType) int {
		s := 0
		if !isFirstEvent(l.Type) {
			s += 2
		}
		if f != base && l != base {
			s++
		}
		return s
	}
	best := -1
	for _, f := range ets {
		if !isFirstEvent(f.Type) || subjects[f] == nil {
			continue
		}
		for _, l := range ets {
			if l == f || eventGroup(l.Type) == eventGroup(f.Type) || !sameFormat(f, l) || !about(f, l) {
				continue
			}
			if sc := score(f, l); best < 0 || sc < best {
				first, later, best = f, l, sc
			}
		}
	}
	return first, later
}

// sameKindPair is relatedPair within one kind of object (the first part
// of the event name: card, charge.dispute, issues).
func sameKindPair(c *catalog.Catalog, base *catalog.EventType) (first, later *catalog.EventType) {
	ets := c.List(base.Provider, "")
	isFirst := func(t string) bool {
		last := t[strings.LastIndexByte(t, '.')+1:]
		return strings.Contains(last, "created") || strings.Contains(last, "connected") || strings.Contains(last, "initiated") ||
			last == "opened" // GitHub: issues.opened, pull_request.opened
	}
	group := func(t string) string {
		g, _, _ := strings.Cut(t, ".")
		return g
	}
	rank := func(t string) int {
		switch {
		case strings.Contains(t, "updated"), strings.Contains(t, "active"), strings.HasSuffix(t, ".edited"):
			return 0
		case strings.Contains(t, "deleted"), strings.Contains(t, "closed"), strings.Contains(t, "unlinked"):
			return 2
		}
		return 1
	}
	// shared is how many leading name segments a and b have in common
	// before their last: a later event of charge.dispute.created is
	// charge.dispute.closed (the same dispute), not charge.updated (a
	// charge: no object of one is the other's, and the pair was not
	// related at all).
	shared := func(a, b string) int {
		sa, sb := strings.Split(a, "."), strings.Split(b, ".")
		n := 0
		for n < len(sa)-1 && n < len(sb)-1 && sa[n] == sb[n] {
			n++
		}
		return n
	}
	pick := func(f *catalog.EventType) *catalog.EventType {
		var best *catalog.EventType
		for _, et := range ets {
			if et == f || group(et.Type) != group(f.Type) || isFirst(et.Type) || !sameFormat(et, f) {
				continue
			}
			if best == nil || shared(et.Type, f.Type) > shared(best.Type, f.Type) ||
				shared(et.Type, f.Type) == shared(best.Type, f.Type) && rank(et.Type) < rank(best.Type) {
				best = et
			}
		}
		return best
	}
	// base itself, or the first event of base's group, or any pair.
	var cands []*catalog.EventType
	if isFirst(base.Type) {
		cands = append(cands, base)
	}
	for _, et := range ets {
		if isFirst(et.Type) && group(et.Type) == group(base.Type) {
			cands = append(cands, et)
		}
	}
	for _, et := range ets {
		if isFirst(et.Type) {
			cands = append(cands, et)
		}
	}
	for _, f := range cands {
		if l := pick(f); l != nil {
			return f, l
		}
	}
	return nil, nil
}

// Compiled on first use, not in package init (every command links check).
var (
	uuidRe = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)
	})
	hexRe   = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[0-9a-f]{16,}$`) })
	tokenRe = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^([a-z]+_)[A-Za-z0-9]{8,}$`) })
)

// idLike says whether a and b are two ids of the same kind (cus_…,
// UUIDs, long hex).
func idLike(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	switch {
	case uuidRe().MatchString(a) && uuidRe().MatchString(b), hexRe().MatchString(a) && hexRe().MatchString(b):
		return true
	}
	ma, mb := tokenRe().FindStringSubmatch(a), tokenRe().FindStringSubmatch(b)
	return ma != nil && mb != nil && ma[1] == mb[1]
}

// relate makes the older event about the same objects as the newer one:
// every id-like string at the same path (card id, customer id, …) is
// copied from newer into older, and so are GitHub's numeric "id" and
// "number" and its "node_id" strings; the event ids stay their own. An
// id copied is also replaced where the older event names it inside
// another string (a subscription's items URL, a customer's document
// upload link), so the older event's references agree with each other
// as every catalog event's do.
func relate(older, newer []byte, olderID, newerID string) []byte {
	return relateGenerated(older, newer, olderID, newerID, nil, nil)
}

// relateGenerated is relate, and then makes every other field that
// describes an object the two events share agree: an object is shared
// when relate made one of its ids the newer one's (or the two had the
// same already), and a field of it (or of an object inside it without an
// id of its own) that the catalog generated at random in both events
// (olderGen, newerGen: catalog.Event.Generated) takes the newer one's
// value: a card's last four digits, a dispute's amount. What an event
// type states (a status: literal in its template) and its times stay the
// older event's own. Before, Bond's card.created and card.status.active
// named one card_id with two last_four.
func relateGenerated(older, newer []byte, olderID, newerID string, olderGen, newerGen []catalog.Span) []byte {
	if !gjson.ValidBytes(older) || !gjson.ValidBytes(newer) {
		return older
	}
	byPath := func(body []byte) map[string]jsonLeaf {
		m := map[string]jsonLeaf{}
		for _, l := range jsonLeaves(gjson.ParseBytes(body)) {
			m[l.path] = l
		}
		return m
	}
	leaves, newLeaves := byPath(older), byPath(newer)
	out := older
	renamed := map[string]string{} // an id of older → newer's
	shared := map[string]bool{}    // objects about the same object in both
	for p, l := range leaves {
		nv := gjson.GetBytes(newer, p)
		var set any
		switch ov := l.v; {
		case ov.Type == gjson.Number && nv.Type == gjson.Number && (l.key == "id" || l.key == "number") && nv.Raw != ov.Raw:
			set = json.RawMessage(nv.Raw)
		case ov.Type != gjson.String || nv.Type != gjson.String || nv.Str == ov.Str || ov.Str == olderID || nv.Str == newerID:
			continue
		case idLike(ov.Str, nv.Str), l.key == "node_id" && ov.Str != "" && nv.Str != "":
			set = nv.Str
			renamed[ov.Str] = nv.Str
		default:
			continue
		}
		if o, err := sjson.SetBytes(out, p, set); err == nil {
			out = o
			shared[l.parent] = true
		}
	}
	// An object's id at another path: Mono's account_connected names the
	// account data.id, its account_updated data.account._id. An "id" or
	// "_id" of older at a path newer lacks takes the one id of the same
	// kind under "id" or "_id" that newer has at a path older lacks.
	isID := func(l jsonLeaf) bool { return (l.key == "id" || l.key == "_id") && l.v.Type == gjson.String }
	for _, p := range slices.Sorted(maps.Keys(leaves)) {
		l := leaves[p]
		if !isID(l) || l.v.Str == olderID || renamed[l.v.Str] != "" || gjson.GetBytes(newer, p).Exists() {
			continue
		}
		var cands []string
		for np, nl := range newLeaves {
			if isID(nl) && nl.v.Str != newerID && idLike(l.v.Str, nl.v.Str) && !gjson.GetBytes(older, np).Exists() {
				cands = append(cands, nl.v.Str)
			}
		}
		if len(cands) != 1 {
			continue
		}
		if o, err := sjson.SetBytes(out, p, cands[0]); err == nil {
			out, renamed[l.v.Str] = o, cands[0]
			shared[l.parent] = true
		}
	}
	out = relateFields(out, older, newer, olderID, newerID, olderGen, newerGen, shared)
	// The same ids inside other strings. Ids are random and long (8+
	// characters of [A-Za-z0-9_-]), so a byte replacement finds only
	// them, and never the event's own id (not renamed).
	for _, old := range slices.Sorted(maps.Keys(renamed)) {
		if len(old) >= 8 && !strings.ContainsAny(old, "\\\"") {
			out = bytes.ReplaceAll(out, []byte(old), []byte(renamed[old]))
		}
	}
	return out
}

// isIDKey: a field named as an object's id (id, _id, card_id,
// accountHolderKey is not one: a reference).
func isIDKey(k string) bool {
	return k == "id" || k == "_id" || strings.HasSuffix(k, "_id") || strings.HasSuffix(k, "Id") || k == "encodedKey"
}

// parentPath is the path of the object or array holding path p ("" at
// the top).
func parentPath(p string) string {
	for i := len(p) - 1; i >= 0; i-- {
		if p[i] == '.' && (i == 0 || p[i-1] != '\\') {
			return p[:i]
		}
	}
	return ""
}

// generated says how the catalog made the value at path p of body:
// 'r' random, 't' a time, 0 literal or unknown.
func generated(body []byte, p string, spans []catalog.Span) byte {
	v := gjson.GetBytes(body, p)
	if !v.Exists() || v.Index <= 0 {
		return 0
	}
	start, end := v.Index, v.Index+len(v.Raw)
	kind := byte(0)
	for _, s := range spans {
		if s.Start < end && start < s.End {
			if s.Time {
				return 't'
			}
			kind = 'r'
		}
	}
	return kind
}

// relateFields copies into out (older, its ids related) newer's value of
// every field of a shared object that the catalog generated at random in
// both events (see relateGenerated). The fields' object is the nearest
// one holding them that has an id field.
func relateFields(out, older, newer []byte, olderID, newerID string, olderGen, newerGen []catalog.Span, shared map[string]bool) []byte {
	if len(olderGen) == 0 || len(newerGen) == 0 {
		return out
	}
	hasID := map[string]bool{}
	leaves := jsonLeaves(gjson.ParseBytes(older))
	for _, l := range leaves {
		if isIDKey(l.key) {
			hasID[l.parent] = true
			// The same id in both (a shared placeholder, an @name):
			// the same object too.
			if nv := gjson.GetBytes(newer, l.path); nv.Type == gjson.String && nv.Str == l.v.Str && l.v.Str != "" && l.v.Str != olderID && l.v.Str != newerID {
				shared[l.parent] = true
			}
		}
	}
	for _, l := range leaves {
		nv := gjson.GetBytes(newer, l.path)
		if !nv.Exists() || nv.Raw == l.v.Raw || nv.Type != l.v.Type || l.v.Str == olderID || nv.Str == newerID {
			continue
		}
		owner := l.parent
		for !hasID[owner] && owner != "" {
			owner = parentPath(owner)
		}
		if !hasID[owner] || !shared[owner] {
			continue
		}
		if generated(older, l.path, olderGen) != 'r' || generated(newer, l.path, newerGen) != 'r' {
			continue
		}
		if o, err := sjson.SetRawBytes(out, l.path, []byte(nv.Raw)); err == nil {
			out = o
		}
	}
	return out
}

func escapePath(k string) string {
	var b strings.Builder
	for _, c := range k {
		switch c {
		case '.', '*', '?', '|', '#', '@', '\\':
			b.WriteByte('\\')
		}
		b.WriteRune(c)
	}
	return b.String()
}

// jsonLeaf is a string or number in a JSON document: its gjson path, its
// last key, the path of the object or array holding it, and its value.
type jsonLeaf struct {
	path, key, parent string
	v                 gjson.Result
}

// jsonLeaves lists v's strings and numbers, in document order.
func jsonLeaves(v gjson.Result) []jsonLeaf {
	var leaves []jsonLeaf
	var walk func(prefix string, v gjson.Result)
	walk = func(prefix string, v gjson.Result) {
		v.ForEach(func(k, val gjson.Result) bool {
			p := escapePath(k.String())
			if prefix != "" {
				p = prefix + "." + p
			}
			switch {
			case val.IsObject() || val.IsArray():
				walk(p, val)
			case val.Type == gjson.String || val.Type == gjson.Number:
				leaves = append(leaves, jsonLeaf{p, k.String(), prefix, val})
			}
			return true
		})
	}
	walk("", v)
	return leaves
}

// ageSharedTimes makes the times of the objects the newer event shares
// with the older one (an object whose id the older event names too: the
// dispute of charge.dispute.created and .closed, the account Mono's
// account_connected names data.id and account_updated data.account._id,
// the issue of issues.opened and .edited) agree with the older event: the
// object existed when the older event happened, so every time the catalog
// generated in it (created, created_at, a due date counted from its
// creation) is as of the older event, age earlier; only a time that says
// when it last changed (updated_at…) keeps the newer event's. The event's
// own times (top level: created, occurred_at, timestamp) and the objects
// only the newer event has (Mambu's new deposit account) stay as built.
// Before, an object's created said one time in the older event and a
// minute later in the newer one (Stripe's dispute), or after the older
// event (Mono's account created_at).
func ageSharedTimes(newer []byte, newerGen []catalog.Span, older []byte, olderID, newerID string, age time.Duration) []byte {
	if len(newerGen) == 0 || !gjson.ValidBytes(newer) || !gjson.ValidBytes(older) {
		return newer
	}
	olderIDs := map[string]bool{}
	for _, l := range jsonLeaves(gjson.ParseBytes(older)) {
		if isIDKey(l.key) && l.v.String() != "" && l.v.String() != olderID {
			olderIDs[l.v.Raw] = true
		}
	}
	leaves := jsonLeaves(gjson.ParseBytes(newer))
	hasID, shared := map[string]bool{}, map[string]bool{}
	for _, l := range leaves {
		if isIDKey(l.key) {
			hasID[l.parent] = true
			if l.v.String() != newerID && olderIDs[l.v.Raw] {
				shared[l.parent] = true
			}
		}
	}
	type change struct {
		path string
		raw  []byte
	}
	var changes []change
	for _, l := range leaves {
		if l.parent == "" || updateKey(l.key) || generated(newer, l.path, newerGen) != 't' {
			continue
		}
		owner := l.parent
		for !hasID[owner] && owner != "" {
			owner = parentPath(owner)
		}
		if owner == "" || !shared[owner] {
			continue
		}
		if raw, ok := shiftTime(l.v, -age); ok {
			changes = append(changes, change{l.path, raw})
		}
	}
	out := newer
	for _, c := range changes {
		if o, err := sjson.SetRawBytes(out, c.path, c.raw); err == nil {
			out = o
		}
	}
	return out
}

// updateKey: a field that says when an object last changed.
func updateKey(k string) bool {
	k = strings.ToLower(k)
	return strings.Contains(k, "updat") || strings.Contains(k, "modif")
}

// timeLayouts are the catalog's time formats (catalog's now, now_micro,
// now_ms, now_tz, now_date).
var timeLayouts = []string{"2006-01-02T15:04:05Z07:00", "2006-01-02T15:04:05.000000-07:00",
	"2006-01-02T15:04:05.000Z07:00", "2006-01-02T15:04:05-07:00", "2006-01-02"}

// shiftTime moves a time by d in its own format: unix seconds or
// milliseconds (a JSON number), or a string in one of timeLayouts. ok is
// false for anything else.
func shiftTime(v gjson.Result, d time.Duration) ([]byte, bool) {
	switch v.Type {
	case gjson.Number:
		n, err := strconv.ParseInt(v.Raw, 10, 64)
		if err != nil || n <= 0 {
			return nil, false
		}
		if n > 1e11 { // milliseconds
			return strconv.AppendInt(nil, n+d.Milliseconds(), 10), true
		}
		return strconv.AppendInt(nil, n+int64(d/time.Second), 10), true
	case gjson.String:
		for _, layout := range timeLayouts {
			if t, err := time.Parse(layout, v.Str); err == nil && t.Format(layout) == v.Str {
				b, _ := json.Marshal(t.Add(d).Format(layout))
				return b, true
			}
		}
	}
	return nil, false
}
