package events

import (
	"unicode"
	"unicode/utf8"
)

// foldKey appends key folded to dst: two keys that Go's encoding/json
// could match to the same struct field fold to the same bytes. It maps
// every character c to ToUpper(ToLower(c)), which is what encoding/json
// did up to Go 1.25, and which is coarser than the simple case folding it
// uses since (unicode.SimpleFold: the Kelvin sign K with k and K, the long
// s ſ with s and S), as TestFoldKeyCoversSimpleFolding checks for every
// character. Being coarser only ever refuses more: a pair such as "İd"
// and "id", which encoding/json up to 1.25 matched and 1.26 does not,
// still counts as one key.
//
// key is valid UTF-8: the scanner refused anything else.
func foldKey(dst, key []byte) []byte {
	for i := 0; i < len(key); {
		c := key[i]
		if c < utf8.RuneSelf {
			if 'a' <= c && c <= 'z' {
				c -= 'a' - 'A'
			}
			dst = append(dst, c)
			i++
			continue
		}
		r, n := utf8.DecodeRune(key[i:])
		dst = utf8.AppendRune(dst, unicode.ToUpper(unicode.ToLower(r)))
		i += n
	}
	return dst
}

// foldKeyInto writes key folded at the start of dst and returns its
// length, or reports false if it does not fit.
func foldKeyInto(dst, key []byte) (n int, fits bool) {
	for i := 0; i < len(key); {
		c := key[i]
		if c < utf8.RuneSelf {
			if n == len(dst) {
				return n, false
			}
			if 'a' <= c && c <= 'z' {
				c -= 'a' - 'A'
			}
			dst[n] = c
			n++
			i++
			continue
		}
		r, size := utf8.DecodeRune(key[i:])
		f := unicode.ToUpper(unicode.ToLower(r))
		if utf8.RuneLen(f) > len(dst)-n {
			return n, false
		}
		n += utf8.EncodeRune(dst[n:], f)
		i += size
	}
	return n, true
}
