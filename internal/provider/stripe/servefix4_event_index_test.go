package stripe_test

import (
	"errors"
	"strings"
	"testing"

	stripego "github.com/stripe/stripe-go/v85"

	"github.com/hookctl/hookctl/internal/serve/servetest"
)

// A bad enabled_events entry is named by its index, as Stripe names it:
// param enabled_events[3] and the message "Invalid enabled_events[3]: …",
// on create and update, through stripe-go; the endpoint is left as it
// was. Before, param was enabled_events and a misspelt or foreign name's
// message named no index, so a client with a long list could not tell
// which entry was wrong.
func TestServefix4EnabledEventsIndex(t *testing.T) {
	e := servetest.Start(t, nil)
	sc := client(e)
	ctx := t.Context()
	good := []string{"payment_intent.succeeded", "charge.failed", "customer.created"}
	for _, tc := range []struct{ bad, want string }{
		{"payment_intent.succeded", `did you mean "payment_intent.succeeded"`},
		{"card.created", "card.created"}, // Bond's
		{"charge.*", "no prefix wildcards"},
		{"", "an empty string is not an event name"},
	} {
		_, err := sc.V1WebhookEndpoints.Create(ctx, &stripego.WebhookEndpointCreateParams{
			URL:           stripego.String(e.Recv.URL + "/stripe"),
			EnabledEvents: stripego.StringSlice(append(append([]string{}, good...), tc.bad)),
		})
		var se *stripego.Error
		if !errors.As(err, &se) || se.HTTPStatusCode != 400 || se.Param != "enabled_events[3]" ||
			!strings.HasPrefix(se.Msg, "Invalid enabled_events[3]: ") || !strings.Contains(se.Msg, tc.want) {
			t.Errorf("create with %q last: %v (param %q), want 400 on enabled_events[3] saying %s", tc.bad, err, param(se), tc.want)
		}
	}
	we, err := sc.V1WebhookEndpoints.Create(ctx, &stripego.WebhookEndpointCreateParams{
		URL: stripego.String(e.Recv.URL + "/stripe"), EnabledEvents: stripego.StringSlice(good)})
	if err != nil {
		t.Fatal(err)
	}
	_, err = sc.V1WebhookEndpoints.Update(ctx, we.ID, &stripego.WebhookEndpointUpdateParams{
		EnabledEvents: stripego.StringSlice([]string{"charge.failed", "charge.faild"})})
	var se *stripego.Error
	if !errors.As(err, &se) || se.Param != "enabled_events[1]" || !strings.Contains(se.Msg, "Invalid enabled_events[1]: ") {
		t.Errorf("update: %v (param %q), want enabled_events[1]", err, param(se))
	}
	got, err := sc.V1WebhookEndpoints.Retrieve(ctx, we.ID, nil)
	if err != nil || strings.Join(got.EnabledEvents, ",") != strings.Join(good, ",") {
		t.Fatalf("after the refused update: %v %v", got.EnabledEvents, err)
	}
}

func param(se *stripego.Error) string {
	if se == nil {
		return ""
	}
	return se.Param
}
