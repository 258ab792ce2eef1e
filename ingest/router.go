package ingest

import (
	"net/http"

	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// router sends a request to its handler by exact path: the webhook (any
// method, so that a wrong one gets the webhook's counted 405) and the GET
// routes. It stands in for http.ServeMux so that whatever no handler
// takes is answered here, logged and counted like every other refusal:
// an unknown path gets 404, a wrong method on a GET route 405. A path
// ServeMux would clean and redirect ("/webhooks//webex") is an unknown
// path too: nothing legitimate sends one, and Webex would not follow the
// redirect of a POST.
type router struct {
	s       *Service
	webhook string
	gets    map[string]http.Handler // GET and HEAD
}

func (s *Service) routes() http.Handler {
	return &router{
		s:       s,
		webhook: s.cfg.Path,
		gets: map[string]http.Handler{
			healthzPath: http.HandlerFunc(s.serveHealthz),
			readyzPath:  http.HandlerFunc(s.serveReadyz),
			metricsPath: promhttp.HandlerFor(s.cfg.Metrics, promhttp.HandlerOpts{}),
		},
	}
}

func (rt *router) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == rt.webhook {
		rt.s.serveWebhook(w, r)
		return
	}
	h, ok := rt.gets[r.URL.Path]
	switch {
	case !ok:
		rt.s.reject(w, r, rejection{http.StatusNotFound, outcomeNotFound, "no such path; webhooks go to " + rt.webhook})
	case r.Method != http.MethodGet && r.Method != http.MethodHead:
		w.Header().Set("Allow", "GET, HEAD")
		rt.s.reject(w, r, rejection{http.StatusMethodNotAllowed, outcomeMethodNotAllowed, "method not allowed; use GET"})
	default:
		h.ServeHTTP(w, r)
	}
}
