package ingest

import (
	"net/http"
	"strings"

	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// router sends a request to its handler by exact path: the webhook (any
// method, so that a wrong one gets the webhook's counted 405), a bot's
// webhook path (the webhook path, '/', a bot id) and the GET routes. It
// stands in for http.ServeMux so that whatever no handler takes is
// answered here, logged and counted like every other refusal: an unknown
// path gets 404, a bot the registry does not have 404 too (counted apart,
// and never under the name it was asked for), a wrong method on a GET
// route 405. A path ServeMux would clean and redirect ("/webhooks//webex")
// is an unknown path too: nothing legitimate sends one, and Webex would
// not follow the redirect of a POST.
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
		rt.s.serveWebhook(w, r, nil)
		return
	}
	h, ok := rt.gets[r.URL.Path]
	if !ok {
		if id, found := strings.CutPrefix(r.URL.Path, rt.s.botPrefix); found && id != "" && !strings.Contains(id, "/") {
			rt.serveBot(w, r, id)
			return
		}
	}
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

// serveBot serves the webhook path of the bot id, which comes from the
// request: it is looked up, never echoed or counted as it is.
func (rt *router) serveBot(w http.ResponseWriter, r *http.Request, id string) {
	b, ok := rt.s.bots.byID[id]
	if !ok {
		rt.s.reject(w, r, rejection{http.StatusNotFound, outcomeUnknownBot, "no such bot"})
		return
	}
	rt.s.serveWebhook(w, r, b)
}
