// Package status gathers what an operator checks first: how full the
// streams are, how far behind each worker type is, what is dead-lettered,
// whether Webex asked every worker to pause, and whether the webhooks are
// alive. `webexpipe status` prints it.
//
// A section that cannot be read (a missing stream, Webex unreachable) is
// reported in Report.Errors and the rest is still gathered: status is most
// needed when something is broken.
package status
