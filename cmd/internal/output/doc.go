// Package output is how the operator commands of webexpipe print: records
// as a table for people or as JSON for scripts (-o table|json), and the
// progress of a long command (replay, backfill, dlq redrive) on stderr, one
// line redrawn in place on a terminal and a plain line every few seconds
// anywhere else.
//
// The JSON rule, the same for every command: a command that ends prints
// exactly one JSON document on stdout (an array for a list, an object for
// one record or a report); only a command that runs until it is stopped
// (webexpipe webhooks watch) prints a stream, one compact document per line
// as each record comes. Progress and warnings never go to stdout, so what
// stdout holds always parses.
package output
