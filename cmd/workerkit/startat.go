package workerkit

import (
	"fmt"
	"strings"
	"time"

	"github.com/webexpipe/webexpipe/workers"
)

// StartAtFlag is the value of --start-at. Its zero value means new. A
// duration is turned into a time when the flag is set, at process start,
// so that every use of the value names the same moment.
type StartAtFlag struct {
	text string
	at   workers.StartAt
}

// At is the parsed position.
func (f StartAtFlag) At() workers.StartAt { return f.at }

// String is the flag's value as given, "new" by default.
func (f *StartAtFlag) String() string {
	if f.text == "" {
		return "new"
	}
	return f.text
}

// Set parses a value; see ParseStartAt.
func (f *StartAtFlag) Set(s string) error {
	at, err := ParseStartAt(s, time.Now())
	if err != nil {
		return err
	}
	f.text, f.at = s, at
	return nil
}

// Type names the flag's kind in --help.
func (f *StartAtFlag) Type() string { return "position" }

// ParseStartAt reads a start position: "new", "all", an RFC 3339 time, or a
// positive duration meaning that long before now.
func ParseStartAt(s string, now time.Time) (workers.StartAt, error) {
	s = strings.TrimSpace(s)
	switch strings.ToLower(s) {
	case "new", "":
		return workers.StartNew, nil
	case "all":
		return workers.StartAll, nil
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return workers.StartTime(t), nil
	}
	if d, err := time.ParseDuration(s); err == nil && d > 0 {
		return workers.StartTime(now.Add(-d)), nil
	}
	return workers.StartAt{}, fmt.Errorf("start position %q: want new, all, an RFC 3339 time or a duration such as 2h", s)
}
