package events

// keySet finds a key given twice in one object. An envelope or its data has
// about a dozen keys, which a scan of a small array compares fastest and
// without allocating; past keySetScan keys, as only a body built to be
// slow would have, it moves to a map so that checking stays linear.
type keySet struct {
	few [keySetScan][]byte
	n   int
	all map[string]struct{} // every key, once past keySetScan
}

const keySetScan = 24

// add records key and reports whether it was new. key must not change
// while the set is in use.
func (k *keySet) add(key []byte) bool {
	if k.all != nil {
		if _, ok := k.all[string(key)]; ok {
			return false
		}
		k.all[string(key)] = struct{}{}
		return true
	}
	for _, seen := range k.few[:k.n] {
		if string(seen) == string(key) {
			return false
		}
	}
	if k.n < len(k.few) {
		k.few[k.n] = key
		k.n++
		return true
	}
	k.all = make(map[string]struct{}, 2*len(k.few))
	for _, seen := range k.few {
		k.all[string(seen)] = struct{}{}
	}
	k.all[string(key)] = struct{}{}
	return true
}
