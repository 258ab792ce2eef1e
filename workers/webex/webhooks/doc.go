// Package webhooks keeps the bot's Webex webhooks the way a deployment
// wants them, and keeps them alive.
//
// Ensure makes Webex match a desired set (Spec): one webhook per
// resource/event pointing at ingest with the current secret. It creates what
// is missing, fixes a wrong target, secret or name, removes duplicates, and
// re-activates disabled webhooks. It only ever touches webhooks it manages,
// recognised by their name prefix (Options.NamePrefix): a webhook someone
// registered by hand, or another deployment with another prefix, is left
// alone. Ensure is idempotent: run again, it changes nothing.
//
// # Many replicas at once
//
// Every Ensure (and every round of the watchdog) holds a lock in the
// webex_webhooks bucket, taken with a compare-and-set and held as a lease
// that expires if its holder dies. Two replicas starting together therefore
// do not both create the missing webhooks: the second waits, then finds
// them in place.
//
// # The five-minute rule
//
// Webex disables a webhook after 100 failed deliveries within five minutes
// and keeps counting those failures after it is re-activated: re-activated
// within five minutes of the disable, the next failure disables it again at
// once. Webex does not say when it disabled a webhook, so the first time a
// managed webhook is seen disabled that moment is recorded in the bucket,
// and the webhook is re-activated only once five minutes have passed since
// (Options.MinDisabled). When it gets disabled again soon after a
// re-activation the wait doubles each time, up to Options.MaxBackoff: a
// target that keeps failing is not hammered. The watchdog (Watch) runs
// these checks on an interval and exports each webhook's health as metrics.
//
// # Outages
//
// Webex never sends again what it could not deliver. When a webhook
// recorded as disabled is re-activated, or found active again, its record
// keeps the outage that ended (Outage: from the first sighting to then)
// until a watchdog with a Recovery (WatchOptions.Recovery) hands it over;
// the record is cleared only once the recovery has taken it. An ensure run
// by hand, or a watchdog without a recovery, thus loses no outage: the next
// watchdog with one finds it there.
package webhooks
