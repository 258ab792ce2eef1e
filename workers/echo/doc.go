// Package echo is the echo worker: it answers every message a user sends the
// bot with what the webhook told the bot, like the bot of the Webex lab.
//
// For each messages/created event it drops the bot's own messages (the bot
// receives webhooks for them too), fetches the message (webhooks carry only
// ids), and replies in the same room, in the thread when the message was in
// one, with the text it received and the webhook envelope as a JSON code
// block, cut to fit Webex's message size limit.
//
// One message is a command: "card" (or "/card"), alone or after a mention of
// the bot, is answered with the demo card of package cards instead of an
// echo; the cards worker answers the card's submissions.
//
// A redelivered event must not produce a second reply. The workers runtime's
// idempotency markers cover the common case (the reply was sent and the
// acknowledgement was lost); on a redelivery the handler also looks for its
// own reply in the room before sending, which covers a crash between the
// reply and the marker in rooms where the bot can list its own messages
// (direct rooms).
package echo
