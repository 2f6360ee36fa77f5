package signature

import (
	"encoding/hex"
	"net/http"
	"strings"
)

// githubScheme signs like GitHub: "sha256=<hex HMAC-SHA256 of the body>" in
// X-Hub-Signature-256 and, as GitHub still does, the legacy
// "sha1=<hex>" in X-Hub-Signature; X-GitHub-Delivery carries the id and
// X-GitHub-Event the event type. No timestamp. Verification prefers
// X-Hub-Signature-256 and falls back to the legacy sha1 header.
type githubScheme struct{}

func (githubScheme) Name() string { return "github" }

func bodyMAC(a *macAlgo, st *macState, secret string, body []byte) []byte {
	begin(a, st, secret)
	st.h.Write(body)
	return a.finish(st)
}

func (s githubScheme) Sign(in SignInput) (http.Header, error) {
	if err := checkSecrets(s.Name(), in.Secrets); err != nil {
		return nil, err
	}
	h := http.Header{}
	secret := in.oneSecret()
	st := hmacSHA256.get()
	h.Set(hHubSig256, "sha256="+hex.EncodeToString(bodyMAC(hmacSHA256, st, secret, in.Body)))
	hmacSHA256.put(st)
	st1 := hmacSHA1.get()
	h.Set(hHubSig, "sha1="+hex.EncodeToString(bodyMAC(hmacSHA1, st1, secret, in.Body)))
	hmacSHA1.put(st1)
	if in.ID != "" {
		h.Set(hGitHubDelivery, in.ID)
	}
	if in.EventType != "" {
		h.Set(hGitHubEvent, in.EventType)
	}
	return h, nil
}

func (s githubScheme) Verify(in VerifyInput) error {
	name, algo, prefix := hHubSig256, hmacSHA256, "sha256="
	sig := get(in.Header, hHubSig256)
	if sig == "" {
		if sig = get(in.Header, hHubSig); sig == "" {
			e := missing(s.Name(), hHubSig256)
			e.Msg = `missing header "X-Hub-Signature-256" (or the legacy "X-Hub-Signature")`
			return e
		}
		name, algo, prefix = hHubSig, hmacSHA1, "sha1="
	}
	hexSig, ok := strings.CutPrefix(strings.TrimSpace(sig), prefix)
	var b [64]byte
	n, hexOK := decodeHex(b[:], hexSig)
	if !ok || !hexOK || n != algo.size {
		return malformed(s.Name(), name, "want %q followed by %d hex digits, got %q", prefix, 2*algo.size, clip(sig))
	}
	if err := checkSecrets(s.Name(), in.Secrets); err != nil {
		return err
	}
	st := algo.get()
	valid := false
	for _, secret := range in.Secrets {
		if ctEqual(b[:n], bodyMAC(algo, st, secret, in.Body)) {
			valid = true
			break
		}
	}
	algo.put(st)
	if !valid {
		return noMatch(s.Name(), signatureMismatch(len(in.Secrets), 1))
	}
	return nil
}
