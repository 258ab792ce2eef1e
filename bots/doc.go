// Package bots is the bot registry: the bots one deployment serves, each
// with its id, its Webex token, its webhook registrations and their signing
// secrets, and the few settings that may differ from bot to bot.
//
// A registry comes from a file (LoadFile, Parse), or from today's
// single-bot settings (Single), which give a registry of one bot whose id
// is DefaultBotID. The file never holds a secret: a token or a webhook
// secret is a reference, to a file or to an environment variable, and
// loading resolves it into a Secret, which prints, logs and marshals as
// "[redacted]". Errors name the bot and the field, never a secret.
//
// A Registry is checked when it is built (unique bot ids, unique webhook
// ids across bots, a token and a secret for every bot, no token or webhook
// secret shared by two bots) and is read-only afterwards: it is safe for
// concurrent use, and callers must not modify the Bots and Webhooks it
// returns.
//
// A bot id is a NATS subject token and a Prometheus label value, so the
// number of bots is bounded (MaxBots): every bot adds its own series to each
// metric labelled by bot.
package bots
