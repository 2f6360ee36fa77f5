package svix_test

import (
	"errors"
	"strings"
	"testing"

	svixgo "github.com/svix/svix-webhooks/go"
	"github.com/svix/svix-webhooks/go/models"

	"github.com/hookctl/hookctl/internal/serve/servetest"
)

// A secret/rotate/ with a key that is not a whsec_ secret is Svix's 422
// at body.key, the field sent, naming it; it pointed at body.secret
// ("secret must be whsec_…"), a field the request does not have.
func TestHuntserveRotateBadKeyNamesKey(t *testing.T) {
	e := servetest.Start(t, nil)
	sv := client(t, e)
	ctx := t.Context()
	app, err := sv.Application.Create(ctx, models.ApplicationIn{Name: "a"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	ep, err := sv.Endpoint.Create(ctx, app.Id, models.EndpointIn{Url: e.Recv.URL}, nil)
	if err != nil {
		t.Fatal(err)
	}
	bad := "not-a-secret"
	err = sv.Endpoint.RotateSecret(ctx, app.Id, ep.Id, models.EndpointSecretRotateIn{Key: &bad}, nil)
	var se *svixgo.Error
	if !errors.As(err, &se) || se.Status() != 422 || !strings.Contains(string(se.Body()), `"loc":["body","key"],"msg":"key must be whsec_`) {
		t.Fatalf("rotate with a bad key: %v, want 422 at body.key", err)
	}
	// The endpoint's own secret field still says secret.
	code, body := e.Do("POST", "/api/v1/app/"+app.Id+"/endpoint", bearer, map[string]any{"url": e.Recv.URL, "secret": bad})
	if code != 422 || !strings.Contains(string(body), `"loc":["body","secret"],"msg":"secret must be whsec_`) {
		t.Fatalf("create with a bad secret: %d %s", code, body)
	}
}
