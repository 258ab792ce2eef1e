package main

import "encoding/json"

// The small printing helpers of the replay, events, status, webhooks and
// backfill commands.

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

// jsonOrString is body as JSON when it is JSON, else as a string.
func jsonOrString(body []byte) any {
	if json.Valid(body) {
		return json.RawMessage(body)
	}
	return string(body)
}
