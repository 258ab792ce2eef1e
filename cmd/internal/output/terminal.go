package output

import "os"

// IsTerminal reports whether v is a terminal: an *os.File that is a
// character device. It needs no terminal library; /dev/null counts as one
// too, which costs nothing there but a redrawn line nobody reads.
func IsTerminal(v any) bool {
	f, ok := v.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}
