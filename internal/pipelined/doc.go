// Package pipelined publishes a sequence of messages to JetStream without
// waiting for each acknowledgement before sending the next one.
//
// Producers that store many events one after the other (the spool
// forwarder, backfill, replay) spent most of their time waiting: one round
// trip and one stream write per event. A Publisher keeps up to MaxInFlight
// publishes outstanding instead, and still reports how each ended, in the
// order they were published, so a caller can advance a checkpoint or a
// counter exactly as far as the acknowledgements reach.
//
// A failed publish stops the Publisher: nothing more is sent until Wait has
// reported every outstanding result. Publishes sent before the failure was
// seen may still be stored; their results say so. Callers resume from the
// first publish that was not acknowledged, with the same Nats-Msg-Id, so a
// copy that was stored after all is dropped by the stream's duplicate
// window.
package pipelined
