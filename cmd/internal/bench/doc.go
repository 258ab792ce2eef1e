// Package bench is the load tool behind `webexpipe bench`: it sends
// correctly signed, realistic Webex webhooks to an ingest URL and measures
// what a sender sees (throughput, latency percentiles, errors by status),
// optionally next to a no-op HTTP handler measured by the same client in the
// same run so that results read as ratios; and, end to end, it posts
// messages as users to the Webex emulator and measures how long the bot
// takes to reply. It only talks to loopback addresses and every run is
// bounded in count and time.
package bench
