package signature

import (
	"encoding/hex"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// bondScheme signs like Bond: "t=<unix>,v1=<hex>,v2=<hex>", both
// HMAC-SHA256 keyed with the whole whsec_ string. v2 covers "{t}.{raw
// body}"; the legacy v1 covers "{t}." + the body re-serialised the way
// Python's json.dumps does by default (", " and ": " separators,
// ensure_ascii), see PythonJSON.
//
// Verification accepts a matching v2; only when the header has no v2 does
// it check v1. Bond does not publish a tolerance: hookctl applies 300 s,
// in the past and (against clock games) in the future.
type bondScheme struct{}

func (bondScheme) Name() string { return "bond" }

var bondWindow = timeWindow{tolerance: 300 * time.Second, future: true}

func (s bondScheme) Sign(in SignInput) (http.Header, error) {
	if err := checkSecrets(s.Name(), in.Secrets); err != nil {
		return nil, err
	}
	ts := in.Timestamp.Unix()
	secret := in.oneSecret()
	st := hmacSHA256.get()
	defer hmacSHA256.put(st)
	var b strings.Builder
	b.WriteString("t=")
	b.WriteString(strconv.FormatInt(ts, 10))
	// v1 only when the body is JSON that Python would re-serialise.
	if py, err := PythonJSON(in.Body); err == nil {
		b.WriteString(",v1=")
		b.WriteString(hex.EncodeToString(tsMAC(st, secret, ts, py)))
	}
	b.WriteString(",v2=")
	b.WriteString(hex.EncodeToString(tsMAC(st, secret, ts, in.Body)))
	h := http.Header{}
	h.Set(hBond, b.String())
	return h, nil
}

func (s bondScheme) Verify(in VerifyInput) error {
	raw := get(in.Header, hBond)
	if raw == "" {
		return missing(s.Name(), hBond)
	}
	p, bad := parsePairHeader(raw)
	if bad != "" {
		return malformed(s.Name(), hBond, "%s", bad)
	}
	if p.nv1 == 0 && p.nv2 == 0 {
		return malformed(s.Name(), hBond, "no v2= or v1= signature")
	}
	if err := checkSecrets(s.Name(), in.Secrets); err != nil {
		return err
	}
	body, sigs, what := in.Body, p.v2[:p.nv2], "v2"
	if p.nv2 == 0 {
		py, err := PythonJSON(in.Body)
		if err != nil {
			return noMatch(s.Name(), "the header has only a v1 signature, which covers the body as JSON re-serialised by Python, but the body is not JSON: "+err.Error())
		}
		body, sigs, what = py, p.v1[:p.nv1], "v1"
	}
	st := hmacSHA256.get()
	valid := false
	for _, secret := range in.Secrets {
		if matchHex(sigs, tsMAC(st, secret, p.ts, body)) {
			valid = true
			break
		}
	}
	hmacSHA256.put(st)
	if !valid {
		return noMatch(s.Name(), what+": "+signatureMismatch(len(in.Secrets), len(sigs)))
	}
	return bondWindow.check(s.Name(), in, p.ts, true)
}

// checkSecrets rejects a missing or empty secret (an empty HMAC key would
// verify signatures anyone can make).
func checkSecrets(scheme string, secrets []string) error {
	if len(secrets) == 0 {
		return badSecret(scheme, "no secret given")
	}
	for _, s := range secrets {
		if s == "" {
			return badSecret(scheme, "the secret is empty")
		}
	}
	return nil
}
