package signature

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// standardScheme is Standard Webhooks v1 (what Svix sends): HMAC-SHA256 of
// "{id}.{timestamp}.{body}" keyed with the base64-decoded whsec_ secret,
// sent as "v1,<base64>" entries separated by spaces.
type standardScheme struct{}

func (standardScheme) Name() string { return "standard" }

var standardWindow = timeWindow{tolerance: 5 * time.Minute, future: true}

func (s standardScheme) Sign(in SignInput) (http.Header, error) {
	if len(in.Secrets) == 0 {
		return nil, badSecret(s.Name(), "no secret given")
	}
	if in.ID == "" {
		return nil, fmt.Errorf("%s: a message id is required (it is signed and sent as webhook-id)", s.Name())
	}
	ts := in.Timestamp.Unix()
	var sigs strings.Builder
	for i, secret := range in.Secrets {
		var kb [maxKeyLen]byte
		key, err := decodeStandardKey(kb[:], secret)
		if err != nil {
			return nil, err
		}
		st := hmacSHA256.get()
		mac := standardMAC(st, key, in.ID, ts, in.Body)
		if i > 0 {
			sigs.WriteByte(' ')
		}
		sigs.WriteString("v1,")
		sigs.WriteString(base64.StdEncoding.EncodeToString(mac))
		hmacSHA256.put(st)
	}
	h := http.Header{}
	h.Set(hWebhookID, in.ID)
	h.Set(hWebhookTimestamp, strconv.FormatInt(ts, 10))
	h.Set(hWebhookSignature, sigs.String())
	return h, nil
}

// svixScheme is the Standard Webhooks v1 signature under the header names
// Svix sends by default (svix-id, svix-timestamp, svix-signature; the
// webhook- names are a paid white-label option). Receivers that read
// svix-id themselves (Svix's manual verification guide, idempotency keyed
// on it) need these names. It verifies like standard (either set).
type svixScheme struct{ standardScheme }

func (svixScheme) Name() string { return "svix" }

func (s svixScheme) Sign(in SignInput) (http.Header, error) {
	h, err := s.standardScheme.Sign(in)
	if err != nil {
		return nil, err
	}
	for from, to := range map[string]string{hWebhookID: hSvixID, hWebhookTimestamp: hSvixTimestamp, hWebhookSignature: hSvixSignature} {
		h[to] = h[from]
		delete(h, from)
	}
	return h, nil
}

// standardMAC returns HMAC-SHA256(key, "{id}.{ts}.{body}") in st.
func standardMAC(st *macState, key []byte, id string, ts int64, body []byte) []byte {
	st.msg = append(st.msg[:0], id...)
	st.msg = append(st.msg, '.')
	st.msg = strconv.AppendInt(st.msg, ts, 10)
	st.msg = append(st.msg, '.')
	begin(hmacSHA256, st, key)
	st.h.Write(st.msg)
	st.h.Write(body)
	return hmacSHA256.finish(st)
}

func (s standardScheme) Verify(in VerifyInput) error {
	sh, verr := readStandardHeaders(s.Name(), in.Header)
	if verr != nil {
		return verr
	}
	if len(in.Secrets) == 0 {
		return badSecret(s.Name(), "no secret given")
	}
	n := countStandardSignatures(sh.sig, "v1")
	if n.total == 0 {
		return malformed(s.Name(), sh.sigName, `want space-separated "v1,<base64>" entries, got %q`, clip(sh.sig))
	}
	if n.matching == 0 {
		if n.v1a > 0 {
			return noMatch(s.Name(), "the header holds only v1a (ed25519) signatures; use the standard-ed25519 scheme with the whpk_ public key")
		}
		return noMatch(s.Name(), fmt.Sprintf("%q has no v1 signature", sh.sigName))
	}
	valid := false
	st := hmacSHA256.get()
	for _, secret := range in.Secrets {
		var kb [maxKeyLen]byte
		key, err := decodeStandardKey(kb[:], secret)
		if err != nil {
			hmacSHA256.put(st)
			return err
		}
		mac := standardMAC(st, key, sh.id, sh.ts, in.Body)
		st.text = base64.StdEncoding.AppendEncode(st.text[:0], mac)
		if matchStandard(sh.sig, "v1", st.text) {
			valid = true
			break
		}
	}
	hmacSHA256.put(st)
	if !valid {
		return noMatch(s.Name(), signatureMismatch(len(in.Secrets), n.matching))
	}
	return standardWindow.check(s.Name(), in, sh.ts, true)
}

func signatureMismatch(secrets, sigs int) string {
	what := "the signature"
	if sigs > 1 {
		what = fmt.Sprintf("none of the %d signatures", sigs)
	}
	with := "the secret"
	if secrets > 1 {
		with = fmt.Sprintf("any of the %d secrets", secrets)
	}
	if sigs > 1 {
		return fmt.Sprintf("%s matches the body with %s (wrong secret, or the body was changed after signing)", what, with)
	}
	return fmt.Sprintf("%s does not match the body with %s (wrong secret, or the body was changed after signing)", what, with)
}

// stdHeaders are the three Standard Webhooks headers of a request.
type stdHeaders struct {
	id, sig string
	ts      int64
	sigName string // the signature header's name as found, for messages
}

// readStandardHeaders reads webhook-* headers, or svix-* when no
// webhook-signature is present.
func readStandardHeaders(scheme string, h http.Header) (stdHeaders, *VerifyError) {
	idK, tsK, sigK := hWebhookID, hWebhookTimestamp, hWebhookSignature
	sig := get(h, sigK)
	if sig == "" {
		if s := get(h, hSvixSignature); s != "" {
			idK, tsK, sigK, sig = hSvixID, hSvixTimestamp, hSvixSignature, s
		}
	}
	if sig == "" {
		e := missing(scheme, "webhook-signature")
		e.Msg = `missing header "webhook-signature" (or "svix-signature")`
		return stdHeaders{}, e
	}
	id := get(h, idK)
	if id == "" {
		return stdHeaders{}, missing(scheme, HeaderName(idK))
	}
	tsv := get(h, tsK)
	if tsv == "" {
		return stdHeaders{}, missing(scheme, HeaderName(tsK))
	}
	ts, ok := parseUnix(strings.TrimSpace(tsv))
	if !ok {
		return stdHeaders{}, malformed(scheme, HeaderName(tsK), "want unix seconds, got %q", clip(tsv))
	}
	return stdHeaders{id: id, sig: sig, ts: ts, sigName: HeaderName(sigK)}, nil
}

type sigCount struct{ total, matching, v1a int }

// countStandardSignatures counts the "version,signature" entries of a
// webhook-signature header, and those of the given version.
func countStandardSignatures(header, version string) sigCount {
	var n sigCount
	for rest := header; rest != ""; {
		var tok string
		tok, rest = nextField(rest)
		v, sig, ok := strings.Cut(tok, ",")
		if !ok || v == "" || sig == "" {
			continue
		}
		n.total++
		if v == version {
			n.matching++
		}
		if v == "v1a" {
			n.v1a++
		}
	}
	return n
}

// matchStandard reports whether any entry of the given version equals
// want, comparing each in constant time.
func matchStandard(header, version string, want []byte) bool {
	found := false
	for rest := header; rest != ""; {
		var tok string
		tok, rest = nextField(rest)
		v, sig, ok := strings.Cut(tok, ",")
		if ok && v == version && ctEqualString(sig, want) {
			found = true
		}
	}
	return found
}

// nextField splits off the next space-separated field.
func nextField(s string) (field, rest string) {
	s = strings.TrimLeft(s, " ")
	if i := strings.IndexByte(s, ' '); i >= 0 {
		return s[:i], s[i+1:]
	}
	return s, ""
}

// clip shortens a header value quoted in a message.
func clip(s string) string {
	if len(s) > 80 {
		return s[:77] + "..."
	}
	return s
}
