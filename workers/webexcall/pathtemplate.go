package webexcall

import "strings"

// pathWords are the path segments that name resources; any other segment is
// an id.
var pathWords = map[string]bool{
	"people": true, "me": true, "messages": true, "rooms": true, "memberships": true,
	"attachment": true, "actions": true, "webhooks": true, "teams": true,
}

// Template turns a request path into the template that labels metrics, so
// that ids do not multiply the series: "/messages/Y2lz..." becomes
// "/messages/{id}".
func Template(path string) string {
	segs := strings.Split(path, "/")
	for i, s := range segs {
		if s != "" && !pathWords[s] {
			segs[i] = "{id}"
		}
	}
	return strings.Join(segs, "/")
}
