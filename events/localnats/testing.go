package localnats

import "testing"

// StartTest starts a server on a random loopback port with a store under
// t.TempDir() and shuts it down when the test ends.
func StartTest(tb testing.TB) *Server {
	tb.Helper()
	s, err := Start(Config{StoreDir: tb.TempDir()})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(s.Shutdown)
	return s
}
