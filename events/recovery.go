package events

// The automatic recovery after a webhook outage (workers/admin/recovery)
// keeps its state in WebhooksBucket, beside the watchdog that starts it,
// so that the NATS user running the watchdog needs no bucket of its own.
const (
	// RecoveryGapsKey holds the recoveries waiting to run or half done:
	// a restarted watchdog resumes them.
	RecoveryGapsKey = "recovery.gaps"
	// RecoveryLockKey is the lease of the one process running recoveries
	// at a time.
	RecoveryLockKey = "recovery.lock"
	// RecoveryRoomKeyPrefix prefixes the per-room cursors: a room's key
	// says up to when its messages were recovered.
	RecoveryRoomKeyPrefix = "recovery.room."
	// RecoveryConsumer names the pull consumer through which a recovery
	// reads which message events WEBEX_EVENTS holds (headers only, no
	// acks, removed after the read): one fixed name, so that the
	// watchdog's NATS user may use that consumer and no other.
	RecoveryConsumer = "webexpipe-recovery"
)
