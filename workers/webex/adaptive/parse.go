package adaptive

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"

	"github.com/webexpipe/webexpipe/workers/webex"
)

// maxCardFile bounds a card file read by LoadFile; real cards are a few KiB.
const maxCardFile = 1 << 20

// Parse reads a card as the designers export it and returns it, checked, as
// an attachment. b is either the card itself ({"type": "AdaptiveCard", ...})
// or a whole attachment ({"contentType": ..., "content": {...}}). The
// card's JSON is kept as given, so fields this package does not know reach
// Webex unchanged. The error wraps ErrInvalidCard.
func Parse(b []byte) (webex.Attachment, error) {
	var probe struct {
		ContentType *string         `json:"contentType"`
		Content     json.RawMessage `json:"content"`
	}
	if t := bytes.TrimSpace(b); len(t) == 0 || t[0] != '{' || json.Unmarshal(t, &probe) != nil {
		return webex.Attachment{}, fmt.Errorf("%w: not a JSON object", ErrInvalidCard)
	}
	a := webex.Attachment{ContentType: webex.AdaptiveCardContentType, Content: json.RawMessage(bytes.TrimSpace(b))}
	if probe.ContentType != nil {
		a = webex.Attachment{ContentType: *probe.ContentType, Content: probe.Content}
	}
	if err := Check(a); err != nil {
		return webex.Attachment{}, err
	}
	return a, nil
}

// LoadFile reads a card file (see Parse). The error names the file.
func LoadFile(path string) (webex.Attachment, error) {
	f, err := os.Open(path)
	if err != nil {
		return webex.Attachment{}, fmt.Errorf("card file: %w", err)
	}
	defer f.Close()
	var buf bytes.Buffer
	if _, err := buf.ReadFrom(io.LimitReader(f, maxCardFile+1)); err != nil {
		return webex.Attachment{}, fmt.Errorf("card file %s: %w", path, err)
	}
	if buf.Len() > maxCardFile {
		return webex.Attachment{}, fmt.Errorf("%w: card file %s is larger than %d bytes", ErrInvalidCard, path, maxCardFile)
	}
	a, err := Parse(buf.Bytes())
	if err != nil {
		return webex.Attachment{}, fmt.Errorf("card file %s: %w", path, err)
	}
	return a, nil
}
