// Package cardsworker builds the cards worker webexpipe ships from its
// settings, for the cards-worker binary and for dev mode. Each shipped
// worker type has a package of its own, so that a binary links only the
// worker type it runs.
package cardsworker
