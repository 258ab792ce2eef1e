package replay

import "time"

// Item is one selected event.
type Item struct {
	// Stream, Seq, Time and Subject locate the original.
	Stream  string    `json:"stream"`
	Seq     uint64    `json:"seq"`
	Time    time.Time `json:"time"`
	Subject string    `json:"subject"`
	// Bot is the bot whose event it is.
	Bot string `json:"bot"`
	// DedupKey is the original's dedup key, which the copy keeps.
	DedupKey string `json:"dedup_key"`
	RoomID   string `json:"room_id,omitempty"`
	// Handled is true when the worker's idempotency marker for the event
	// exists (without Force, the worker skips the copy), or when the
	// worker's consumer settled it (its ack floor is past it). It is false
	// when neither could be read.
	Handled bool `json:"handled"`
	// Skipped is true when the event was settled but its marker has
	// expired: the worker could not tell, so no copy is stored unless the
	// replay is forced.
	Skipped bool `json:"skipped,omitempty"`
	// CopySubject is where the copy goes (or would go, in a dry run), in
	// the stream CopyStream (its partition's shard).
	CopySubject string `json:"copy_subject"`
	CopyStream  string `json:"copy_stream"`
	// CopySeq is the copy's stream sequence; zero in a dry run.
	CopySeq uint64 `json:"copy_seq,omitempty"`
}

// Progress is how far a replay got. The final Progress, returned by Run, is
// its summary.
type Progress struct {
	Run    string `json:"run"`
	Worker string `json:"worker"`
	// Bots are the bots whose events the run replays.
	Bots   []string `json:"bots"`
	DryRun bool     `json:"dry_run"`
	Force  bool     `json:"force"`
	// Resumed is true when the run id named an earlier run: its stored
	// window and selection were used, not the options'.
	Resumed bool `json:"resumed"`
	// Ends are the ends of the run's window: each events stream's last
	// sequence when the run first started, by stream. ToSeq is
	// WEBEX_EVENTS's.
	Ends  map[string]uint64 `json:"ends"`
	ToSeq uint64            `json:"to_seq"`
	// Total is how many events the window held when the replay began, an
	// upper bound of Scanned (events of other rooms count, and events
	// stored later do not). With shards it grows as the scan of each
	// stream begins.
	Total uint64 `json:"total"`
	// Scanned counts events read; Selected those that passed the room
	// filter; Stored the copies stored (0 in a dry run); Duplicates the
	// copies JetStream already had from an earlier attempt of the same run;
	// Handled the selected events the worker had already handled; Skipped
	// those of them stored no copy (see Item.Skipped).
	Scanned    uint64 `json:"scanned"`
	Selected   uint64 `json:"selected"`
	Stored     uint64 `json:"stored"`
	Duplicates uint64 `json:"duplicates"`
	Handled    uint64 `json:"handled"`
	Skipped    uint64 `json:"skipped"`
	// FirstStream:FirstSeq and LastStream:LastSeq are the first and last
	// selected originals.
	FirstStream string        `json:"first_stream,omitempty"`
	FirstSeq    uint64        `json:"first_seq,omitempty"`
	LastStream  string        `json:"last_stream,omitempty"`
	LastSeq     uint64        `json:"last_seq,omitempty"`
	Elapsed     time.Duration `json:"elapsed"`
	// Rate is events selected per second so far; ETA the time left at that
	// pace, or zero when unknown.
	Rate float64       `json:"rate"`
	ETA  time.Duration `json:"eta"`
}

// update recomputes the derived fields at elapsed.
func (p *Progress) update(elapsed time.Duration) {
	p.Elapsed = elapsed
	p.Rate, p.ETA = 0, 0
	secs := elapsed.Seconds()
	if secs <= 0 || p.Scanned == 0 {
		return
	}
	p.Rate = float64(p.Selected) / secs
	if p.Total > p.Scanned {
		perScanned := secs / float64(p.Scanned)
		p.ETA = time.Duration(float64(p.Total-p.Scanned) * perScanned * float64(time.Second))
	}
}
