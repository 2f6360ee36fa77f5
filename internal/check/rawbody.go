package check

import (
	"context"
	"net/http"

	"github.com/tidwall/gjson"
	"github.com/tidwall/sjson"
)

// verifies-raw-body: a receiver that parses the JSON and verifies the
// signature over its re-serialisation (express.json() then
// JSON.stringify(req.body), json.dumps(json.loads(body))) refuses every
// event whose JSON text the round trip changes, and accepts the others.
// Compact catalog events survive JSON.stringify byte for byte, so such a
// receiver passed every check with the svix and @octokit/webhooks
// libraries (only Stripe's pretty-printed events caught it), and refused
// the first real event with an escaped character in production.

// rawJSONField is the field the probe adds to the event.
const rawJSONField = "hookctl_raw_json"

// rawJSONValue is a JSON string that no common serialiser writes back as
// it was: the same letter escaped and raw, and an escaped slash.
// JSON.stringify and Go's encoding/json write "é" and "/" for both, Ruby
// "é" and "/", Python's json.dumps "\u00e9" for both (and ", " between
// fields), PHP's json_encode "\u00e9" and "\/" for both.
const rawJSONValue = `"caf\u00e9 café \/"`

// rawJSON returns body (a JSON object) with rawJSONField added; ok is
// false when body is not a JSON object.
func rawJSON(body []byte, ct string) ([]byte, bool) {
	if !isJSON(ct) || !gjson.ParseBytes(body).IsObject() {
		return nil, false
	}
	out, err := sjson.SetRawBytes(body, rawJSONField, []byte(rawJSONValue))
	if err != nil {
		return nil, false
	}
	return out, true
}

// rawBody runs verifies-raw-body: a valid event whose JSON changes when
// re-serialised must be accepted.
func (r *runner) rawBody(ctx context.Context) error {
	if !r.on(VerifiesRawBody) {
		return nil
	}
	if !r.props.SignsBody {
		r.skip(VerifiesRawBody, "scheme "+r.props.Name+" does not sign the body")
		return nil
	}
	ev, m, err := r.build(r.cfg.Event)
	if err != nil {
		return err
	}
	body, ok := rawJSON(ev.Payload, ev.ContentType)
	if !ok {
		r.skip(VerifiesRawBody, r.cfg.Event.QualifiedName()+" events are not JSON objects")
		return nil
	}
	if !r.begin(VerifiesRawBody) {
		return nil // the receiver hung before: notRun fails it as not run
	}
	ev.Payload = body
	o := r.send(ctx, probe{ev: ev, method: m})
	r.valid(o)
	hint := "answer 2xx to a valid event whatever its JSON text holds (escaped characters, non-ASCII letters)"
	switch o.a.ResponseStatus {
	case http.StatusBadRequest, http.StatusUnauthorized, http.StatusForbidden: // a failed verification
		hint = "the receiver refused a correctly signed event whose JSON changes when parsed and serialised again: it verifies a re-serialised body (JSON.stringify(req.body) after express.json(), json.dumps(json.loads(body))), not the bytes that were signed; verify the signature over the raw body bytes (express.raw(), request.get_data()), then parse them"
	}
	r.rep.add(r.judgeValid(VerifiesRawBody, o, "a valid event with "+rawJSONField+": "+rawJSONValue, hint))
	return nil
}
