package stripe_test

import (
	"errors"
	"testing"

	stripego "github.com/stripe/stripe-go/v85"

	"github.com/hookctl/hookctl/internal/serve/servetest"
)

// GET /v1/events with both type and types[] is refused with the error
// code stripe-go knows for it (ErrorCodeParametersExclusive,
// "parameters_exclusive"), as an invalid_request_error at types: a
// client that switches on stripe.Error.Code reads it as Stripe's. Checked
// against stripe-go v85's error.go; it was already so (this pins it).
func TestSvixmoreEventsTypeAndTypesCode(t *testing.T) {
	e := servetest.Start(t, nil)
	sc := client(e)
	p := &stripego.EventListParams{Type: stripego.String("payment.succeeded"), Types: stripego.StringSlice([]string{"payment.succeeded"})}
	var err error
	for _, err = range sc.V1Events.List(t.Context(), p).All(t.Context()) {
		if err != nil {
			break
		}
	}
	var se *stripego.Error
	if !errors.As(err, &se) {
		t.Fatalf("type and types: %v, want a *stripe.Error", err)
	}
	if se.HTTPStatusCode != 400 || se.Type != stripego.ErrorTypeInvalidRequest || se.Code != stripego.ErrorCodeParametersExclusive || se.Param != "types" || se.Msg == "" {
		t.Errorf("type and types: %d %s code %q param %q msg %q; want 400 invalid_request_error parameters_exclusive at types",
			se.HTTPStatusCode, se.Type, se.Code, se.Param, se.Msg)
	}
}
