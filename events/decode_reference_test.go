package events

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// decodeReference is Decode as it was before the single-pass scanner: a
// shape check with json.Decoder.Token, then json.Unmarshal field by field.
// It is kept as the oracle FuzzDecode compares Decode against; its
// behaviour is the contract.
func decodeReference(body []byte) (*Envelope, error) {
	if t := bytes.TrimLeft(body, " \t\r\n"); len(t) == 0 || t[0] != '{' {
		return nil, fmt.Errorf("%w: body is not a JSON object", ErrMalformedJSON)
	}
	if err := checkShapeReference(body); err != nil {
		return nil, err
	}
	// Decode field by field so that one field of an unexpected type does not
	// reject the delivery: a non-string value reads as "".
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(body, &fields); err != nil {
		return nil, fmt.Errorf("%w: %s", ErrMalformedJSON, jsonReasonReference(err))
	}
	env := &Envelope{}
	for name, dst := range map[string]*string{
		"id": &env.ID, "name": &env.Name, "targetUrl": &env.TargetURL,
		"resource": &env.Resource, "event": &env.Event, "filter": &env.Filter,
		"orgId": &env.OrgID, "createdBy": &env.CreatedBy, "appId": &env.AppID,
		"ownedBy": &env.OwnedBy, "status": &env.Status, "created": &env.Created,
		"actorId": &env.ActorID,
	} {
		*dst = stringFieldReference(fields[name])
	}
	switch {
	case env.Resource == "":
		return nil, ErrMissingResource
	case !ValidToken(env.Resource):
		return nil, fmt.Errorf("%w: resource %s", ErrUnsafeToken, quoteShort(env.Resource))
	case env.Event == "":
		return nil, ErrMissingEvent
	case !ValidToken(env.Event):
		return nil, fmt.Errorf("%w: event %s", ErrUnsafeToken, quoteShort(env.Event))
	}
	raw := fields["data"]
	var data map[string]json.RawMessage
	if len(raw) == 0 || json.Unmarshal(raw, &data) != nil || data == nil {
		return nil, ErrMissingDataID
	}
	env.RawData = raw
	env.Data = decodeDataReference(data)
	if env.Data.ID == "" {
		return nil, ErrMissingDataID
	}
	return env, nil
}

// checkShapeReference refuses what encoding/json would accept but a careful
// reader should not: bytes that are not UTF-8, nesting deeper than
// MaxDepth, and a key given twice in the envelope or in its data object.
func checkShapeReference(body []byte) error {
	if !utf8.Valid(body) {
		return fmt.Errorf("%w: not valid UTF-8", ErrMalformedJSON)
	}
	if hasLoneSurrogateReference(body) {
		return fmt.Errorf("%w: lone surrogate escape", ErrMalformedJSON)
	}
	type frame struct {
		object    bool
		expectKey bool
		keys      []string // tracked for the envelope and its data
		known     []string // the keys Envelope or Data reads
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
			return fmt.Errorf("%w: %s", ErrMalformedJSON, jsonReasonReference(err))
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
				switch {
				case !f.object:
				case top == nil:
					f.keys, f.known = []string{}, jsonKeysReference(Envelope{})
				case len(stack) == 1 && top.lastKey == "data":
					f.keys, f.known = []string{}, jsonKeysReference(Data{})
				}
				stack = append(stack, f)
			default: // '}' or ']'
				stack = stack[:len(stack)-1]
				valueDone()
			}
		case string:
			if top != nil && top.object && top.expectKey {
				if top.keys != nil {
					for _, k := range top.keys {
						if sameKeyReference(k, t) {
							return fmt.Errorf("%w: duplicate key %s", ErrMalformedJSON, quoteShort(t))
						}
					}
					top.keys = append(top.keys, t)
					for _, k := range top.known {
						if k != t && sameKeyReference(k, t) && !slices.Contains(top.known, t) {
							return fmt.Errorf("%w: wrongly cased key %s", ErrMalformedJSON, quoteShort(t))
						}
					}
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

func decodeDataReference(f map[string]json.RawMessage) Data {
	d := Data{
		ID:                stringFieldReference(f["id"]),
		RoomID:            stringFieldReference(f["roomId"]),
		RoomType:          stringFieldReference(f["roomType"]),
		PersonID:          stringFieldReference(f["personId"]),
		PersonEmail:       stringFieldReference(f["personEmail"]),
		PersonDisplayName: stringFieldReference(f["personDisplayName"]),
		Created:           stringFieldReference(f["created"]),
		ParentID:          stringFieldReference(f["parentId"]),
		MessageID:         stringFieldReference(f["messageId"]),
		Type:              stringFieldReference(f["type"]),
		MentionedPeople:   stringsFieldReference(f["mentionedPeople"]),
		Files:             stringsFieldReference(f["files"]),
	}
	_ = json.Unmarshal(f["isModerator"], &d.IsModerator)
	return d
}

// stringFieldReference returns raw as a string when it is a JSON string,
// else "".
func stringFieldReference(raw json.RawMessage) string {
	if len(raw) == 0 || raw[0] != '"' {
		return ""
	}
	var s string
	if json.Unmarshal(raw, &s) != nil {
		return ""
	}
	return s
}

// stringsFieldReference returns raw as a list of strings when it is a JSON
// array of strings, else nil.
func stringsFieldReference(raw json.RawMessage) []string {
	if len(raw) == 0 || raw[0] != '[' {
		return nil
	}
	var s []string
	if json.Unmarshal(raw, &s) != nil {
		return nil
	}
	return s
}

// jsonReasonReference names what is wrong with a body without quoting it.
func jsonReasonReference(err error) string {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		return fmt.Sprintf("syntax error at byte %d", syn.Offset)
	case errors.As(err, &typ):
		return "body is not a JSON object"
	}
	return "invalid JSON"
}

// hasLoneSurrogateReference reports whether a string in body holds a \u
// escape of half a surrogate pair without the other half right after it.
// It looks only at escapes inside strings and trusts encoding/json to
// refuse what is not JSON.
func hasLoneSurrogateReference(body []byte) bool {
	inString := false
	for i := 0; i < len(body); i++ {
		switch c := body[i]; {
		case c == '"':
			inString = !inString
		case c != '\\' || !inString || i+1 >= len(body):
		case body[i+1] != 'u':
			i++ // a one-character escape, possibly \" or \\
		default:
			r, ok := hexReference(body[i+2:])
			switch {
			case !ok || r < 0xd800 || r > 0xdfff:
				i += 5
			case r >= 0xdc00:
				return true
			default:
				lo, ok := rune(0), false
				if i+12 <= len(body) && body[i+6] == '\\' && body[i+7] == 'u' {
					lo, ok = hexReference(body[i+8:])
				}
				if !ok || lo < 0xdc00 || lo > 0xdfff {
					return true
				}
				i += 11
			}
		}
	}
	return false
}

func hexReference(b []byte) (rune, bool) {
	if len(b) < 4 {
		return 0, false
	}
	v, err := strconv.ParseUint(string(b[:4]), 16, 16)
	return rune(v), err == nil
}

// sameKeyReference reports whether encoding/json could read keys a and b
// into one struct field: equal under Unicode simple case folding (Go 1.26)
// or under ToUpper(ToLower(c)) (Go 1.25 and before).
func sameKeyReference(a, b string) bool {
	upperLower := func(r rune) rune { return unicode.ToUpper(unicode.ToLower(r)) }
	return strings.EqualFold(a, b) || strings.Map(upperLower, a) == strings.Map(upperLower, b)
}

// jsonKeysReference lists the JSON names of v's fields.
func jsonKeysReference(v any) []string {
	var keys []string
	t := reflect.TypeOf(v)
	for i := range t.NumField() {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
		if name != "" && name != "-" {
			keys = append(keys, name)
		}
	}
	return keys
}
