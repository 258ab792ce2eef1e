// Package commands routes the text messages users send a bot to handlers,
// one per command, the way package cards routes card submissions to one
// handler per action. It is the layer a bot team writes its own text
// commands on.
//
// A Router is a workers.Handler for messages/created. For each event it
// applies the rules every text handler needs and none should copy:
//
//   - the loop guard: a bot receives webhooks for its own messages; they
//     are ignored (the webhook's personId and the fetched message's author
//     are both compared with the bot's, learned once from GET /people/me);
//   - the fetch: webhooks carry ids only, so the message is fetched, and a
//     404 on the first deliveries is taken for Webex's replication lag and
//     retried (webexcall.ClassifyFetch);
//   - the mention: in group rooms users must mention the bot, and Webex
//     puts the bot's name in the text; it is stripped before the command is
//     read (CommandText);
//   - the reply: posted in the message's room and thread, looked for
//     before it is sent again on a redelivery, never resent blindly after
//     an ambiguous POST (webexcall.SendReply);
//   - help: "help" lists the commands and their one-line descriptions,
//     unless a command of that name is registered.
//
// A Handler sees a Message (the fetched message, its command word and its
// arguments) and returns a webexcall.Reply; it returns the errors of
// package workers (Permanent, RetryAfter, Ignore) when it cannot answer.
// Text a user wrote reaches Markdown only through webex.EscapeMarkdown or
// an equivalent: otherwise "<@all>" in a user's text becomes a mention made
// by the bot.
package commands
