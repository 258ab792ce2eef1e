// Package cards is the cards worker: it answers adaptive-card submissions.
//
// When a user presses a card's submit button, Webex stores an attachment
// action and announces it with an attachmentActions/created webhook that
// carries ids only. For each such event the Router
//
//  1. drops actions of the bot itself (the loop guard every worker has);
//  2. fetches the action (GET /attachment/actions/{id}) for its inputs;
//  3. fetches the card's message (GET /messages/{messageId}) and drops the
//     submission unless the bot wrote that message and it carries a card:
//     an action on someone else's card is not this bot's business;
//  4. routes on the submitted "action" value (the data of the pressed
//     Action.Submit, merged into the inputs by Webex) to the Handler
//     registered for it in Routes;
//  5. posts the handler's Reply in the card's thread.
//
// An action no handler is registered for gets a polite reply and is counted
// (webexpipe_cards_unknown_actions_total); it is not an error and is not
// retried.
//
// # Adding a card handler
//
// A handler is a function from a Submission to a Reply, registered under
// the action name its card's submit button carries:
//
//	routes := cards.DefaultRoutes()
//	routes["vote"] = cards.HandlerFunc(vote)
//
// The router owns everything around it: Webex calls, threading, retries,
// and never answering a submission twice. A handler that finds the inputs
// wanting says so in its Reply; it returns an error only when it cannot
// answer (workers.Permanent, workers.RetryAfter and workers.Ignore work as
// for any worker; any other error is retried).
//
// # Answered once
//
// The runtime's idempotency markers make a redelivered or replayed action a
// no-op once it was answered. On a redelivery the router also looks for its
// own reply in the thread before posting, which covers a crash between the
// reply and the marker, and a POST whose outcome was unknown (timeout, 502,
// 504): that one is retried only after Config.RecheckAfter, when Webex has
// surely finished with it.
//
// The demo card (DemoCard, DemoAction) and its handler (Demo) live here too:
// the echo worker sends the card, this worker answers it.
package cards
