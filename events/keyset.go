package events

// keySet finds two keys of one object that name the same member, which is
// the case when they are equal under case folding (see foldKey): Go's
// encoding/json matches keys to fields that way, so with "data" beside
// "DATA" a Go reader takes whichever comes last while an exact reader
// takes "data".
//
// An envelope or its data has about a dozen short keys, which a scan of
// their folded forms, kept in a small array, compares fastest and without
// allocating; past keySetScan keys or keySetBuf bytes, as only a body
// built to be slow would have, it moves to a map so that checking stays
// linear. A keySet must not be copied once used.
type keySet struct {
	buf  [keySetBuf]byte // the folded keys back to back: buf[:used]
	used int
	ends [keySetScan]int // key i is buf[ends[i-1]:ends[i]]
	n    int
	all  map[string]struct{} // every folded key, once past the array
}

const (
	keySetScan = 24
	keySetBuf  = 512
)

// add records key and returns it folded, or reports false if a key equal
// to it under folding was added before. The folded key is valid until the
// next call.
func (k *keySet) add(key []byte) (folded []byte, ok bool) {
	if k.all == nil {
		if n, fits := foldKeyInto(k.buf[k.used:], key); fits && k.n < len(k.ends) {
			folded = k.buf[k.used : k.used+n]
			from := 0
			for _, end := range k.ends[:k.n] {
				if string(k.buf[from:end]) == string(folded) {
					return nil, false
				}
				from = end
			}
			k.used += n
			k.ends[k.n] = k.used
			k.n++
			return folded, true
		}
		k.all = make(map[string]struct{}, 2*keySetScan)
		from := 0
		for _, end := range k.ends[:k.n] {
			k.all[string(k.buf[from:end])] = struct{}{}
			from = end
		}
	}
	folded = foldKey(nil, key)
	if _, seen := k.all[string(folded)]; seen {
		return nil, false
	}
	k.all[string(folded)] = struct{}{}
	return folded, true
}
