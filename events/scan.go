package events

import (
	"fmt"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// scanner reads one JSON text (RFC 8259) from buf, strictly: full grammar,
// UTF-8 everywhere, nesting at most MaxDepth levels. It allocates nothing
// unless it fails; every error wraps ErrMalformedJSON and names a byte
// offset, never the bytes themselves.
//
// Callers walk objects and arrays with member and element and read each
// value with value, str or their own handling, so a caller can look at the
// keys and values it cares about while the rest is only checked.
type scanner struct {
	buf   []byte
	pos   int // next byte to read
	depth int // objects and arrays open around pos
}

// rawString is a string token: buf[start:end] is the text between the
// quotes, still escaped if escaped is set.
type rawString struct {
	start, end int
	escaped    bool
}

// syntaxError describes the fault at pos: the body ends too soon, a byte
// is not UTF-8, or the byte is not what JSON allows there.
func (s *scanner) syntaxError() error {
	if s.pos >= len(s.buf) {
		return fmt.Errorf("%w: unexpected end at byte %d", ErrMalformedJSON, s.pos)
	}
	if r, n := utf8.DecodeRune(s.buf[s.pos:]); r == utf8.RuneError && n == 1 {
		return notUTF8()
	}
	return fmt.Errorf("%w: syntax error at byte %d", ErrMalformedJSON, s.pos)
}

func notUTF8() error { return fmt.Errorf("%w: not valid UTF-8", ErrMalformedJSON) }

// skipSpace moves past JSON whitespace.
func (s *scanner) skipSpace() {
	for s.pos < len(s.buf) {
		switch s.buf[s.pos] {
		case ' ', '\t', '\n', '\r':
			s.pos++
		default:
			return
		}
	}
}

// peek returns the byte at pos, or 0 at the end (0 never starts a value).
func (s *scanner) peek() byte {
	if s.pos < len(s.buf) {
		return s.buf[s.pos]
	}
	return 0
}

// value reads any value starting at pos.
func (s *scanner) value() error {
	switch c := s.peek(); {
	case c == '{':
		return s.object()
	case c == '[':
		return s.array()
	case c == '"':
		_, err := s.str()
		return err
	case c == '-' || c >= '0' && c <= '9':
		return s.number()
	case c == 't':
		return s.literal("true")
	case c == 'f':
		return s.literal("false")
	case c == 'n':
		return s.literal("null")
	}
	return s.syntaxError()
}

// object reads an object whose keys nobody looks at.
func (s *scanner) object() error {
	if err := s.open(); err != nil {
		return err
	}
	for first := true; ; first = false {
		_, more, err := s.member(first)
		if err != nil || !more {
			return err
		}
		if err := s.value(); err != nil {
			return err
		}
	}
}

// array reads an array.
func (s *scanner) array() error {
	if err := s.open(); err != nil {
		return err
	}
	for first := true; ; first = false {
		more, err := s.element(first)
		if err != nil || !more {
			return err
		}
		if err := s.value(); err != nil {
			return err
		}
	}
}

// open consumes the '{' or '[' at pos, refusing one level too many.
func (s *scanner) open() error {
	if s.depth >= MaxDepth {
		return fmt.Errorf("%w: nested deeper than %d levels", ErrMalformedJSON, MaxDepth)
	}
	s.depth++
	s.pos++
	return nil
}

// member reads up to the next member's value in the object being read:
// the ',' before it unless first, its key, the ':' after the key and the
// whitespace before the value. At the object's closing '}' it consumes the
// brace and returns more false. A ',' must be followed by a key, so
// "{"a":1,}" is refused.
func (s *scanner) member(first bool) (key rawString, more bool, err error) {
	s.skipSpace()
	switch c := s.peek(); {
	case c == '}':
		s.pos++
		s.depth--
		return key, false, nil
	case !first && c != ',':
		return key, false, s.syntaxError()
	case !first:
		s.pos++
		s.skipSpace()
	}
	if s.peek() != '"' {
		return key, false, s.syntaxError()
	}
	if key, err = s.str(); err != nil {
		return key, false, err
	}
	s.skipSpace()
	if s.peek() != ':' {
		return key, false, s.syntaxError()
	}
	s.pos++
	s.skipSpace()
	return key, true, nil
}

// element reads up to the next element of the array being read, like
// member: the ',' before it unless first and the whitespace around it. At
// the closing ']' it consumes the bracket and returns more false; a ']'
// right after a ',' is left for value to refuse.
func (s *scanner) element(first bool) (more bool, err error) {
	s.skipSpace()
	switch c := s.peek(); {
	case c == ']':
		s.pos++
		s.depth--
		return false, nil
	case !first && c != ',':
		return false, s.syntaxError()
	case !first:
		s.pos++
		s.skipSpace()
	}
	return true, nil
}

// str reads the string at pos (at its opening quote) and returns where its
// text is.
func (s *scanner) str() (rawString, error) {
	b := s.buf
	r := rawString{start: s.pos + 1}
	i := r.start
	for i < len(b) {
		c := b[i]
		if c >= 0x20 && c < utf8.RuneSelf && c != '"' && c != '\\' {
			i++
			continue
		}
		switch {
		case c == '"':
			r.end = i
			s.pos = i + 1
			return r, nil
		case c == '\\':
			r.escaped = true
			n := escapeLen(b[i:])
			if n == 0 {
				s.pos = i
				return r, s.syntaxError()
			}
			if n == 6 {
				if n = surrogateLen(b[i:]); n == 0 {
					return r, loneSurrogate(i)
				}
			}
			i += n
		case c < 0x20: // control characters must be escaped
			s.pos = i
			return r, s.syntaxError()
		default:
			ch, n := utf8.DecodeRune(b[i:])
			if ch == utf8.RuneError && n == 1 {
				return r, notUTF8()
			}
			i += n
		}
	}
	s.pos = i
	return r, s.syntaxError()
}

// escapeLen returns the length of the escape sequence b starts with, or 0
// if it is not one JSON allows.
func escapeLen(b []byte) int {
	if len(b) < 2 {
		return 0
	}
	switch b[1] {
	case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
		return 2
	case 'u':
		if hex4(b[2:]) >= 0 {
			return 6
		}
	}
	return 0
}

// surrogateLen returns the length of the \u escape b starts with,
// together with the escape after it when the two are a surrogate pair: 6
// for a character outside the surrogates, 12 for a pair, 0 for half of a
// pair without its other half.
//
// A lone surrogate is refused like a byte that is not UTF-8: it is not a
// character, and readers disagree on it. encoding/json reads every one as
// U+FFFD, so "\ud800" and "\udc00" would name one id (and one dedup key)
// while a JavaScript reader keeps them apart.
func surrogateLen(b []byte) int {
	r := hex4(b[2:])
	switch {
	case !utf16.IsSurrogate(r):
		return 6
	case r >= 0xdc00: // a low half first
		return 0
	case len(b) >= 12 && b[6] == '\\' && b[7] == 'u':
		if lo := hex4(b[8:]); lo >= 0xdc00 && lo <= 0xdfff {
			return 12
		}
	}
	return 0
}

func loneSurrogate(at int) error {
	return fmt.Errorf("%w: lone surrogate escape at byte %d", ErrMalformedJSON, at)
}

// hex4 returns the value of the four hex digits b starts with, or -1.
func hex4(b []byte) rune {
	if len(b) < 4 {
		return -1
	}
	var r rune
	for _, c := range b[:4] {
		switch {
		case c >= '0' && c <= '9':
			c -= '0'
		case c >= 'a' && c <= 'f':
			c = c - 'a' + 10
		case c >= 'A' && c <= 'F':
			c = c - 'A' + 10
		default:
			return -1
		}
		r = r<<4 | rune(c)
	}
	return r
}

// number reads a number: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
func (s *scanner) number() error {
	if s.peek() == '-' {
		s.pos++
	}
	switch c := s.peek(); {
	case c == '0':
		s.pos++
	case c >= '1' && c <= '9':
		s.digits()
	default:
		return s.syntaxError()
	}
	if s.peek() == '.' {
		s.pos++
		if !s.digits() {
			return s.syntaxError()
		}
	}
	if c := s.peek(); c == 'e' || c == 'E' {
		s.pos++
		if c := s.peek(); c == '+' || c == '-' {
			s.pos++
		}
		if !s.digits() {
			return s.syntaxError()
		}
	}
	return nil
}

// digits moves past decimal digits and reports whether there was one.
func (s *scanner) digits() bool {
	start := s.pos
	for c := s.peek(); c >= '0' && c <= '9'; c = s.peek() {
		s.pos++
	}
	return s.pos > start
}

// literal reads true, false or null, whichever word is.
func (s *scanner) literal(word string) error {
	for i := 0; i < len(word); i++ {
		if s.peek() != word[i] {
			return s.syntaxError()
		}
		s.pos++
	}
	return nil
}

// writeUnquoted writes the text of an escaped string, raw being what
// stands between its quotes, which str has checked. It reads escapes as
// encoding/json does. str refuses a lone surrogate, so none reaches it;
// were one to, it would become U+FFFD as in encoding/json.
func writeUnquoted(w *strings.Builder, raw []byte) {
	for len(raw) > 0 {
		i := 0
		for i < len(raw) && raw[i] != '\\' {
			i++
		}
		w.Write(raw[:i])
		if raw = raw[i:]; len(raw) == 0 {
			return
		}
		switch c := raw[1]; c {
		case 'b':
			w.WriteByte('\b')
		case 'f':
			w.WriteByte('\f')
		case 'n':
			w.WriteByte('\n')
		case 'r':
			w.WriteByte('\r')
		case 't':
			w.WriteByte('\t')
		case 'u':
			r := hex4(raw[2:])
			raw = raw[6:]
			if utf16.IsSurrogate(r) {
				var next rune = -1
				if len(raw) >= 6 && raw[0] == '\\' && raw[1] == 'u' {
					next = hex4(raw[2:])
				}
				if pair := utf16.DecodeRune(r, next); pair != utf8.RuneError {
					r = pair
					raw = raw[6:]
				} else {
					r = utf8.RuneError
				}
			}
			w.WriteRune(r)
			continue
		default: // '"', '\\' or '/'
			w.WriteByte(c)
		}
		raw = raw[2:]
	}
}
