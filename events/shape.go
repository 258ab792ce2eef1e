package events

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"unicode/utf8"
)

// MaxDepth is how deeply objects and arrays may nest in a webhook body.
// Webex's envelopes nest three levels; the limit leaves room for new
// fields and refuses bodies built to exhaust a parser.
const MaxDepth = 32

// checkShape refuses what encoding/json would accept but a careful reader
// should not: bytes that are not UTF-8 (JSON must be; Go would quietly
// replace them), nesting deeper than MaxDepth, and a key given twice in the
// envelope or in its data object. With duplicate keys Go keeps the last
// value and another parser may keep the first; since the signature covers
// the bytes, two readers of one stored event could disagree on its
// resource or id. The error wraps ErrMalformedJSON.
func checkShape(body []byte) error {
	if !utf8.Valid(body) {
		return fmt.Errorf("%w: not valid UTF-8", ErrMalformedJSON)
	}
	type frame struct {
		object    bool
		expectKey bool
		keys      map[string]bool // tracked for the envelope and its data
		lastKey   string
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var stack []*frame
	valueDone := func() {
		if n := len(stack); n > 0 && stack[n-1].object {
			stack[n-1].expectKey = true
		}
	}
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("%w: %s", ErrMalformedJSON, jsonReason(err))
		}
		top := (*frame)(nil)
		if n := len(stack); n > 0 {
			top = stack[n-1]
		}
		switch t := tok.(type) {
		case json.Delim:
			switch t {
			case '{', '[':
				if len(stack) >= MaxDepth {
					return fmt.Errorf("%w: nested deeper than %d levels", ErrMalformedJSON, MaxDepth)
				}
				f := &frame{object: t == '{', expectKey: t == '{'}
				// Keys are tracked in the envelope and in its "data".
				if f.object && (top == nil || len(stack) == 1 && top.lastKey == "data") {
					f.keys = map[string]bool{}
				}
				stack = append(stack, f)
			default: // '}' or ']'
				stack = stack[:len(stack)-1]
				valueDone()
			}
		case string:
			if top != nil && top.object && top.expectKey {
				if top.keys != nil {
					if top.keys[t] {
						return fmt.Errorf("%w: duplicate key %s", ErrMalformedJSON, quoteShort(t))
					}
					top.keys[t] = true
				}
				top.lastKey, top.expectKey = t, false
				continue
			}
			valueDone()
		default:
			valueDone()
		}
	}
}
