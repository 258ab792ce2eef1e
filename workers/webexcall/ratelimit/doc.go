// Package ratelimit shares one pause among every process that calls Webex
// with the same bot token.
//
// When Webex answers 429 (or 423) it says, in Retry-After, how long to wait.
// Webex counts requests per token, so the wait applies to every replica of
// every worker type using that token, not only to the one that was told: ten
// echo replicas that each learn of the limit on their own would each hit
// Webex once more. A Gate stores the pause-until time in the webex_ratelimit
// KV bucket, under a key derived from the token (never the token itself),
// and watches that key, so a pause written by any process is seen by all of
// them at once. Pauses only ever get longer: a write that would shorten one
// is dropped, using the key's revision for compare-and-set.
//
// A Gate never sleeps. Check says whether a call may go now, and if not, for
// how long it must wait; the caller turns that into a delayed redelivery
// (NakWithDelay) so that nothing waits in memory.
package ratelimit
