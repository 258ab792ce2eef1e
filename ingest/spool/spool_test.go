package spool

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/webexpipe/webexpipe/internal/waitfor"
)

func open(t *testing.T, dir string, opts Options) (*Spool, Recovery) {
	t.Helper()
	opts.Dir = dir
	s, rec, err := Open(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s, rec
}

func next(t *testing.T, s *Spool) (string, Position) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	rec, pos, err := s.Next(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return string(rec), pos
}

func TestAppendReadCommitReopen(t *testing.T) {
	dir := t.TempDir()
	s, _ := open(t, dir, Options{SegmentBytes: 64}) // small segments: rotation on every other record
	for i := range 5 {
		if err := s.Append(fmt.Appendf(nil, "record-%d", i)); err != nil {
			t.Fatal(err)
		}
	}
	if st := s.Stats(); st.Records != 5 {
		t.Fatalf("stats %+v, want 5 records", st)
	}
	var last Position
	for i := range 2 {
		rec, pos := next(t, s)
		if want := fmt.Sprintf("record-%d", i); rec != want {
			t.Fatalf("read %q, want %q", rec, want)
		}
		last = pos
	}
	if err := s.Commit(last); err != nil {
		t.Fatal(err)
	}
	// A third record is read but not committed: it must come back.
	next(t, s)
	s.Close()

	s2, rec := open(t, dir, Options{SegmentBytes: 64})
	if rec.Records != 3 || rec.DroppedBytes != 0 {
		t.Fatalf("recovery %+v, want 3 records and nothing dropped", rec)
	}
	for i := 2; i < 5; i++ {
		got, pos := next(t, s2)
		if want := fmt.Sprintf("record-%d", i); got != want {
			t.Fatalf("after reopen read %q, want %q", got, want)
		}
		last = pos
	}
	if err := s2.Commit(last); err != nil {
		t.Fatal(err)
	}
	if st := s2.Stats(); st.Records != 0 || st.Bytes != 0 {
		t.Errorf("stats after draining %+v", st)
	}
	segs, _ := filepath.Glob(filepath.Join(dir, "*"+segmentSuffix))
	if len(segs) != 1 {
		t.Errorf("%d segments left after draining, want only the one being written: %v", len(segs), segs)
	}
}

func TestTornOrCorruptTailIsDropped(t *testing.T) {
	tests := []struct {
		name  string
		spoil func(t *testing.T, path string)
	}{
		{"half a header", func(t *testing.T, path string) { appendBytes(t, path, []byte{0, 0, 0}) }},
		{"header without its payload", func(t *testing.T, path string) {
			appendBytes(t, path, []byte{0, 0, 0, 40, 1, 2, 3, 4, 'x', 'y'})
		}},
		{"flipped byte in the last record", func(t *testing.T, path string) {
			b, _ := os.ReadFile(path)
			b[len(b)-1] ^= 0xff
			os.WriteFile(path, b, 0o600)
		}},
		{"absurd length", func(t *testing.T, path string) {
			appendBytes(t, path, []byte{0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0})
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			s, _ := open(t, dir, Options{})
			for _, r := range []string{"one", "two", "three"} {
				if err := s.Append([]byte(r)); err != nil {
					t.Fatal(err)
				}
			}
			s.Close()
			tt.spoil(t, filepath.Join(dir, "000001"+segmentSuffix))

			s2, rec := open(t, dir, Options{})
			if rec.DroppedBytes == 0 {
				t.Error("nothing reported dropped")
			}
			want := []string{"one", "two", "three"}
			if tt.name == "flipped byte in the last record" {
				want = want[:2]
			}
			if rec.Records != len(want) {
				t.Fatalf("recovered %d records, want %d", rec.Records, len(want))
			}
			for _, w := range want {
				if got, _ := next(t, s2); got != w {
					t.Fatalf("read %q, want %q", got, w)
				}
			}
			// The spool goes on cleanly after the cut.
			if err := s2.Append([]byte("four")); err != nil {
				t.Fatal(err)
			}
			if got, _ := next(t, s2); got != "four" {
				t.Fatalf("read %q after recovery, want four", got)
			}
		})
	}
}

func TestFull(t *testing.T) {
	s, _ := open(t, t.TempDir(), Options{MaxBytes: 40})
	if err := s.Append(make([]byte, 20)); err != nil {
		t.Fatal(err)
	}
	if err := s.Append(make([]byte, 20)); !errors.Is(err, ErrFull) {
		t.Fatalf("err = %v, want ErrFull", err)
	}
	_, pos := next(t, s)
	if err := s.Commit(pos); err != nil {
		t.Fatal(err)
	}
	if err := s.Append(make([]byte, 20)); err != nil {
		t.Fatalf("room freed by the commit, still: %v", err)
	}
	if err := s.Append(make([]byte, 1<<25)); !errors.Is(err, ErrTooLarge) {
		t.Errorf("err = %v, want ErrTooLarge", err)
	}
}

func TestNextWaitsForAppend(t *testing.T) {
	s, _ := open(t, t.TempDir(), Options{})
	got := make(chan string, 1)
	go func() {
		rec, _, err := s.Next(context.Background())
		if err != nil {
			got <- "error: " + err.Error()
			return
		}
		got <- string(rec)
	}()
	if err := s.Append([]byte("late")); err != nil {
		t.Fatal(err)
	}
	select {
	case r := <-got:
		if r != "late" {
			t.Fatalf("got %q", r)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Next did not wake up on Append")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, _, err := s.Next(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want context.Canceled", err)
	}
}

func TestRewind(t *testing.T) {
	s, _ := open(t, t.TempDir(), Options{})
	s.Append([]byte("a"))
	s.Append([]byte("b"))
	next(t, s)
	next(t, s)
	s.Rewind()
	if got, _ := next(t, s); got != "a" {
		t.Errorf("after Rewind read %q, want a", got)
	}
}

// TestUnread: Unread counts the records Next returns without waiting,
// and counts them again after a Rewind.
func TestUnread(t *testing.T) {
	s, _ := open(t, t.TempDir(), Options{})
	for _, r := range []string{"a", "b", "c"} {
		if err := s.Append([]byte(r)); err != nil {
			t.Fatal(err)
		}
	}
	if n := s.Unread(); n != 3 {
		t.Fatalf("Unread = %d, want 3", n)
	}
	_, pos := next(t, s)
	next(t, s)
	if n := s.Unread(); n != 1 {
		t.Errorf("after two reads Unread = %d, want 1", n)
	}
	if err := s.Commit(pos); err != nil {
		t.Fatal(err)
	}
	if n := s.Unread(); n != 1 {
		t.Errorf("after committing the first Unread = %d, want 1", n)
	}
	s.Rewind()
	if n := s.Unread(); n != 2 {
		t.Errorf("after Rewind Unread = %d, want 2", n)
	}
}

// TestSetAside: the first record waiting is copied under rejected/ and
// committed past; the next one is read after it, also after a reopen. A
// record that is not the first is refused and nothing is committed.
func TestSetAside(t *testing.T) {
	dir := t.TempDir()
	s, _ := open(t, dir, Options{})
	for _, r := range []string{"refused", "next", "last"} {
		if err := s.Append([]byte(r)); err != nil {
			t.Fatal(err)
		}
	}
	rec, pos := next(t, s)
	_, pos2 := next(t, s)
	if _, err := s.SetAside([]byte("next"), pos2); !errors.Is(err, ErrNotFirst) {
		t.Fatalf("setting aside the second record: %v, want ErrNotFirst", err)
	}
	path, err := s.SetAside([]byte(rec), pos)
	if err != nil {
		t.Fatal(err)
	}
	if b, err := os.ReadFile(path); err != nil || string(b) != "refused" {
		t.Errorf("set-aside copy = %q, %v; want %q", b, err, "refused")
	}
	if filepath.Dir(path) != filepath.Join(dir, "rejected") {
		t.Errorf("copy at %s, want under %s/rejected", path, dir)
	}
	if st := s.Stats(); st.Records != 2 {
		t.Errorf("stats %+v, want 2 records waiting", st)
	}
	s.Close()

	s, rec2 := open(t, dir, Options{})
	if rec2.Records != 2 {
		t.Errorf("reopened with %d records, want 2", rec2.Records)
	}
	if got, _ := next(t, s); got != "next" {
		t.Errorf("after reopening read %q, want next", got)
	}
}

func appendBytes(t *testing.T, path string, b []byte) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.Write(b); err != nil {
		t.Fatal(err)
	}
}

func BenchmarkAppend(b *testing.B) {
	s, _, err := Open(Options{Dir: b.TempDir()})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	rec := make([]byte, 2048)
	b.SetBytes(int64(len(rec)))
	for b.Loop() {
		if err := s.Append(rec); err != nil {
			b.Fatal(err)
		}
	}
}

// TestConcurrentAppends: appends that share fsyncs each land exactly once,
// whole, readable in the order they were written, across segment
// rotations, and all of them survive a reopen.
func TestConcurrentAppends(t *testing.T) {
	dir := t.TempDir()
	s, _ := open(t, dir, Options{SegmentBytes: 4096}) // rotations while appends wait
	const writers, each = 16, 50
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for i := range each {
				if err := s.Append(fmt.Appendf(nil, "w%02d-%03d-%s", w, i, strings.Repeat("x", i))); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	if st := s.Stats(); st.Records != writers*each {
		t.Fatalf("stats %+v, want %d records", st, writers*each)
	}
	check := func(s *Spool) {
		t.Helper()
		seen := map[string]bool{}
		lastOfWriter := map[string]int{}
		for range writers * each {
			rec, _ := next(t, s)
			if seen[rec] {
				t.Fatalf("record %q read twice", rec)
			}
			seen[rec] = true
			var w, i int
			if _, err := fmt.Sscanf(rec, "w%02d-%03d-", &w, &i); err != nil || len(rec) != 8+i {
				t.Fatalf("record %q is not one that was appended", rec)
			}
			// One writer's appends are sequential: they must read in order.
			key := rec[:3]
			if prev, ok := lastOfWriter[key]; ok && i <= prev {
				t.Fatalf("writer %s: record %d read after %d", key, i, prev)
			}
			lastOfWriter[key] = i
		}
	}
	check(s)
	s.Close()
	s2, rec := open(t, dir, Options{SegmentBytes: 4096})
	if rec.Records != writers*each || rec.DroppedBytes != 0 {
		t.Fatalf("reopened: %+v, want %d records and nothing dropped", rec, writers*each)
	}
	check(s2)
}

// TestCloseSyncsWrittenAppends: Close lets appends already under way
// finish; the ones after it get ErrClosed and nothing else.
func TestCloseSyncsWrittenAppends(t *testing.T) {
	dir := t.TempDir()
	s, _ := open(t, dir, Options{})
	var wg sync.WaitGroup
	var mu sync.Mutex
	stored := 0
	for w := range 8 {
		wg.Go(func() {
			for i := 0; ; i++ {
				err := s.Append(fmt.Appendf(nil, "w%d-%d", w, i))
				if errors.Is(err, ErrClosed) {
					return
				}
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				stored++
				mu.Unlock()
			}
		})
	}
	// Let some appends through before closing.
	waitfor.True(t, 5*time.Second, "20 appends", func() bool { return s.Stats().Records >= 20 })
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	_, rec := open(t, dir, Options{})
	if rec.Records != stored || rec.DroppedBytes != 0 {
		t.Fatalf("reopened: %+v; %d appends returned nil", rec, stored)
	}
}

func BenchmarkAppendParallel(b *testing.B) {
	s, _, err := Open(Options{Dir: b.TempDir()})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	rec := make([]byte, 2048)
	b.SetBytes(int64(len(rec)))
	b.SetParallelism(32) // many deliveries spooling at once, as under an outage
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if err := s.Append(rec); err != nil {
				b.Error(err)
				return
			}
		}
	})
}
