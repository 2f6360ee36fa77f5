package delivery

import (
	"reflect"
	"testing"

	"github.com/hookctl/hookctl/internal/store"
)

// A redirect from a receiver whose URL holds a password (a subscription
// stored by an older hookctl) is named with the password masked, in the
// URL sent to and in where a relative Location points (resolved against
// it, it carried the password too); both were printed whole.
func TestMaskurlRedirectHintMasksPassword(t *testing.T) {
	h := FailureHints{}
	h.Note(Result{Delivery: &store.Delivery{}, Attempt: &store.Attempt{RequestURL: "http://alice:s3cret@127.0.0.1:9/h", ResponseStatus: 301,
		ResponseHeaders: map[string][]string{"Location": {"/v2/h"}}}})
	want := []string{"http://alice:xxxxx@127.0.0.1:9/h answered 301, redirecting to http://alice:xxxxx@127.0.0.1:9/v2/h: webhooks do not follow redirects; send to that URL instead"}
	if got := h.List(); !reflect.DeepEqual(got, want) {
		t.Errorf("hints %q\nwant %q", got, want)
	}
}
