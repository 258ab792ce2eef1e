package emulator

import "net/http"

// SetDelivery turns webhook delivery on or off. While it is off, events
// happen as usual (messages are stored, the API answers) but no webhook is
// sent, and none is recorded as failed: the events are lost on the way, as
// when Webex or the network drops them, and only counted (DeliveryState).
// Redeliver still sends. Delivery is on when a Server starts.
func (s *Server) SetDelivery(on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.st.deliveryOff = !on
	s.st.bump()
	s.log.Info("webex emulator: webhook delivery switched", "on", on)
}

// DeliveryState says whether webhooks are delivered, and how many were
// dropped while delivery was off.
type DeliveryState struct {
	Enabled bool `json:"enabled"`
	Dropped int  `json:"dropped"`
}

// Delivery reports the delivery switch and the webhooks it dropped.
func (s *Server) Delivery() DeliveryState {
	s.mu.Lock()
	defer s.mu.Unlock()
	return DeliveryState{Enabled: !s.st.deliveryOff, Dropped: s.st.dropped}
}

// simDelivery is GET /_sim/delivery.
func (s *Server) simDelivery(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, s.Delivery())
}

// simSetDelivery is PUT /_sim/delivery with {"enabled": true|false}.
func (s *Server) simSetDelivery(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Enabled *bool `json:"enabled"`
	}
	if e := decodeBody(r, &req, false); e != nil {
		writeError(w, e)
		return
	}
	if req.Enabled == nil {
		writeError(w, failf(http.StatusBadRequest, "enabled is required."))
		return
	}
	s.SetDelivery(*req.Enabled)
	writeJSON(w, http.StatusOK, s.Delivery())
}
