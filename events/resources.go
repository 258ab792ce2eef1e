package events

import (
	"fmt"
	"strings"
)

// ParseResourceEvents reads a list of webhook resource/event pairs such as
// "messages", "attachmentActions/created", "memberships/all": a resource
// alone means its created event, and "all" (as Webex webhooks write it)
// stands for every resource or every event. Blank items are skipped; a
// pair given twice is returned twice. An item that is not such a pair is
// an error wrapping ErrUnsafeToken.
func ParseResourceEvents(items []string) ([]ResourceEvent, error) {
	var out []ResourceEvent
	for _, it := range items {
		it = strings.TrimSpace(it)
		if it == "" {
			continue
		}
		r, e, ok := strings.Cut(it, "/")
		if !ok {
			e = "created"
		}
		re := ResourceEvent{Resource: strings.TrimSpace(r), Event: strings.TrimSpace(e)}
		for _, tok := range []string{re.Resource, re.Event} {
			if tok != "all" && !ValidToken(tok) {
				return nil, fmt.Errorf("%w: %q: want resource or resource/event", ErrUnsafeToken, it)
			}
		}
		out = append(out, re)
	}
	return out, nil
}
