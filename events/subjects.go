package events

import "strings"

// Subject prefixes. Every subject webexpipe uses starts with SubjectRoot.
const (
	SubjectRoot   = "webex"
	eventsPrefix  = SubjectRoot + ".events."
	replayPrefix  = SubjectRoot + ".replay."
	callsPrefix   = SubjectRoot + ".calls."
	dlqPrefix     = SubjectRoot + ".dlq."
	maxTokenBytes = 64
)

// DefaultPartitions is the number of partitions events are spread over
// unless a deployment chooses otherwise.
const DefaultPartitions = 16

// ValidToken reports whether s may be used as a subject token taken from an
// untrusted body: a letter followed by at most 63 letters, digits or
// underscores. Anything with '.', '*', '>', whitespace or other bytes is
// refused, so a webhook can never address a subject it should not.
func ValidToken(s string) bool {
	if len(s) == 0 || len(s) > maxTokenBytes {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z':
		case i > 0 && (c >= '0' && c <= '9' || c == '_'):
		default:
			return false
		}
	}
	return true
}

// Partition maps a key (the room id, or the data id when an event has no
// room) to one of n partitions with FNV-1a, so that every event of one room
// lands on the same partition. n below 1 is treated as 1.
func Partition(key string, n int) int {
	if n < 1 {
		return 0
	}
	// FNV-1a as hash/fnv computes it, without a hash.Hash per call.
	const offset32, prime32 = 2166136261, 16777619
	h := uint32(offset32)
	for i := 0; i < len(key); i++ {
		h ^= uint32(key[i])
		h *= prime32
	}
	return int(h % uint32(n))
}

// EventSubject is the subject an event of the default bot is stored under:
// webex.events.<resource>.<event>.<partition> (BotEventSubject for any
// bot). resource and event must have passed ValidToken.
func EventSubject(resource, event string, partition int) string {
	return BotEventSubject(DefaultBot, resource, event, partition)
}

// EventFilter is the subject filter matching every partition of one
// resource and event of the default bot. "*" may stand for either token.
func EventFilter(resource, event string) string {
	return BotEventFilter(DefaultBot, resource, event)
}

// ReplaySubject is the subject a replayed copy of a default bot's event is
// stored under for one worker type:
// webex.replay.<worker>.<resource>.<event>.<partition>.
func ReplaySubject(worker, resource, event string, partition int) string {
	return BotReplaySubject(worker, DefaultBot, resource, event, partition)
}

// ReplayFilter matches every replayed copy addressed to one worker type,
// of every bot.
func ReplayFilter(worker string) string {
	return replayPrefix + worker + ".>"
}

// IsReplaySubject reports whether subject holds a replayed copy.
func IsReplaySubject(subject string) bool {
	return strings.HasPrefix(subject, replayPrefix)
}

// CallsSubject is where a worker stores a Webex API call to be retried.
func CallsSubject(worker string) string { return callsPrefix + worker }

// DLQSubject is where a worker stores events or calls it gave up on.
func DLQSubject(worker string) string { return dlqPrefix + worker }

// SubjectTokens splits an event or replay subject, of any bot, into
// resource, event and partition. ok is false for any other subject.
func SubjectTokens(subject string) (resource, event string, partition int, ok bool) {
	a, ok := ParseSubject(subject)
	return a.Resource, a.Event, a.Partition, ok
}
