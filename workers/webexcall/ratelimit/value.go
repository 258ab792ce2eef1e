package ratelimit

import (
	"encoding/json"
	"fmt"
	"time"
)

// keyPrefix starts every pause key; the rest is the token key.
const keyPrefix = "pause."

// Key is the KV key holding the pause of the token identified by tokenKey
// (see webex.Client.TokenKey).
func Key(tokenKey string) string { return keyPrefix + tokenKey }

// pause is the value stored under a pause key. Only Until matters to the
// gates; the rest tells an operator reading the bucket what happened.
type pause struct {
	Until  time.Time `json:"until"`
	Status int       `json:"status,omitempty"` // the HTTP status that asked for it
	By     string    `json:"by,omitempty"`     // the worker type that saw it
	At     time.Time `json:"at"`               // when it was written
}

func decodePause(b []byte) (pause, error) {
	var p pause
	if err := json.Unmarshal(b, &p); err != nil {
		return pause{}, fmt.Errorf("decode pause: %w", err)
	}
	return p, nil
}
