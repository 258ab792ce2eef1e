package spool

import (
	"bufio"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
)

// Errors returned by the spool.
var (
	// ErrFull means the spool holds MaxBytes already; nothing was written.
	ErrFull = errors.New("spool full")
	// ErrClosed means the spool was closed.
	ErrClosed = errors.New("spool closed")
	// ErrTooLarge means a record is larger than a segment may hold.
	ErrTooLarge = errors.New("record larger than a spool segment")
	// ErrNotFirst means SetAside was given a record other than the first
	// one waiting.
	ErrNotFirst = errors.New("not the first record waiting")
)

const (
	headerSize     = 8 // length + CRC-32C
	segmentSuffix  = ".seg"
	checkpointName = "checkpoint"
	rejectedDir    = "rejected" // records set aside; see SetAside
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// Options configure a spool.
type Options struct {
	// Dir holds the segments and the checkpoint; created if missing.
	Dir string
	// MaxBytes bounds the bytes waiting in the spool; Append answers
	// ErrFull beyond it. Default 1 GiB.
	MaxBytes int64
	// SegmentBytes is the size after which a new segment is started, and
	// the largest record accepted. Default 16 MiB.
	SegmentBytes int64
}

// Position is where a record ends: the reader commits positions.
type Position struct {
	Segment int   `json:"segment"`
	Offset  int64 `json:"offset"`
}

// Stats describe what waits in the spool.
type Stats struct {
	Records int   // records appended and not committed
	Bytes   int64 // their size on disk, framing included
}

// Recovery says what Open found.
type Recovery struct {
	Records      int   // records waiting
	DroppedBytes int64 // bytes of torn or corrupt records cut off
}

// Spool is an open spool directory.
type Spool struct {
	opts Options

	mu       sync.Mutex    // guards every field below
	closed   bool          //
	segments []int         // ids of the segments on disk, oldest first
	sizes    map[int]int64 // size of each segment, up to its last synced record
	w        *os.File      // the newest segment, open for appending
	commit   Position      // checkpoint: everything before it is done
	pending  []frameEnd    // records after the checkpoint, in order
	next     int           // index in pending of the record Next returns
	waiting  int64         // bytes of the pending records
	notify   chan struct{} // closed and replaced when a record is appended

	// Group commit: records written to w and not yet synced, in order, and
	// whether one appender is syncing on behalf of all of them. cond is
	// broadcast when a sync round ends.
	unsynced      []unsyncedFrame
	unsyncedBytes int64
	syncing       bool
	cond          *sync.Cond
}

// unsyncedFrame is a record written to the newest segment whose appender
// waits for a sync to cover it.
type unsyncedFrame struct {
	end frameEnd
	res *appendResult
}

// appendResult is how an append ended, set by the sync round that covered
// it; done is false until then.
type appendResult struct {
	done bool
	err  error
}

// frameEnd remembers each waiting record's end and size, so Stats and
// Commit need no disk reads.
type frameEnd struct {
	pos  Position
	size int64
}

// Open opens or creates the spool in opts.Dir and recovers it after a crash.
func Open(opts Options) (*Spool, Recovery, error) {
	if opts.Dir == "" {
		return nil, Recovery{}, errors.New("spool: a directory is required")
	}
	if opts.MaxBytes <= 0 {
		opts.MaxBytes = 1 << 30
	}
	if opts.SegmentBytes <= 0 {
		opts.SegmentBytes = 16 << 20
	}
	if err := os.MkdirAll(opts.Dir, 0o700); err != nil {
		return nil, Recovery{}, fmt.Errorf("spool: %w", err)
	}
	s := &Spool{opts: opts, sizes: map[int]int64{}, notify: make(chan struct{})}
	s.cond = sync.NewCond(&s.mu)
	rec, err := s.recover()
	if err != nil {
		return nil, rec, fmt.Errorf("spool %s: %w", opts.Dir, err)
	}
	return s, rec, nil
}

func (s *Spool) segPath(id int) string {
	return filepath.Join(s.opts.Dir, fmt.Sprintf("%06d%s", id, segmentSuffix))
}

// recover lists the segments, reads the checkpoint, validates every record
// after it and cuts off a torn tail.
func (s *Spool) recover() (Recovery, error) {
	var rec Recovery
	entries, err := os.ReadDir(s.opts.Dir)
	if err != nil {
		return rec, err
	}
	for _, e := range entries {
		name := e.Name()
		if !strings.HasSuffix(name, segmentSuffix) {
			continue
		}
		id, err := strconv.Atoi(strings.TrimSuffix(name, segmentSuffix))
		if err != nil {
			continue
		}
		s.segments = append(s.segments, id)
	}
	sort.Ints(s.segments)
	if b, err := os.ReadFile(filepath.Join(s.opts.Dir, checkpointName)); err == nil {
		if err := json.Unmarshal(b, &s.commit); err != nil {
			return rec, fmt.Errorf("checkpoint: %w", err)
		}
	} else if !errors.Is(err, os.ErrNotExist) {
		return rec, err
	}
	// Segments wholly before the checkpoint are done; a crash may have
	// left them behind.
	for len(s.segments) > 0 && s.segments[0] < s.commit.Segment {
		if err := os.Remove(s.segPath(s.segments[0])); err != nil {
			return rec, err
		}
		s.segments = s.segments[1:]
	}
	if len(s.segments) == 0 {
		s.segments = []int{max(s.commit.Segment, 1)}
		if s.commit.Segment == 0 {
			s.commit = Position{Segment: 1}
		}
	}
	if s.commit.Segment < s.segments[0] {
		s.commit = Position{Segment: s.segments[0]}
	}
	for i, id := range s.segments {
		start := int64(0)
		if id == s.commit.Segment {
			start = s.commit.Offset
		}
		good, dropped, err := s.scan(id, start)
		if err != nil {
			return rec, err
		}
		rec.DroppedBytes += dropped
		if dropped > 0 && i != len(s.segments)-1 {
			// Only a torn tail is expected; anything after a corrupt
			// record in an older segment cannot be trusted either.
			for _, later := range s.segments[i+1:] {
				if fi, err := os.Stat(s.segPath(later)); err == nil {
					rec.DroppedBytes += fi.Size()
				}
				os.Remove(s.segPath(later))
			}
			s.segments = s.segments[:i+1]
			s.sizes[id] = good
			break
		}
		s.sizes[id] = good
	}
	last := s.segments[len(s.segments)-1]
	w, err := os.OpenFile(s.segPath(last), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return rec, err
	}
	s.w = w
	for _, p := range s.pending {
		s.waiting += p.size
	}
	rec.Records = len(s.pending)
	return rec, syncDir(s.opts.Dir)
}

// scan walks the records of segment id from offset start, remembering each
// as pending, and truncates the segment at the first bad frame. It returns
// the size of the good part and the bytes cut off.
func (s *Spool) scan(id int, start int64) (good, dropped int64, err error) {
	f, err := os.OpenFile(s.segPath(id), os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return 0, 0, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return 0, 0, err
	}
	if start > fi.Size() {
		start = fi.Size()
	}
	if _, err := f.Seek(start, io.SeekStart); err != nil {
		return 0, 0, err
	}
	r := bufio.NewReaderSize(f, 64<<10)
	off := start
	for {
		n, err := readFrame(r, nil, s.opts.SegmentBytes)
		if err != nil {
			break // io.EOF at a clean end, or a torn/corrupt frame
		}
		off += n
		s.pending = append(s.pending, frameEnd{pos: Position{Segment: id, Offset: off}, size: n})
	}
	if off < fi.Size() {
		if err := f.Truncate(off); err != nil {
			return 0, 0, err
		}
		if err := f.Sync(); err != nil {
			return 0, 0, err
		}
	}
	return off, fi.Size() - off, nil
}

// readFrame reads one frame from r. With buf nil it only checks it. It
// returns the frame's size on disk. Any frame that is short, oversized or
// fails its checksum is an error.
func readFrame(r io.Reader, buf *[]byte, maxLen int64) (int64, error) {
	var hdr [headerSize]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		if errors.Is(err, io.ErrUnexpectedEOF) {
			return 0, fmt.Errorf("torn frame header: %w", err)
		}
		return 0, err
	}
	n := binary.BigEndian.Uint32(hdr[0:4])
	if int64(n) > maxLen {
		return 0, errors.New("frame length beyond the segment size")
	}
	payload := make([]byte, n)
	if _, err := io.ReadFull(r, payload); err != nil {
		return 0, fmt.Errorf("torn frame: %w", err)
	}
	if crc32.Checksum(payload, castagnoli) != binary.BigEndian.Uint32(hdr[4:8]) {
		return 0, errors.New("frame checksum mismatch")
	}
	if buf != nil {
		*buf = payload
	}
	return headerSize + int64(n), nil
}

// Append writes rec as one record and returns once it is on disk (fsync).
// Appends that arrive together share one fsync (group commit): each writes
// its record, then one of them syncs the file for all that were written by
// then while the others wait, so the spool takes many more records a second
// under concurrent load than one fsync each would allow. An error means rec
// is not in the spool: a write or sync that failed is cut off the file.
func (s *Spool) Append(rec []byte) error {
	size := headerSize + int64(len(rec))
	if size > s.opts.SegmentBytes {
		return ErrTooLarge
	}
	frame := make([]byte, size)
	binary.BigEndian.PutUint32(frame[0:4], uint32(len(rec)))
	binary.BigEndian.PutUint32(frame[4:8], crc32.Checksum(rec, castagnoli))
	copy(frame[headerSize:], rec)

	s.mu.Lock()
	defer s.mu.Unlock()
	var last int
	var end int64 // where the frame goes in segment last
	for {
		if s.closed {
			return ErrClosed
		}
		if s.waiting+s.unsyncedBytes+size > s.opts.MaxBytes {
			return ErrFull
		}
		last = s.segments[len(s.segments)-1]
		end = s.sizes[last] + s.unsyncedBytes
		if end == 0 || end+size <= s.opts.SegmentBytes {
			break
		}
		// The segment is full. It is closed only once everything written
		// to it is synced.
		if len(s.unsynced) > 0 || s.syncing {
			s.syncOrWaitLocked()
			continue
		}
		if err := s.rotateLocked(); err != nil {
			return err
		}
	}
	if _, err := s.w.Write(frame); err != nil {
		// A partial write leaves a torn frame: cut it off so the next
		// append does not follow garbage.
		s.w.Truncate(end)
		return fmt.Errorf("spool append: %w", err)
	}
	res := &appendResult{}
	s.unsynced = append(s.unsynced, unsyncedFrame{end: frameEnd{pos: Position{Segment: last, Offset: end + size}, size: size}, res: res})
	s.unsyncedBytes += size
	for !res.done {
		s.syncOrWaitLocked()
	}
	return res.err
}

// syncOrWaitLocked waits for the sync round in flight to end, or, when
// none is, runs one. It must be called with s.mu held, which it releases
// meanwhile.
func (s *Spool) syncOrWaitLocked() {
	if s.syncing {
		s.cond.Wait()
		return
	}
	s.syncRoundLocked()
}

// syncRoundLocked syncs the newest segment for every record written to it
// so far, then makes those records readable and ends their appends. When
// the sync fails, nothing written since the last good sync can be trusted
// to be on disk: all of it is cut off the file and every one of those
// appends fails, so no record whose appender was told "not stored" is
// forwarded later. Called with s.mu held and no round in flight.
func (s *Spool) syncRoundLocked() {
	s.syncing = true
	covered := len(s.unsynced)
	w := s.w // not rotated while records wait for a sync
	s.mu.Unlock()
	err := w.Sync()
	s.mu.Lock()
	s.syncing = false
	defer s.cond.Broadcast()
	if err != nil {
		last := s.segments[len(s.segments)-1]
		s.w.Truncate(s.sizes[last])
		for _, u := range s.unsynced {
			u.res.done, u.res.err = true, fmt.Errorf("spool sync: %w", err)
		}
		s.unsynced, s.unsyncedBytes = nil, 0
		return
	}
	for _, u := range s.unsynced[:covered] {
		s.sizes[u.end.pos.Segment] = u.end.pos.Offset
		s.pending = append(s.pending, u.end)
		s.waiting += u.end.size
		s.unsyncedBytes -= u.end.size
		u.res.done = true
	}
	s.unsynced = append(s.unsynced[:0], s.unsynced[covered:]...)
	if covered > 0 {
		close(s.notify)
		s.notify = make(chan struct{})
	}
}

func (s *Spool) rotateLocked() error {
	next := s.segments[len(s.segments)-1] + 1
	w, err := os.OpenFile(s.segPath(next), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return fmt.Errorf("spool rotate: %w", err)
	}
	if err := syncDir(s.opts.Dir); err != nil {
		w.Close()
		return err
	}
	s.w.Close()
	s.w = w
	s.segments = append(s.segments, next)
	s.sizes[next] = 0
	return nil
}

// Next returns the record after the last one returned (starting at the
// checkpoint), waiting until one is appended or ctx ends. pos is what to
// Commit once the record is safely elsewhere.
func (s *Spool) Next(ctx context.Context) (rec []byte, pos Position, err error) {
	for {
		s.mu.Lock()
		if s.closed {
			s.mu.Unlock()
			return nil, Position{}, ErrClosed
		}
		if s.next < len(s.pending) {
			end := s.pending[s.next].pos
			start := s.commit
			if s.next > 0 {
				start = s.pending[s.next-1].pos
			}
			s.mu.Unlock()
			// Only this reader reads and Commit never removes records
			// past s.next, so the frame stays on disk while it is read.
			rec, err := s.readAt(start, end)
			if err != nil {
				return nil, Position{}, err
			}
			s.mu.Lock()
			s.next++
			s.mu.Unlock()
			return rec, end, nil
		}
		wait := s.notify
		s.mu.Unlock()
		select {
		case <-ctx.Done():
			return nil, Position{}, ctx.Err()
		case <-wait:
		}
	}
}

// readAt reads the record ending at end. It starts at from, or at the start
// of end's segment when from is in an earlier one.
func (s *Spool) readAt(from, end Position) ([]byte, error) {
	start := from.Offset
	if from.Segment != end.Segment {
		start = 0
	}
	f, err := os.Open(s.segPath(end.Segment))
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var rec []byte
	if _, err := readFrame(io.NewSectionReader(f, start, end.Offset-start), &rec, s.opts.SegmentBytes); err != nil {
		return nil, fmt.Errorf("spool read %d@%d: %w", end.Segment, start, err)
	}
	return rec, nil
}

// Unread is the number of records Next would return now without waiting:
// a reader sending records in batches ends a batch when it reaches zero.
func (s *Spool) Unread() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.pending) - s.next
}

// SetAside copies rec, the first record waiting (the one ending at pos),
// to a file of its own under Dir/rejected and commits past it, for a
// record its destination refuses for good: it then holds up no other
// record and is not lost. The copy is on disk (fsync) before the commit.
// It returns the copy's path; on error nothing was committed.
func (s *Spool) SetAside(rec []byte, pos Position) (string, error) {
	s.mu.Lock()
	first := len(s.pending) > 0 && s.pending[0].pos == pos
	s.mu.Unlock()
	if !first {
		return "", fmt.Errorf("spool: set aside %+v: %w", pos, ErrNotFirst)
	}
	dir := filepath.Join(s.opts.Dir, rejectedDir)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", fmt.Errorf("spool: set aside: %w", err)
	}
	path := filepath.Join(dir, fmt.Sprintf("%06d-%012d.rec", pos.Segment, pos.Offset))
	if err := writeFileSync(path, rec); err != nil {
		return "", fmt.Errorf("spool: set aside: %w", err)
	}
	if err := syncDir(dir); err != nil {
		return "", fmt.Errorf("spool: set aside: %w", err)
	}
	if err := syncDir(s.opts.Dir); err != nil {
		return "", fmt.Errorf("spool: set aside: %w", err)
	}
	return path, s.Commit(pos)
}

// Rewind makes Next start again at the checkpoint, for a reader that failed
// to deliver what it read.
func (s *Spool) Rewind() {
	s.mu.Lock()
	s.next = 0
	s.mu.Unlock()
}

// Commit records that everything up to pos is delivered: the checkpoint is
// replaced atomically and finished segments are deleted.
func (s *Spool) Commit(pos Position) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return ErrClosed
	}
	if !less(s.commit, pos) {
		return nil
	}
	b, _ := json.Marshal(pos)
	tmp := filepath.Join(s.opts.Dir, checkpointName+".tmp")
	if err := writeFileSync(tmp, b); err != nil {
		return err
	}
	if err := os.Rename(tmp, filepath.Join(s.opts.Dir, checkpointName)); err != nil {
		return err
	}
	if err := syncDir(s.opts.Dir); err != nil {
		return err
	}
	s.commit = pos
	i := 0
	for i < len(s.pending) && !less(pos, s.pending[i].pos) {
		s.waiting -= s.pending[i].size
		i++
	}
	s.pending = s.pending[i:]
	s.next = max(s.next-i, 0)
	// Delete segments the checkpoint has moved past; keep the one being
	// written.
	for len(s.segments) > 1 && s.segments[0] < pos.Segment {
		os.Remove(s.segPath(s.segments[0]))
		delete(s.sizes, s.segments[0])
		s.segments = s.segments[1:]
	}
	return nil
}

// Stats reports what waits in the spool.
func (s *Spool) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	return Stats{Records: len(s.pending), Bytes: s.waiting}
}

// Close closes the spool; Next returns ErrClosed. Appends already written
// are synced (or failed) first; later ones get ErrClosed.
func (s *Spool) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil
	}
	s.closed = true
	for s.syncing || len(s.unsynced) > 0 {
		s.syncOrWaitLocked()
	}
	close(s.notify)
	return s.w.Close()
}

func less(a, b Position) bool {
	return a.Segment < b.Segment || a.Segment == b.Segment && a.Offset < b.Offset
}

func writeFileSync(path string, b []byte) error {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
