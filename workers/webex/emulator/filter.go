package emulator

import (
	"fmt"
	"net/url"
	"slices"
	"strings"
)

// filterKeys are the webhook filter keys the emulator understands; others
// are refused when the webhook is created rather than silently ignored.
var filterKeys = []string{"roomId", "roomType", "personId", "personEmail", "mentionedPeople"}

// parseFilter reads a webhook filter: key=value pairs joined by '&', values
// URL-encoded as Webex documents (personEmail=a%40example.com).
func parseFilter(f string) (map[string]string, error) {
	if f == "" {
		return nil, nil
	}
	q, err := url.ParseQuery(f)
	if err != nil {
		return nil, fmt.Errorf("filter is not key=value pairs joined by &")
	}
	out := make(map[string]string, len(q))
	for k, vs := range q {
		if !slices.Contains(filterKeys, k) {
			return nil, fmt.Errorf("unsupported filter key %q; the emulator supports %s", k, strings.Join(filterKeys, ", "))
		}
		if len(vs) != 1 || vs[0] == "" {
			return nil, fmt.Errorf("filter key %s needs exactly one value", k)
		}
		out[k] = vs[0]
	}
	return out, nil
}

// eventAttrs are the attributes of an event a filter can test.
type eventAttrs struct {
	roomID, roomType, personID, personEmail string
	mentionedPeople                         []string
}

// matchFilter reports whether an event passes a parsed filter; "me" in
// mentionedPeople is the bot.
func matchFilter(filter map[string]string, a eventAttrs, botID string) bool {
	for k, v := range filter {
		var ok bool
		switch k {
		case "roomId":
			ok = a.roomID == v
		case "roomType":
			ok = a.roomType == v
		case "personId":
			ok = a.personID == v
		case "personEmail":
			ok = strings.EqualFold(a.personEmail, v)
		case "mentionedPeople":
			if v == "me" {
				v = botID
			}
			ok = slices.Contains(a.mentionedPeople, v)
		}
		if !ok {
			return false
		}
	}
	return true
}
