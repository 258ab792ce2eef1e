// Package adaptive builds and checks the adaptive cards a Webex bot sends:
// a card is an attachment of content type application/vnd.microsoft.card.adaptive
// on a message, schema 1.3, always sent with fallback text for clients that
// cannot render it.
//
// There are two ways to get a card, and both end in the same checked
// webex.Attachment:
//
//   - build it in Go with Card and the typed elements and actions of this
//     package (TextBlock, InputText, ..., Submit), then call Card.Attachment;
//   - load JSON designed in the Webex or Microsoft card designer, pasted as
//     is, with Parse or LoadFile. Such a card is kept byte for byte: no
//     field this package does not know is lost.
//
// Check enforces, before anything is sent, what Webex would refuse or fail
// to render: the content type, the card's shape (type AdaptiveCard, a
// version Webex renders, body and actions as lists of typed objects), at
// most MaxActions buttons, and inputs with unique ids. Attach puts a checked
// card on a webex.MessageRequest and refuses a message without fallback
// text or with a second card. Their errors wrap webex.ErrInvalidRequest, so
// a worker classifies them like any request Webex would reject: permanent.
//
// Why a package of its own rather than files in package webex: the client
// speaks HTTP and carries a card as opaque JSON (webex.Attachment); the
// card schema (elements, inputs, actions, their limits) is a separate
// concept that changes on its own schedule, and keeping it here keeps the
// client small. The dependency runs one way: adaptive imports webex.
package adaptive
