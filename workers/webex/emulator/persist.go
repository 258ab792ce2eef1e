package emulator

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/webexpipe/webexpipe/workers/webex"
)

// saveEvery is how often a persistent server writes its state file when
// the state changed: a crash loses at most this much of it.
const saveEvery = time.Second

// ErrStateFile means a state file could not be read or written. The error
// names the file; remove it to start the emulator afresh.
var ErrStateFile = errors.New("emulator state file")

// Load returns an emulator, not listening yet, whose state lives in the
// file at path, so that it outlives the process. It is what keeps
// `webexpipe dev` consistent across restarts: the events its JetStream
// store keeps name messages, rooms and people of the emulator, and an
// emulator that forgot them would answer 404 to every replay.
//
// A missing file means a fresh emulator; the file then gets written. When
// the file exists it must hold a state of the same format, and its bot
// replaces opts.Bot (a different opts.Bot.ID is an error: the file belongs
// to another bot). The other bots (Options.Bots) get back their persons by
// short id, so stored messages keep their authors. While the server runs
// the file is rewritten at most every second after a change, and once more
// by Close, each time through a temporary file and a rename, so that a
// crash leaves the previous state, not half of one. The file holds the webhooks' secrets: it is written
// readable by its owner only.
func Load(path string, opts Options) (*Server, error) {
	snap, err := readState(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		snap = nil
	case err != nil:
		return nil, err
	}
	var saved map[string]webex.Person
	if snap != nil {
		if opts.Bot.ID != "" && opts.Bot.ID != snap.Bot.ID {
			return nil, fmt.Errorf("%w %s: it belongs to bot %s, not %s", ErrStateFile, path, snap.Bot.ID, opts.Bot.ID)
		}
		opts.Bot = snap.Bot
		saved = snap.savedBots(opts.firstSpec().ID)
	}
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	s := newServer(opts, saved)
	if snap != nil {
		if err := s.restore(snap); err != nil {
			return nil, fmt.Errorf("%w %s: %w", ErrStateFile, path, err)
		}
	}
	s.stateFile = path
	s.saveDone = make(chan struct{})
	if snap == nil {
		s.mu.Lock()
		s.st.changed() // a fresh state is written at once, bot and all
		s.mu.Unlock()
	} else {
		s.saved = s.currentChanges()
	}
	if err := s.save(); err != nil {
		return nil, err
	}
	go s.saveLoop()
	return s, nil
}

// saveLoop writes the state file after changes until Close begins; Close
// writes it a last time.
func (s *Server) saveLoop() {
	defer close(s.saveDone)
	t := time.NewTicker(saveEvery)
	defer t.Stop()
	for {
		select {
		case <-s.done:
			return
		case <-t.C:
			if err := s.save(); err != nil {
				s.log.Error("webex emulator: state not saved", "err", err)
			}
		}
	}
}

func (s *Server) currentChanges() uint64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.st.changes
}

// save writes the state file if the state changed since the last write.
// Only saveLoop, Load and Close (after saveLoop ended) call it, one at a
// time: s.saved needs no lock.
func (s *Server) save() error {
	s.mu.Lock()
	if s.st.changes == s.saved {
		s.mu.Unlock()
		return nil
	}
	changes := s.st.changes
	snap := s.snapshotLocked()
	s.mu.Unlock()
	snap.sort()
	b, err := json.Marshal(snap)
	if err != nil {
		return fmt.Errorf("%w %s: encode: %w", ErrStateFile, s.stateFile, err)
	}
	if err := writeFileAtomic(s.stateFile, b); err != nil {
		return fmt.Errorf("%w %s: %w", ErrStateFile, s.stateFile, err)
	}
	s.saved = changes
	return nil
}

func readState(path string) (*snapshot, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, err
		}
		return nil, fmt.Errorf("%w %s: %w", ErrStateFile, path, err)
	}
	var snap snapshot
	if err := json.Unmarshal(b, &snap); err != nil {
		return nil, fmt.Errorf("%w %s: %w (remove it to start the emulator afresh)", ErrStateFile, path, err)
	}
	if snap.Version != snapshotVersion {
		return nil, fmt.Errorf("%w %s: format version %d, want %d (remove it to start the emulator afresh)", ErrStateFile, path, snap.Version, snapshotVersion)
	}
	return &snap, nil
}

// writeFileAtomic replaces path with b: written to a temporary file in the
// same directory, synced, then renamed over path.
func writeFileAtomic(path string, b []byte) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	f, err := os.CreateTemp(dir, filepath.Base(path)+".*.tmp")
	if err != nil {
		return err
	}
	tmp := f.Name()
	_, err = f.Write(b)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		_ = os.Remove(tmp)
	}
	return err
}
