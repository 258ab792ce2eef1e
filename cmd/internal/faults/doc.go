// Package faults holds webexpipe's fault tests: a steady load of user
// messages flows through the real binaries (ingest, echo-worker,
// retry-worker, built with proctest) against an embedded JetStream the test
// owns and the Webex emulator, while a fault is injected: nats-server
// restarted, a worker or ingest killed with SIGKILL, the events stream
// full, Webex answering 5xx and 429. Each test then checks the same
// invariants: every delivery answered 200 is handled (one reply per user
// message), never twice, nothing unauthenticated is stored, the backlog
// drains once the fault heals, and no goroutine of the test's in-process
// parts is left behind.
//
// The package has no code outside its tests. FAULTS_LONG=1 makes the loads
// longer (the Makefile's test-faults target sets it).
package faults
