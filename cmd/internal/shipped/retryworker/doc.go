// Package retryworker builds the retry worker webexpipe ships from its
// settings, for the retry-worker binary and for dev mode. Each shipped
// worker type has a package of its own, so that a binary links only the
// worker type it runs.
package retryworker
