package emulator

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"

	"github.com/webexpipe/webexpipe/workers/webex"
)

// Webhook resources and events accepted at registration (the ones Webex documents); "all"
// is also accepted for both.
var (
	webhookResources = []string{
		"messages", "memberships", "rooms", "attachmentActions", "meetings", "recordings",
		"convergedRecordings", "meetingParticipants", "meetingTranscripts", "telephony_calls",
		"telephony_conference", "telephony_mwi", "uc_counters", "serviceApp", "adminBatchJobs",
		"dataSources",
	}
	webhookEvents = []string{
		"created", "updated", "deleted", "started", "ended", "joined", "left", "migrated",
		"authorized", "deauthorized", "statusChanged",
	}
)

const appID = "Y2lzY29zcGFyazovL3VzL0FQUExJQ0FUSU9OL3dlYmV4cGlwZS1lbXVsYXRvcg" // fixed: one app

func (s *Server) createWebhook(w http.ResponseWriter, r *http.Request) {
	var req webex.WebhookRequest
	if e := decodeBody(r, &req, true); e != nil {
		writeError(w, e)
		return
	}
	switch {
	case req.Name == "" || req.TargetURL == "" || req.Resource == "" || req.Event == "":
		writeError(w, failf(http.StatusBadRequest, "name, targetUrl, resource and event are required."))
		return
	case !validTarget(req.TargetURL):
		writeError(w, failf(http.StatusBadRequest, "targetUrl must be an absolute http or https URL."))
		return
	case req.Resource != "all" && !slices.Contains(webhookResources, req.Resource):
		writeError(w, failf(http.StatusBadRequest, "Unknown resource %q.", req.Resource))
		return
	case req.Event != "all" && !slices.Contains(webhookEvents, req.Event):
		writeError(w, failf(http.StatusBadRequest, "Unknown event %q.", req.Event))
		return
	case req.OwnedBy != "" && req.OwnedBy != "creator" && req.OwnedBy != "org":
		writeError(w, failf(http.StatusBadRequest, "ownedBy must be creator or org."))
		return
	}
	filter, err := parseFilter(req.Filter)
	if err != nil {
		writeError(w, failf(http.StatusBadRequest, "Invalid filter: %v.", err))
		return
	}
	owned := req.OwnedBy
	if owned == "" {
		owned = "creator"
	}
	b := caller(r)
	s.mu.Lock()
	wh := &webhook{
		Webhook: webex.Webhook{
			ID: newID("WEBHOOK"), Name: req.Name, TargetURL: req.TargetURL,
			Resource: req.Resource, Event: req.Event, Filter: req.Filter, Secret: req.Secret,
			Status: "active", Created: formatTime(s.now()),
			OrgID: b.person.OrgID, CreatedBy: b.person.ID, AppID: appID, OwnedBy: owned,
		},
		seq:    s.st.nextSeq(),
		filter: filter,
	}
	s.st.webhooks[wh.ID] = wh
	out := wh.Webhook
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, out)
}

func validTarget(raw string) bool {
	u, err := url.Parse(raw)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}

// ownWebhookLocked returns the webhook with the id if the calling bot made
// it: a bot sees only its own webhooks. It must be called with s.mu held.
func (s *Server) ownWebhookLocked(r *http.Request) (*webhook, bool) {
	wh, ok := s.st.webhooks[r.PathValue("id")]
	if !ok || wh.CreatedBy != caller(r).person.ID {
		return nil, false
	}
	return wh, true
}

func (s *Server) getWebhook(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	wh, ok := s.ownWebhookLocked(r)
	var out webex.Webhook
	if ok {
		out = wh.Webhook
	}
	s.mu.Unlock()
	if !ok {
		writeError(w, notFound("webhook"))
		return
	}
	writeJSON(w, http.StatusOK, out)
}

// updateWebhook is PUT /webhooks/{id}. Only name, targetUrl, secret and
// status change; name and targetUrl are required, an omitted secret or
// status is left as it was. Re-enabling keeps the failures of the last five
// minutes, so a webhook re-enabled soon after being disabled is disabled
// again by its next failure, as with Webex.
func (s *Server) updateWebhook(w http.ResponseWriter, r *http.Request) {
	var req webex.WebhookUpdate
	if e := decodeBody(r, &req, true); e != nil {
		writeError(w, e)
		return
	}
	switch {
	case req.Name == "" || req.TargetURL == "":
		writeError(w, failf(http.StatusBadRequest, "name and targetUrl are required."))
		return
	case !validTarget(req.TargetURL):
		writeError(w, failf(http.StatusBadRequest, "targetUrl must be an absolute http or https URL."))
		return
	case req.Status != "" && req.Status != "active" && req.Status != "disabled":
		writeError(w, failf(http.StatusBadRequest, "status must be active or disabled."))
		return
	}
	s.mu.Lock()
	wh, ok := s.ownWebhookLocked(r)
	var out webex.Webhook
	if ok {
		wh.Name, wh.TargetURL = req.Name, req.TargetURL
		if req.Secret != "" {
			wh.Secret = req.Secret
		}
		if req.Status != "" {
			wh.Status = req.Status
		}
		s.st.changed()
		out = wh.Webhook
	}
	s.mu.Unlock()
	if !ok {
		writeError(w, notFound("webhook"))
		return
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) deleteWebhook(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	_, ok := s.ownWebhookLocked(r)
	if ok {
		delete(s.st.webhooks, r.PathValue("id"))
		s.st.changed()
	}
	s.mu.Unlock()
	if !ok {
		writeError(w, notFound("webhook"))
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// listWebhooks lists the calling bot's webhooks oldest first, paged by max
// (default 100) and an opaque cursor in the next Link.
func (s *Server) listWebhooks(w http.ResponseWriter, r *http.Request) {
	max, after, e := pageParams(r.URL.Query())
	if e != nil {
		writeError(w, e)
		return
	}
	me := caller(r).person.ID
	s.mu.Lock()
	var all []*webhook
	for _, wh := range s.st.webhooks {
		if wh.seq > after && wh.CreatedBy == me {
			all = append(all, wh)
		}
	}
	sortBySeq(all, func(wh *webhook) int64 { return wh.seq })
	out := make([]webex.Webhook, 0, min(len(all), max))
	for _, wh := range all[:min(len(all), max)] {
		out = append(out, wh.Webhook)
	}
	s.mu.Unlock()
	if len(all) > max {
		next := url.Values{"max": {strconv.Itoa(max)}, "cursor": {strconv.FormatInt(all[max-1].seq, 10)}}
		setNextLink(w, apiBase(r)+"/webhooks?"+next.Encode())
	}
	writeJSON(w, http.StatusOK, items[webex.Webhook]{Items: out})
}
