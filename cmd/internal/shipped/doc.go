// Package shipped lists what the worker types webexpipe ships (echo,
// cards, retry) need of a deployment; each is built from its settings by
// a package below this one (echoworker, cardsworker, retryworker), for its
// binary and for dev mode. Like everything under cmd/ they may read flags;
// the worker packages themselves never do.
package shipped
