package svix

import (
	"bytes"
	"net/http"

	"github.com/hookctl/hookctl/internal/provider"
)

// appPortalAccess answers Svix's app portal (or legacy dashboard) access
// link for an application: {url, token}. An app embedding Svix's portal
// asks for one on every page view, so a 404 here broke that page. The url
// is hookctl's web inspector on this server (there is no Svix portal to
// link to) and the token is not checked anywhere. As in Svix, an
// application the path does not name is created from the body's
// "application" when its uid is the path's.
func (a *api) appPortalAccess(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Application *appIn `json:"application"`
	}
	if !a.decode(w, r, &in, true) {
		return
	}
	app, err := a.app(r.Context(), r.PathValue("app_id"))
	if provider.IsNotFound(err) && in.Application != nil && in.Application.UID != nil && *in.Application.UID == r.PathValue("app_id") {
		created := &answer{header: http.Header{}, status: http.StatusOK}
		if a.createAppFrom(created, r, *in.Application, true); created.failed(w) {
			return
		}
		app, err = a.app(r.Context(), r.PathValue("app_id"))
		if a.bad(w, err) {
			return
		}
	} else if a.bad(w, err) {
		return
	}
	token := newID("appsk_")
	provider.WriteJSON(w, http.StatusOK, map[string]string{
		"token": token,
		"url":   "http://" + r.Host + "/#key=" + token + "&app=" + app.ID,
	})
}

// answer is an answer kept to be sent on only if it is an error.
type answer struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (a *answer) Header() http.Header         { return a.header }
func (a *answer) WriteHeader(status int)      { a.status = status }
func (a *answer) Write(b []byte) (int, error) { return a.body.Write(b) }

// failed sends the kept answer on to w when it is an error, and reports
// whether it was.
func (a *answer) failed(w http.ResponseWriter) bool {
	if a.status < 300 {
		return false
	}
	for k, v := range a.header {
		w.Header()[k] = v
	}
	w.WriteHeader(a.status)
	w.Write(a.body.Bytes())
	return true
}
