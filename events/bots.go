package events

import (
	"strconv"
	"strings"
)

// A deployment may serve several bots. Every bot's events are stored apart,
// on subjects of their own, so that each worker type can consume each bot's
// events through a consumer of its own: a bot whose token is paused, or
// that floods, then fills only its own consumer's window, and the other
// bots' events go on being delivered.
//
// The bot of a single-bot deployment is DefaultBot. Its events keep the
// subjects, consumers and call subjects webexpipe used before it served
// several bots, so a running deployment that adds a second bot keeps its
// first as "default" and nothing stored or half handled moves. Any other
// bot adds its id as a token:
//
//	default bot                               bot b
//	webex.events.<res>.<ev>.<p>               webex.events.<b>.<res>.<ev>.<p>
//	webex.replay.<worker>.<res>.<ev>.<p>      webex.replay.<worker>.<b>.<res>.<ev>.<p>
//	webex.calls.<worker>.<id>                 webex.calls.<worker>.<b>.<id>
//	consumer <worker>, <worker>-p<N>          consumer <worker>@<b>, <worker>@<b>-p<N>
//
// A subject's number of tokens tells the two forms apart, and '*' matches
// exactly one token, so a filter of one form never matches the other. Dead
// letters stay on webex.dlq.<worker>: the original subject they carry
// names the bot.

// DefaultBot is the id of the bot of a single-bot deployment.
const DefaultBot = "default"

// MaxBotIDBytes is the longest bot id.
const MaxBotIDBytes = 32

// ValidBot reports whether id may be a bot id: a lowercase letter, then up
// to 31 lowercase letters, digits or '_'. Such an id is a subject token, a
// consumer-name part, a Prometheus label value and a URL path segment as it
// is.
func ValidBot(id string) bool {
	if len(id) == 0 || len(id) > MaxBotIDBytes || id[0] < 'a' || id[0] > 'z' {
		return false
	}
	for i := 1; i < len(id); i++ {
		c := id[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}

// isDefaultBot reports whether bot stores under the subjects without a bot
// token: DefaultBot, or "" for callers that predate bots.
func isDefaultBot(bot string) bool { return bot == "" || bot == DefaultBot }

// BotOrDefault is bot, or DefaultBot for "".
func BotOrDefault(bot string) string {
	if bot == "" {
		return DefaultBot
	}
	return bot
}

// botToken is the subject token that names bot, with its trailing '.';
// empty for the default bot.
func botToken(bot string) string {
	if isDefaultBot(bot) {
		return ""
	}
	return bot + "."
}

// BotEventSubject is the subject bot's event is stored under.
func BotEventSubject(bot, resource, event string, partition int) string {
	return eventsPrefix + botToken(bot) + resource + "." + event + "." + strconv.Itoa(partition)
}

// BotEventFilter matches every partition of one resource and event of bot
// ("*" may stand for either token), and no other bot's events.
func BotEventFilter(bot, resource, event string) string {
	return eventsPrefix + botToken(bot) + resource + "." + event + ".*"
}

// BotEventsFilter matches every event stored for bot.
func BotEventsFilter(bot string) string { return BotEventFilter(bot, "*", "*") }

// BotReplaySubject is the subject of a replayed copy of bot's event
// addressed to one worker type.
func BotReplaySubject(worker, bot, resource, event string, partition int) string {
	return replayPrefix + worker + "." + botToken(bot) + resource + "." + event + "." + strconv.Itoa(partition)
}

// BotReplayFilter matches every replayed copy of bot's events addressed to
// worker, on every partition.
func BotReplayFilter(worker, bot string) string {
	return replayPrefix + worker + "." + botToken(bot) + "*.*.*"
}

// BotConsumerName names the shared durable consumer through which worker
// takes bot's events: the worker's name for the default bot,
// <worker>@<bot> for any other. '@' is in neither a worker name nor a bot
// id, so no two pairs share a name.
func BotConsumerName(worker, bot string) string {
	if isDefaultBot(bot) {
		return worker
	}
	return worker + "@" + bot
}

// BotCallsSubject is the subject prefix of the calls worker stored for
// bot: webex.calls.<worker> for the default bot (its calls are
// webex.calls.<worker>.<id>), webex.calls.<worker>.<bot> for another.
func BotCallsSubject(worker, bot string) string {
	if isDefaultBot(bot) {
		return CallsSubject(worker)
	}
	return CallsSubject(worker) + "." + bot
}

// BotCallsFilter matches the stored calls of bot, whichever worker stored
// them, and no other bot's.
func BotCallsFilter(bot string) string {
	if isDefaultBot(bot) {
		return callsPrefix + "*.*"
	}
	return callsPrefix + "*." + bot + ".*"
}

// Address is what an event or replay subject says.
type Address struct {
	// Bot is the bot whose event it is: DefaultBot for a subject without a
	// bot token.
	Bot string
	// Worker is the worker type a replayed copy is addressed to; "" for a
	// stored event.
	Worker    string
	Resource  string
	Event     string
	Partition int
}

// ParseSubject reads an event or replay subject of either form. ok is
// false for any other subject.
func ParseSubject(subject string) (a Address, ok bool) {
	var rest string
	switch {
	case strings.HasPrefix(subject, eventsPrefix):
		rest = subject[len(eventsPrefix):]
	case strings.HasPrefix(subject, replayPrefix):
		rest = subject[len(replayPrefix):]
		i := strings.IndexByte(rest, '.')
		if i <= 0 {
			return Address{}, false
		}
		a.Worker, rest = rest[:i], rest[i+1:]
	default:
		return Address{}, false
	}
	parts := strings.Split(rest, ".")
	switch len(parts) {
	case 3:
		a.Bot = DefaultBot
	case 4:
		// A bot token never names the default bot: that one has none.
		if parts[0] == DefaultBot || !ValidBot(parts[0]) {
			return Address{}, false
		}
		a.Bot, parts = parts[0], parts[1:]
	default:
		return Address{}, false
	}
	p, err := strconv.Atoi(parts[2])
	if err != nil || p < 0 || parts[0] == "" || parts[1] == "" {
		return Address{}, false
	}
	a.Resource, a.Event, a.Partition = parts[0], parts[1], p
	return a, true
}

// BotOfSubject names the bot of an event, replay or call subject; ok is
// false for any other subject.
func BotOfSubject(subject string) (string, bool) {
	if a, ok := ParseSubject(subject); ok {
		return a.Bot, true
	}
	_, bot, _, ok := CallSubjectTokens(subject)
	return bot, ok
}
