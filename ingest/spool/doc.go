// Package spool is a small durable queue on local disk: ingest appends the
// events JetStream could not take in time, and a forwarder drains them to
// JetStream in order once it answers again.
//
// Records are appended to segment files (000001.seg, 000002.seg, ...), each
// record framed as a 4-byte big-endian length, a 4-byte CRC-32C of the
// payload, and the payload. Append writes and fsyncs before it returns, so
// an appended record survives a crash of the process or the machine. The
// reader's position is kept in a checkpoint file, replaced atomically; a
// segment is deleted once the reader has committed past its end.
//
// A crash can leave the last record half written. Open checks every record
// after the checkpoint; at the first frame that is short or whose checksum
// does not match, the segment is cut back to the last good record, so a
// torn record is dropped, never read as an event. It was never
// acknowledged to anyone: Append had not returned.
//
// A record the reader's destination refuses for good can be set aside: it
// is copied to a file of its own under rejected/ and committed past, so it
// holds up nothing behind it and stays on disk for an operator.
//
// One writer and one reader at a time; methods are safe for concurrent use.
package spool
