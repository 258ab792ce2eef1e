package events

// MaxHeaderBytes is the most a message's headers may take, as NATS encodes
// them, for JetStream to store it: nats-server refuses more, whatever the
// stream's limits, with error 10097 ("header size exceeds maximum allowed
// of 64k"). The dedup key holds data.id and Webex-Webhook-Id the
// envelope's id, so an event whose ids are long enough can never be
// stored; ingest refuses it rather than answer that it may work later.
const MaxHeaderBytes = 65535

// HeaderBytes returns how many bytes h takes as NATS sends it: a
// "NATS/1.0" line, a "Key: value" line per value and an empty line. It
// never counts less than nats.go sends (which trims values, so it may
// send less).
func HeaderBytes(h map[string][]string) int {
	const line, crlf = len("NATS/1.0\r\n"), 2
	n := line + crlf
	for k, vs := range h {
		for _, v := range vs {
			n += len(k) + len(": ") + len(v) + crlf
		}
	}
	return n
}
