package provider

import (
	"net/http"
	"slices"
)

// Methods tells which methods an API's routes serve at a path, so that a
// request with another method there is answered 405 with Allow rather
// than 404: the path exists.
type Methods struct {
	mux     *http.ServeMux
	methods []string
}

// NewMethods indexes routes.
func NewMethods(routes []Route) *Methods {
	m := &Methods{mux: http.NewServeMux()}
	for _, r := range routes {
		m.mux.HandleFunc(r.Method+" "+r.Path, func(http.ResponseWriter, *http.Request) {})
		if !slices.Contains(m.methods, r.Method) {
			m.methods = append(m.methods, r.Method)
		}
	}
	return m
}

// Allowed is the methods a route serves at r's path, in the order of the
// routes (HEAD after GET), or none when no route has that path.
func (m *Methods) Allowed(r *http.Request) []string {
	var out []string
	for _, meth := range m.methods {
		probe := &http.Request{Method: meth, URL: r.URL, Host: r.Host, Header: http.Header{}}
		if _, pattern := m.mux.Handler(probe); pattern != "" {
			out = append(out, meth)
			if meth == http.MethodGet {
				out = append(out, http.MethodHead)
			}
		}
	}
	return out
}
