package signature

import (
	"crypto/ed25519"
	"encoding/base64"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
)

// ed25519Scheme is the asymmetric Standard Webhooks variant: an ed25519
// signature of "{id}.{timestamp}.{body}" sent as "v1a,<base64>" in the same
// headers as standard. The sender holds a whsk_ private key, receivers the
// whpk_ public key.
type ed25519Scheme struct{}

func (ed25519Scheme) Name() string { return "standard-ed25519" }

var msgPool = sync.Pool{New: func() any { b := make([]byte, 0, 4096); return &b }}

func appendSignedContent(dst []byte, id string, ts int64, body []byte) []byte {
	dst = append(dst, id...)
	dst = append(dst, '.')
	dst = strconv.AppendInt(dst, ts, 10)
	dst = append(dst, '.')
	return append(dst, body...)
}

func (s ed25519Scheme) Sign(in SignInput) (http.Header, error) {
	if len(in.Secrets) == 0 {
		return nil, badSecret(s.Name(), "no secret given")
	}
	if in.ID == "" {
		return nil, fmt.Errorf("%s: a message id is required (it is signed and sent as webhook-id)", s.Name())
	}
	ts := in.Timestamp.Unix()
	msg := appendSignedContent(nil, in.ID, ts, in.Body)
	var sigs strings.Builder
	for i, secret := range in.Secrets {
		priv, err := decodeEd25519Private(secret)
		if err != nil {
			return nil, err
		}
		if i > 0 {
			sigs.WriteByte(' ')
		}
		sigs.WriteString("v1a,")
		sigs.WriteString(base64.StdEncoding.EncodeToString(ed25519.Sign(priv, msg)))
	}
	h := http.Header{}
	h.Set(hWebhookID, in.ID)
	h.Set(hWebhookTimestamp, strconv.FormatInt(ts, 10))
	h.Set(hWebhookSignature, sigs.String())
	return h, nil
}

func (s ed25519Scheme) Verify(in VerifyInput) error {
	sh, verr := readStandardHeaders(s.Name(), in.Header)
	if verr != nil {
		return verr
	}
	if len(in.Secrets) == 0 {
		return badSecret(s.Name(), "no key given")
	}
	var keys [4]ed25519.PublicKey
	pubs := keys[:0]
	for _, secret := range in.Secrets {
		pub, err := decodeEd25519Public(secret)
		if err != nil {
			return err
		}
		pubs = append(pubs, pub)
	}
	n := countStandardSignatures(sh.sig, "v1a")
	if n.total == 0 {
		return malformed(s.Name(), sh.sigName, `want space-separated "v1a,<base64>" entries, got %q`, clip(sh.sig))
	}
	if n.matching == 0 {
		return noMatch(s.Name(), fmt.Sprintf("%q has no v1a signature (v1 HMAC signatures need the standard scheme and a whsec_ secret)", sh.sigName))
	}
	bp := msgPool.Get().(*[]byte)
	msg := appendSignedContent((*bp)[:0], sh.id, sh.ts, in.Body)
	valid := false
	for rest := sh.sig; rest != "" && !valid; {
		var tok string
		tok, rest = nextField(rest)
		v, b64, ok := strings.Cut(tok, ",")
		if !ok || v != "v1a" {
			continue
		}
		var sig [ed25519.SignatureSize + 2]byte
		var src [128]byte
		// Decode panics when dst is too small: bound the input first.
		if len(b64) > len(src) || base64.StdEncoding.DecodedLen(len(b64)) > len(sig) {
			continue
		}
		k, err := base64.StdEncoding.Decode(sig[:], src[:copy(src[:], b64)])
		if err != nil || k != ed25519.SignatureSize {
			continue
		}
		for _, pub := range pubs {
			if ed25519.Verify(pub, msg, sig[:ed25519.SignatureSize]) {
				valid = true
				break
			}
		}
	}
	*bp = msg[:0]
	msgPool.Put(bp)
	if !valid {
		return noMatch(s.Name(), signatureMismatch(len(in.Secrets), n.matching))
	}
	return standardWindow.check(s.Name(), in, sh.ts, true)
}
