package subscription

import (
	"context"
	"errors"
	"reflect"
	"testing"
)

// TestClileftRemoveHeaderNames: subscriptions update --remove-header of a
// header the subscription does not have says which it has, as
// --remove-events says its events ("it has no headers" when none).
// Before, its only hint was the usage's.
func TestClileftRemoveHeaderNames(t *testing.T) {
	ctx := context.Background()
	svc, _ := newService(t)
	sub, err := svc.Create(ctx, CreateInput{URL: "http://localhost:3000/hooks", Events: []string{"card.*"},
		Headers: []string{"X-Env: dev", "Authorization: Bearer t"}})
	if err != nil {
		t.Fatal(err)
	}
	bare, err := svc.Create(ctx, CreateInput{URL: "http://localhost:3000/other", Events: []string{"card.*"}})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		id   string
		want []string
	}{
		{sub.ID, []string{"its headers are: Authorization, X-Env"}},
		{bare.ID, []string{"it has no headers"}},
	} {
		_, err := svc.Update(ctx, tc.id, UpdateInput{RemoveHeaders: []string{"X-Nope"}})
		var ie *InputError
		if !errors.As(err, &ie) {
			t.Fatalf("remove X-Nope: %v, want an input error", err)
		}
		if ie.Msg != `the subscription has no header "X-Nope" to remove` || !reflect.DeepEqual(ie.Hints(), tc.want) {
			t.Errorf("remove X-Nope: %v (hints %q), want hints %q", err, ie.Hints(), tc.want)
		}
	}
}
