// Package shipped builds the worker types webexpipe ships (echo, cards,
// retry) from their settings, for their binaries and for dev mode. Like
// everything under cmd/ it may read flags; the worker packages themselves
// never do.
package shipped
