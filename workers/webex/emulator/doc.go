// Package emulator is an in-memory Webex emulator on real HTTP. Tests,
// `webexpipe dev` and `webexpipe sim serve` use it in place of Webex: it
// answers the REST API the workers call, under /v1, with the shapes of
// Webex's OpenAPI description, and it sends signed webhooks the way Webex
// does, so the whole pipeline runs with no outside service.
//
// # What it emulates
//
// One bot (Options.Bot) owns the token the API requires (more bots: see
// Several bots). Simulated users post with PostAsUser (or POST
// /_sim/messages); the bot posts with POST /v1/messages. Either way, as
// Webex does, every active webhook whose resource, event and filter match
// receives a messages/created delivery —
// the bot's own messages included, and in group rooms only messages that
// mention the bot. A message the bot deletes triggers messages/deleted. The
// bot's messages keep their card attachments; a user submits a card with
// SubmitCard (or POST /_sim/messages/{id}/submit), which, like Webex,
// refuses a message without a card, stores an attachment action with the
// inputs and triggers attachmentActions/created (the inputs themselves are
// only served by GET /v1/attachment/actions/{id}). AddAttachmentAction
// stores an action without those checks, for tests of odd submissions.
//
// # Several bots
//
// Options.Bots adds bots beside the first, each with a short id (BotSpec.ID;
// the first is DefaultBotID), an identity and a token of its own. A call
// acts as the bot whose token it carries: people/me is that bot, its
// messages are that bot's, and it sees only its own rooms, messages, card
// submissions and webhooks (others are 404). A direct room holds one user
// and one bot; a group room holds one or more bots (NewRoom.Bots, or a bot
// joining with ChangeMembership and its email). An event goes to the
// webhooks of the bots it concerns (a message to the bots of its room that
// see it, a card submission to the card's bot, a membership to the room's
// bots), each delivery signed with its own webhook's secret, and
// "mentionedPeople=me" in a filter is the webhook's own bot. UserMessage.Bot
// picks the bot a user writes to; Mention mentions more bots in a group
// room. A Fault's Bot limits it to one bot's token, so one bot can be rate
// limited while the others are served. Bots lists them, MessagesOf returns
// one bot's messages in a room.
//
// Deliveries are signed with the webhook's secret (X-Spark-Signature), sent
// once and never retried; after 100 failed deliveries within five minutes a
// webhook is disabled, and re-enabling it with PUT does not forget those
// failures.
//
// ChangeMembership (or POST /_sim/memberships) announces a person joining
// or leaving a room (memberships/created, updated, deleted) without keeping
// a membership list. SetDelivery(false) (or PUT /_sim/delivery) loses every
// webhook on the way until delivery is switched on again: nothing is sent
// and nothing counts as a failure, as when events are lost between Webex
// and the bot.
//
// Webex behaviour it does not reproduce: rate limits (inject them with
// InjectFault, or pace the API with Options.Pace), direct rooms between
// bots, files and their upload (a user's message carries file names, as
// given), lists of the users in a room and room management,
// message edits, mentions parsed from a bot's markdown, rendered html of
// markdown messages, and the read restrictions on a bot's view of group
// rooms beyond the mentionedPeople=me rule of GET /v1/messages.
//
// # Control API
//
// Besides the API, the server answers a control API under /_sim (JSON, no
// token):
//
//	POST   /_sim/messages                    UserMessage as JSON → the created message
//	GET    /_sim/rooms/{roomId}/messages     {"items": [...]} oldest first; ?bot=ID keeps that bot's
//	POST   /_sim/messages/{id}/submit        {"personEmail": ..., "inputs": {...}} → the attachment action; 404/400 without a card
//	POST   /_sim/attachment/actions          an attachment action as JSON, unchecked → the stored action
//	GET    /_sim/calls                       {"items": [Call...]}
//	GET    /_sim/faults                      {"items": [Fault...]}
//	POST   /_sim/faults                      Fault as JSON; "delay" in milliseconds or a Go duration string ("1.5s")
//	DELETE /_sim/faults                      clears every fault
//	GET    /_sim/deliveries                  {"items": [Delivery...]}
//	POST   /_sim/deliveries/{i}/redeliver    sends delivery i again byte for byte
//	GET    /_sim/delivery                    {"enabled": bool, "dropped": n}
//	PUT    /_sim/delivery                    {"enabled": false} loses webhooks until {"enabled": true}
//	POST   /_sim/memberships                 MembershipChange as JSON → the announced membership
//	GET    /_sim/rooms                       {"items": [RoomInfo...]} oldest first
//	POST   /_sim/rooms                       NewRoom as JSON → a new group room
//	GET    /_sim/people                      {"bot": the first bot's Person, "items": [the users...]}
//	GET    /_sim/bots                        {"items": [BotInfo...]}: every bot's short id, token and person
//	GET    /_sim/events                      server-sent events: "change" after every change (Watch)
//
// GET /_sim/calls takes ?last=N for the N latest calls. A Fault with
// "bot": "sales" applies to that bot's token only; "for": "1m" ends it a
// minute after it was injected. A Fault with
// "served": true serves the request and answers its status instead of the
// result: a POST that took effect and looks failed, as Webex's ambiguous
// 502 and 504 are.
// The control API needs no token and the API accepts a fixed one: the
// emulator is meant for loopback use only. Never expose it on a network.
//
// # State
//
// New keeps everything in memory. Load keeps what a Webex account would
// keep (the bot, people, rooms, messages, card submissions, webhooks) in a
// JSON file as well, read at start and rewritten after changes: `webexpipe
// dev` keeps it beside its JetStream store so that the stored events and
// the emulator agree after a restart.
package emulator
