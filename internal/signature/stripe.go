package signature

import (
	"encoding/hex"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// pairHeader is a parsed "t=…,v1=…,v2=…" header (Stripe-Signature,
// Bond-Signature): pairs split on "," then "=", unknown keys ignored.
type pairHeader struct {
	ts   int64
	hasT bool
	v1   [8]string
	nv1  int
	v2   [8]string
	nv2  int
}

// parsePairHeader parses a Stripe-style signature header; the string
// returned on failure says what is malformed.
func parsePairHeader(header string) (pairHeader, string) {
	var p pairHeader
	for rest := header; rest != ""; {
		var pair string
		if i := strings.IndexByte(rest, ','); i >= 0 {
			pair, rest = rest[:i], rest[i+1:]
		} else {
			pair, rest = rest, ""
		}
		if t := strings.TrimSpace(pair); t == "" {
			continue
		} else if t != pair {
			// Stripe's libraries (node, python, go) split on "," and "="
			// and match the key exactly: " v1" is not "v1", so they would
			// ignore the pair and fail. Say so rather than accept what
			// the receiver's own library refuses.
			return p, "whitespace around " + strconv.Quote(clip(t)) + `: Stripe's libraries match the keys "t" and "v1" exactly and would ignore it; separate the pairs with a bare ","`
		}
		k, v, ok := strings.Cut(pair, "=")
		if !ok {
			return p, `want comma-separated key=value pairs such as "t=1614265330,v1=<hex>", got ` + strconv.Quote(clip(pair))
		}
		switch k {
		case "t":
			ts, ok := parseUnix(v)
			if !ok {
				return p, "t= must be unix seconds, got " + strconv.Quote(clip(v))
			}
			p.ts, p.hasT = ts, true
		case "v1":
			if p.nv1 < len(p.v1) {
				p.v1[p.nv1] = v
				p.nv1++
			}
		case "v2":
			if p.nv2 < len(p.v2) {
				p.v2[p.nv2] = v
				p.nv2++
			}
		}
	}
	if !p.hasT {
		return p, "no t= timestamp"
	}
	return p, ""
}

// matchHex reports whether any of the hex signatures equals mac (each
// compared in constant time; bad hex never matches).
func matchHex(sigs []string, mac []byte) bool {
	found := false
	for _, s := range sigs {
		var b [64]byte
		n, ok := decodeHex(b[:], s)
		if ok && ctEqual(b[:n], mac) {
			found = true
		}
	}
	return found
}

// stripeScheme signs like Stripe: HMAC-SHA256 of "{t}.{body}" keyed with
// the whole whsec_ string, "t=<unix>,v1=<hex>[,v1=<hex>…]".
type stripeScheme struct{}

func (stripeScheme) Name() string { return "stripe" }

var stripeWindow = timeWindow{tolerance: 300 * time.Second}

// tsMAC returns HMAC-SHA256(secret, "{ts}.{body}").
func tsMAC(st *macState, secret string, ts int64, body []byte) []byte {
	st.msg = strconv.AppendInt(st.msg[:0], ts, 10)
	st.msg = append(st.msg, '.')
	begin(hmacSHA256, st, secret)
	st.h.Write(st.msg)
	st.h.Write(body)
	return hmacSHA256.finish(st)
}

func (s stripeScheme) Sign(in SignInput) (http.Header, error) {
	if len(in.Secrets) == 0 {
		return nil, badSecret(s.Name(), "no secret given")
	}
	ts := in.Timestamp.Unix()
	var b strings.Builder
	b.WriteString("t=")
	b.WriteString(strconv.FormatInt(ts, 10))
	st := hmacSHA256.get()
	defer hmacSHA256.put(st)
	for _, secret := range in.Secrets {
		if err := ValidateSecret(s.Name(), secret); err != nil {
			return nil, err
		}
		b.WriteString(",v1=")
		b.WriteString(hex.EncodeToString(tsMAC(st, secret, ts, in.Body)))
	}
	h := http.Header{}
	h.Set(hStripe, b.String())
	return h, nil
}

func (s stripeScheme) Verify(in VerifyInput) error {
	raw := get(in.Header, hStripe)
	if raw == "" {
		return missing(s.Name(), hStripe)
	}
	p, bad := parsePairHeader(raw)
	if bad != "" {
		return malformed(s.Name(), hStripe, "%s", bad)
	}
	if p.nv1 == 0 {
		return malformed(s.Name(), hStripe, "no v1= signature")
	}
	if err := checkSecrets(s.Name(), in.Secrets); err != nil {
		return err
	}
	st := hmacSHA256.get()
	valid := false
	for _, secret := range in.Secrets {
		if matchHex(p.v1[:p.nv1], tsMAC(st, secret, p.ts, in.Body)) {
			valid = true
			break
		}
	}
	hmacSHA256.put(st)
	if !valid {
		return noMatch(s.Name(), signatureMismatch(len(in.Secrets), p.nv1))
	}
	return stripeWindow.check(s.Name(), in, p.ts, true)
}
