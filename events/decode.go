package events

import (
	"bytes"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// MaxDepth is how deeply objects and arrays may nest in a webhook body.
// Webex's envelopes nest three levels; the limit leaves room for new
// fields and refuses bodies built to exhaust a parser.
const MaxDepth = 32

// Decode parses and validates a webhook body. It checks only what the
// pipeline relies on: a JSON object with resource and event usable as
// subject tokens and a data object with a string id. The error wraps one of
// ErrMalformedJSON, ErrMissingResource, ErrMissingEvent, ErrMissingDataID or
// ErrUnsafeToken.
//
// Beyond JSON's grammar it refuses what encoding/json would accept but a
// careful reader should not (ErrMalformedJSON): bytes that are not UTF-8
// (JSON must be; Go would quietly replace them), a \u escape of half a
// surrogate pair without its other half (no character: Go reads each as
// U+FFFD, so two different ids would read as one, with one dedup key),
// nesting deeper than MaxDepth, and, in the envelope or in its data
// object, two keys equal but for case ("data" and "DATA") and a key that
// differs from one Envelope or Data reads only in case ("Resource"): Go's
// encoding/json matches keys ignoring case, so it would read another value
// than Decode and than a reader that matches keys exactly.
// With duplicate keys Go keeps the last value and another parser may keep
// the first; since the signature covers the bytes, two readers of one
// stored event could disagree on its resource or id.
//
// A field of an unexpected JSON type reads as empty rather than failing the
// delivery. The envelope does not share memory with body.
func Decode(body []byte) (*Envelope, error) {
	d := decoder{scanner: scanner{buf: body}, env: &Envelope{}}
	if err := d.envelope(); err != nil {
		return nil, err
	}
	d.copyStrings()
	env := d.env
	switch {
	case env.Resource == "":
		return nil, ErrMissingResource
	case !ValidToken(env.Resource):
		return nil, fmt.Errorf("%w: resource %s", ErrUnsafeToken, quoteShort(env.Resource))
	case env.Event == "":
		return nil, ErrMissingEvent
	case !ValidToken(env.Event):
		return nil, fmt.Errorf("%w: event %s", ErrUnsafeToken, quoteShort(env.Event))
	case !d.dataObject || env.Data.ID == "":
		return nil, ErrMissingDataID
	}
	env.RawData = bytes.Clone(body[d.data.start:d.data.end])
	return env, nil
}

// decoder reads an envelope in one pass: its scanner checks the whole body
// while the decoder notes where the values it keeps are. Only once the body
// has proved valid are they copied out, every string into one allocation.
type decoder struct {
	scanner
	env *Envelope

	// The strings to copy into env: at most one per field, as keys are
	// unique, then the elements of the two lists. They are strs[:nStrs]
	// followed by more, so that a delivery needs no allocation for them.
	strs  [40]capture
	nStrs int
	more  []capture

	lists      [2]listCapture // mentionedPeople and files, when arrays
	nLists     int
	data       rawSpan // the value of "data"
	dataObject bool    // whether "data" is there and an object
}

// rawSpan is a value in the body: buf[start:end].
type rawSpan struct{ start, end int }

// capture is a string value to copy into *dst.
type capture struct {
	dst      *string
	raw      rawString
	from, to int // where copyStrings put the text in its block
}

// listCapture is an array value to read into *dst as a list of strings.
type listCapture struct {
	dst *[]string
	raw rawSpan
}

// envelope reads the body: one object, nothing but whitespace after it.
func (d *decoder) envelope() error {
	d.skipSpace()
	if d.peek() != '{' {
		return fmt.Errorf("%w: body is not a JSON object", ErrMalformedJSON)
	}
	if err := d.keyedObject(envelopeKeys, d.envelopeMember); err != nil {
		return err
	}
	d.skipSpace()
	if d.pos < len(d.buf) {
		return d.syntaxError()
	}
	return nil
}

// keyedObject reads the object at pos, refusing two keys that are equal
// after unescaping and case folding (encoding/json would read both into one
// field) and a key that is one of known's only under folding, and has
// readValue read each member's value.
func (d *decoder) keyedObject(known knownKeys, readValue func(key []byte) error) error {
	if err := d.open(); err != nil {
		return err
	}
	var seen keySet
	for first := true; ; first = false {
		k, more, err := d.member(first)
		if err != nil || !more {
			return err
		}
		key := d.buf[k.start:k.end]
		if k.escaped {
			var b strings.Builder
			writeUnquoted(&b, key)
			key = []byte(b.String())
		}
		folded, ok := seen.add(key)
		if !ok {
			return fmt.Errorf("%w: duplicate key %s", ErrMalformedJSON, quoteShort(string(key)))
		}
		if name := known.name(folded); name != "" && name != string(key) {
			return fmt.Errorf("%w: wrongly cased key %s", ErrMalformedJSON, quoteShort(string(key)))
		}
		if err := readValue(key); err != nil {
			return err
		}
	}
}

// envelopeMember reads the value of a top-level key.
func (d *decoder) envelopeMember(key []byte) error {
	e := d.env
	var dst *string
	switch string(key) {
	case "data":
		if d.peek() != '{' {
			return d.value()
		}
		start := d.pos
		if err := d.keyedObject(dataKeys, d.dataMember); err != nil {
			return err
		}
		d.data, d.dataObject = rawSpan{start, d.pos}, true
		return nil
	case "id":
		dst = &e.ID
	case "name":
		dst = &e.Name
	case "targetUrl":
		dst = &e.TargetURL
	case "resource":
		dst = &e.Resource
	case "event":
		dst = &e.Event
	case "filter":
		dst = &e.Filter
	case "orgId":
		dst = &e.OrgID
	case "createdBy":
		dst = &e.CreatedBy
	case "appId":
		dst = &e.AppID
	case "ownedBy":
		dst = &e.OwnedBy
	case "status":
		dst = &e.Status
	case "created":
		dst = &e.Created
	case "actorId":
		dst = &e.ActorID
	}
	return d.stringValue(dst)
}

// dataMember reads the value of a key in "data".
func (d *decoder) dataMember(key []byte) error {
	v := &d.env.Data
	var dst *string
	switch string(key) {
	case "mentionedPeople":
		return d.listValue(&v.MentionedPeople)
	case "files":
		return d.listValue(&v.Files)
	case "isModerator":
		v.IsModerator = d.peek() == 't'
		return d.value()
	case "id":
		dst = &v.ID
	case "roomId":
		dst = &v.RoomID
	case "roomType":
		dst = &v.RoomType
	case "personId":
		dst = &v.PersonID
	case "personEmail":
		dst = &v.PersonEmail
	case "personDisplayName":
		dst = &v.PersonDisplayName
	case "created":
		dst = &v.Created
	case "parentId":
		dst = &v.ParentID
	case "messageId":
		dst = &v.MessageID
	case "type":
		dst = &v.Type
	}
	return d.stringValue(dst)
}

// stringValue reads a value, to be copied into *dst if it is a string and
// dst is not nil.
func (d *decoder) stringValue(dst *string) error {
	if dst == nil || d.peek() != '"' {
		return d.value()
	}
	r, err := d.str()
	if err == nil {
		d.keep(capture{dst: dst, raw: r})
	}
	return err
}

// keep adds c to the strings to copy.
func (d *decoder) keep(c capture) {
	if d.nStrs < len(d.strs) {
		d.strs[d.nStrs] = c
		d.nStrs++
		return
	}
	d.more = append(d.more, c)
}

// kept is the number of strings to copy; capture(i) is the i-th.
func (d *decoder) kept() int { return d.nStrs + len(d.more) }

func (d *decoder) capture(i int) *capture {
	if i < len(d.strs) {
		return &d.strs[i]
	}
	return &d.more[i-len(d.strs)]
}

// listValue reads a value, to be read into *dst if it is an array.
func (d *decoder) listValue(dst *[]string) error {
	if d.peek() != '[' {
		return d.value()
	}
	start := d.pos
	if err := d.array(); err != nil {
		return err
	}
	d.lists[d.nLists] = listCapture{dst, rawSpan{start, d.pos}}
	d.nLists++
	return nil
}

// copyStrings fills the envelope's strings and lists from the body, which
// envelope has checked. A list is kept only if every element is a string
// or null (which reads as ""), as encoding/json would fill a []string.
func (d *decoder) copyStrings() {
	for _, l := range d.lists[:d.nLists] {
		d.addList(l)
	}
	size := 0
	for i := range d.kept() {
		c := d.capture(i)
		size += c.raw.end - c.raw.start // unescaping never lengthens
	}
	if size == 0 {
		return
	}
	var b strings.Builder
	b.Grow(size)
	for i := range d.kept() {
		c := d.capture(i)
		c.from = b.Len()
		if raw := d.buf[c.raw.start:c.raw.end]; c.raw.escaped {
			writeUnquoted(&b, raw)
		} else {
			b.Write(raw)
		}
		c.to = b.Len()
	}
	text := b.String()
	for i := range d.kept() {
		c := d.capture(i)
		*c.dst = text[c.from:c.to]
	}
}

// addList adds the elements of a list to the strings to copy and points
// *l.dst at them, or leaves it nil if an element is not a string or null.
func (d *decoder) addList(l listCapture) {
	n := 0
	if !d.listItems(l.raw, func(rawString) { n++ }) {
		return
	}
	list := make([]string, n)
	if spill := d.nStrs + n - len(d.strs); spill > 0 {
		d.more = slices.Grow(d.more, spill) // a long list grows it once
	}
	i := 0
	d.listItems(l.raw, func(r rawString) {
		d.keep(capture{dst: &list[i], raw: r})
		i++
	})
	*l.dst = list
}

// listItems calls yield with each element of the array at raw, which
// envelope has checked, an empty rawString for null. At an element that is
// neither a string nor null it stops and returns false.
func (d *decoder) listItems(raw rawSpan, yield func(rawString)) bool {
	s := scanner{buf: d.buf[:raw.end], pos: raw.start}
	_ = s.open()
	for first := true; ; first = false {
		if ok, _ := s.element(first); !ok {
			return true
		}
		var r rawString
		switch s.peek() {
		case '"':
			r, _ = s.str()
		case 'n':
			_ = s.literal("null")
		default:
			return false
		}
		yield(r)
	}
}

// quoteShort quotes untrusted text for an error, in Go syntax so that it
// cannot break a log line, and cut to a readable length: at most 32 bytes
// of s, fewer if escaping them would take more than 64 bytes (a control
// character takes four), so that a reason stays short whatever s holds.
func quoteShort(s string) string {
	const maxBytes, maxQuoted = 32, 64
	n := min(len(s), maxBytes)
	q := strconv.Quote(s[:n])
	for len(q) > maxQuoted {
		n--
		q = strconv.Quote(s[:n])
	}
	if n < len(s) {
		return fmt.Sprintf("%s... (%d bytes)", q, len(s))
	}
	return q
}
