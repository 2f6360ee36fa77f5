package serve_test

import (
	"encoding/json"
	"testing"

	"github.com/hookctl/hookctl/internal/serve/servetest"
)

// The official svix Node library (1.99.1) reads what serve answers for
// message.precheck, message.expungeContent, messageAttempt.expungeContent
// and message.expungeAllContents as it reads Svix's: {active}, the 204s,
// the expunged message's payload {"expired":true}, the attempt's response
// "EXPUNGED", a resend's ApiException 400 missing_payload, the purge's
// task. Each route answered 404 before.
func TestSvixmoreNodeExpunge(t *testing.T) {
	mods := nodeModules(t)
	e := servetest.Start(t, nil)
	r := runNode(t, mods, "svixmore_expunge.js", e.URL)
	js := func(v any) string { b, _ := json.Marshal(v); return string(b) }
	want := map[string]string{
		"before":         `false`,
		"after":          `true`,
		"delivered":      `"{\"card\":\"4242\"}"`,
		"responseBefore": `"{\"session\":\"s3cret\"}"`,
		"responseAfter":  `"EXPUNGED"`,
		"payload":        `{"expired":true}`,
		"resend":         `{"code":"missing_payload","detail":"Unable to resend message. Payload is missing (probably expired).","status":400}`,
		"purgeTask":      `"application.purge_content"`,
		"purgeStatus":    `"finished"`,
		"purged":         `1`,
		"otherPayload":   `{"expired":true}`,
	}
	for k, w := range want {
		if got := js(r[k]); got != w {
			t.Errorf("%s: %s, want %s", k, got, w)
		}
	}
}
