package emulator

import (
	"net/http"
	"strings"
)

// routes builds the handler: the API under /v1 behind recording, faults and
// the token check; the control API under /_sim.
func (s *Server) routes() http.Handler {
	api := http.NewServeMux()
	api.HandleFunc("GET /v1/people/me", s.getMe)
	api.HandleFunc("GET /v1/people/{id}", s.getPerson)
	api.HandleFunc("GET /v1/rooms", s.listRooms)
	api.HandleFunc("GET /v1/rooms/{id}", s.getRoom)
	api.HandleFunc("GET /v1/messages", s.listMessages)
	api.HandleFunc("POST /v1/messages", s.createMessage)
	api.HandleFunc("GET /v1/messages/{id}", s.getMessage)
	api.HandleFunc("DELETE /v1/messages/{id}", s.deleteMessage)
	api.HandleFunc("GET /v1/attachment/actions/{id}", s.getAttachmentAction)
	api.HandleFunc("GET /v1/webhooks", s.listWebhooks)
	api.HandleFunc("POST /v1/webhooks", s.createWebhook)
	api.HandleFunc("GET /v1/webhooks/{id}", s.getWebhook)
	api.HandleFunc("PUT /v1/webhooks/{id}", s.updateWebhook)
	api.HandleFunc("DELETE /v1/webhooks/{id}", s.deleteWebhook)
	api.Handle("/v1/", unrouted(api))

	ctl := http.NewServeMux()
	ctl.HandleFunc("POST /_sim/messages", s.simPostMessage)
	ctl.HandleFunc("GET /_sim/rooms/{roomId}/messages", s.simRoomMessages)
	ctl.HandleFunc("POST /_sim/messages/{id}/submit", s.simSubmitCard)
	ctl.HandleFunc("POST /_sim/attachment/actions", s.simAddAttachmentAction)
	ctl.HandleFunc("GET /_sim/calls", s.simCalls)
	ctl.HandleFunc("GET /_sim/faults", s.simFaults)
	ctl.HandleFunc("POST /_sim/faults", s.simInjectFault)
	ctl.HandleFunc("DELETE /_sim/faults", s.simClearFaults)
	ctl.HandleFunc("GET /_sim/deliveries", s.simDeliveries)
	ctl.HandleFunc("POST /_sim/deliveries/{i}/redeliver", s.simRedeliver)
	ctl.HandleFunc("GET /_sim/delivery", s.simDelivery)
	ctl.HandleFunc("PUT /_sim/delivery", s.simSetDelivery)
	ctl.HandleFunc("POST /_sim/memberships", s.simMembership)
	ctl.HandleFunc("GET /_sim/rooms", s.simRooms)
	ctl.HandleFunc("POST /_sim/rooms", s.simCreateRoom)
	ctl.HandleFunc("GET /_sim/people", s.simPeople)
	ctl.HandleFunc("GET /_sim/bots", s.simBots)
	ctl.HandleFunc("GET /_sim/events", s.simEvents)
	ctl.Handle("/_sim/", unrouted(ctl))

	page := pageHandler()
	root := http.NewServeMux()
	root.Handle("/v1/", s.apiMiddleware(api))
	root.Handle("/_sim/", withTrackingID(ctl))
	root.Handle("GET /{$}", page)
	root.Handle("GET /web/", page)
	root.Handle("/", withTrackingID(unrouted(root)))
	return root
}

// unrouted answers what no pattern of mux took, with a Webex error body: 405
// when the path exists for another method, 404 otherwise.
func unrouted(mux *http.ServeMux) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var allow []string
		for _, m := range []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodDelete} {
			probe := r.Clone(r.Context())
			probe.Method = m
			if _, pattern := mux.Handler(probe); pattern != "" && strings.Contains(pattern, " ") {
				allow = append(allow, m)
			}
		}
		if len(allow) > 0 {
			w.Header().Set("Allow", strings.Join(allow, ", "))
			writeError(w, failf(http.StatusMethodNotAllowed, "The request method %s is not supported here.", r.Method))
			return
		}
		writeError(w, failf(http.StatusNotFound, "The requested resource could not be found."))
	})
}

func withTrackingID(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set(trackingHeader, newTrackingID())
		next.ServeHTTP(w, r)
	})
}

// apiMiddleware gives every API request a tracking id, records it as a
// Call, applies any matching fault, and checks the token: the handlers
// serve the bot it belongs to (caller).
func (s *Server) apiMiddleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set(trackingHeader, newTrackingID())
		path := trimV1(r.URL.Path)
		body, tooLarge := readBody(r)
		b := s.botByAuth(r.Header.Get("Authorization"))
		call := s.recordCall(r, path, body, b)
		sw := &statusWriter{ResponseWriter: w}
		defer func() { s.finishCall(call, sw.status) }()

		if tooLarge {
			writeError(sw, failf(http.StatusRequestEntityTooLarge, "The request body is larger than %d bytes.", maxBodyBytes))
			return
		}
		answered, served := s.applyFault(sw, r, path, b)
		if answered {
			return
		}
		if b == nil {
			writeError(sw, failf(http.StatusUnauthorized, "The request requires a valid access token set in the Authorization request header."))
			return
		}
		r = withCaller(r, b)
		if served != nil {
			answerServed(sw, r, next, *served)
			return
		}
		next.ServeHTTP(sw, r)
	})
}

// statusWriter remembers the status a handler answered.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}
