package console

import (
	"bytes"
	"encoding/json"
	"fmt"
	"html/template"
	"time"
)

// funcs are the templates' formatting helpers.
var funcs = template.FuncMap{
	"stamp":  stamp,
	"age":    age,
	"size":   size,
	"pretty": pretty,
	"page": func(title string, refresh int) map[string]any {
		return map[string]any{"Title": title, "Refresh": refresh}
	},
}

func stamp(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format("2006-01-02 15:04:05Z")
}

// age writes seconds as a short duration: 45s, 3m12s, 2h5m, 3d4h.
func age(seconds float64) string {
	d := time.Duration(seconds * float64(time.Second)).Round(time.Second)
	switch {
	case d <= 0:
		return "-"
	case d < time.Hour:
		return d.String()
	case d < 48*time.Hour:
		return d.Truncate(time.Minute).String()
	}
	return fmt.Sprintf("%dd%dh", d/(24*time.Hour), d%(24*time.Hour)/time.Hour)
}

func size(n uint64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := uint64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}

// pretty indents JSON for display; anything else is shown as it is.
func pretty(raw json.RawMessage) string {
	var b bytes.Buffer
	if json.Indent(&b, raw, "", "  ") != nil {
		return string(raw)
	}
	return b.String()
}
