// Package ingest is the HTTP front door of webexpipe. It receives Webex
// webhook deliveries, checks them, stores the raw body in the events
// stream of its partition's shard (WEBEX_EVENTS with one shard, see
// events.Sharding) and answers Webex only after JetStream acknowledged
// the event.
//
// Its one promise: a 2xx answer means the event is stored. Every other
// answer carries a short JSON reason, a log line and a metric, and publishes
// nothing. Webex disables a webhook after 100 failed deliveries in five
// minutes and is not known to re-send a failed one, so failures are kept
// rare and explained, never hidden behind a 200.
//
// A delivery is checked in this order, the first failure deciding the
// answer: the bot of a bot's path (404), method (405), Content-Type and
// Content-Encoding (415), size (413), the bot and secrets of the webhook id
// (403, 404; see Many bots below), X-Spark-Signature over the raw bytes
// (401), envelope (400), age of the event (403, Config.MaxEventAge),
// headers JetStream can store (400), store (503). Other paths get 404. What net/http refuses before any handler runs
// (431, 501, 505, 417, 400) is logged and counted too when the service runs
// its own server (Serve, ListenAndServe).
//
// Decisions taken here (Webex documents none of them):
//
//   - The signature must be lowercase hex, as Webex sends it
//     (events.VerifySignature); uppercase is refused with 401.
//   - An event that can never be stored because it is larger than the NATS
//     server's max_payload or the stream's MaxMsgSize gets 413, not 503:
//     retrying cannot help.
//   - A 503 promises nothing either way. While the NATS client reconnects it
//     buffers outgoing messages, so an event answered 503 after the publish
//     timeout may still be stored once the connection is back. That is safe:
//     the dedup key makes a re-sent copy a duplicate.
//   - Webex-Webhook-Id and Webex-Signature are omitted when the envelope has
//     no id or the delivery no signature (Insecure mode).
//   - /readyz caches its answer for a second so that a probe storm costs the
//     NATS server one stream lookup a second; /healthz never looks at NATS,
//     so an outage does not get ingest restarted in a loop.
//
// Many bots: Config.Bots names the bots the service stores deliveries for.
// A delivery to Path/<bot id> is that bot's; one to Path is the bot whose
// registration names the envelope's webhook id, else the only bot, else
// the bot events.DefaultBot if the registry has it (so a deployment that
// adds bots keeps its first bot's webhooks as they are), else refused
// (404). Before the signature is checked the body's id is only
// used to choose the secrets: a registered id's registration's, else all
// of the bot's; an id another bot registered, on a bot's path, is refused
// (403), and so is a bot the registry does not have (404). The verified
// event is stored on its bot's subjects with its bot header and dedup key
// (events.BotEventSubject, events.SetBot, events.BotDedupKey). Requests
// are counted by bot: registry ids only, "" until the bot is known. The
// bot events.DefaultBot, the one bot of a single-bot Config, stores what
// ingest stored before there were bots.
//
// Tracing: each request to the webhook path has a server span, "ingest
// webhook", from Config.TracerProvider. Its trace context is written on
// the stored event (events.HeaderTraceParent) so that the workers' spans
// join its trace. A traceparent arriving with the request is only
// linked, never made the parent: the signature does not cover headers, so
// a caller must not choose the trace or its sampling. With no tracer
// provider installed nothing is recorded and nothing added to the event.
//
// A Service is built with New and served with Serve or ListenAndServe; both
// stop gracefully when their context is cancelled. The caller owns the NATS
// connection and closes it after Serve returned.
package ingest
