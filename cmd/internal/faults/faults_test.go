package faults

import (
	"net/http"
	"testing"
	"time"

	"github.com/webexpipe/webexpipe/workers/webex/emulator"
)

// size is the load of a test: n messages at rate per second; longer with
// FAULTS_LONG.
func size() (n, rate int) {
	if long() {
		return 1200, 40
	}
	return 60, 20
}

// TestNATSRestart restarts nats-server (same port, same store) while
// messages flow. Without a spool ingest answers 503 while it is gone, and
// the emulator, like Webex, does not deliver again; every delivery that got
// 200 gets its one reply once the server is back.
func TestNATSRestart(t *testing.T) {
	r := newRig(t, rigOptions{})
	r.startAll()
	n, rate := size()
	wait := r.load(n, rate)
	r.waitPosted(n / 3) // a third of the load first
	r.stopNATS()
	r.forge(4)
	time.Sleep(2 * time.Second) // the outage
	r.startNATS()
	wait()
	r.forge(4)
	o := r.settle(60 * time.Second)
	if o.accepted == o.posted {
		t.Logf("no delivery was refused: the outage fell between deliveries")
	}
}

// TestEchoWorkerKilled kills the echo worker with SIGKILL while its calls
// to Webex are held by a delay, and starts another: what it had in hand is
// redelivered after the ack wait and replied to once.
func TestEchoWorkerKilled(t *testing.T) {
	r := newRig(t, rigOptions{})
	_, echo, _ := r.startAll()
	r.sim.InjectFault(emulator.Fault{Method: http.MethodPost, Path: "/messages", Delay: 300 * time.Millisecond})
	n, rate := size()
	wait := r.load(n, rate)
	r.waitPosted(n / 2)
	r.waitFor("a reply held by Webex", func() bool {
		for _, c := range r.sim.Calls() {
			if c.Status == 0 {
				return true
			}
		}
		return false
	})
	inFlight := 0
	for _, c := range r.sim.Calls() {
		if c.Status == 0 {
			inFlight++
		}
	}
	echo.Kill(t)
	t.Logf("killed the echo worker with %d of its calls held by Webex", inFlight)
	r.startEcho()
	wait()
	r.sim.ClearFaults()
	o := r.settle(60 * time.Second)
	if o.accepted != o.posted {
		t.Errorf("%d of %d deliveries refused; ingest was never down", o.posted-o.accepted, o.posted)
	}
	if n := r.deadLetters(); n > 0 {
		t.Errorf("%d events dead-lettered; every failure injected was retryable", n)
	}
}

// TestIngestKilledWithSpool stops JetStream so that deliveries go to the
// spool, kills ingest with SIGKILL while they wait there, brings JetStream
// back and starts ingest again on the same spool: the spooled deliveries
// are forwarded and replied to.
func TestIngestKilledWithSpool(t *testing.T) {
	r := newRig(t, rigOptions{spool: true})
	in, _, _ := r.startAll()
	n, rate := size()
	wait := r.load(n, rate)
	r.waitPosted(n / 4)
	r.stopNATS()
	r.forge(4)
	r.waitFor("deliveries spooled", func() bool { return logged(in, `msg="webhook spooled"`) > 0 })
	r.waitPosted(n / 2)
	spooled := logged(in, `msg="webhook spooled"`)
	in.Kill(t)
	if spooled == 0 {
		t.Fatal("no delivery was spooled before the kill")
	}
	r.startNATS()
	r.startIngest() // the next ingest, on the same spool directory
	wait()
	r.forge(4)
	o := r.settle(60 * time.Second)
	t.Logf("%d deliveries were spooled before ingest was killed", spooled)
	if o.refused > 0 {
		t.Logf("%d deliveries refused while ingest was dead (connection refused)", o.refused)
	}
}

// TestStreamFull gives the events stream a small size limit (DiscardNew):
// once it is full ingest spools, and when the operator raises the limit the
// spool drains into the stream and every message gets its reply.
func TestStreamFull(t *testing.T) {
	r := newRig(t, rigOptions{spool: true, eventsMaxBytes: 24 << 10})
	in, _, _ := r.startAll()
	n, rate := size()
	wait := r.load(n, rate)
	r.forge(4)
	wait()
	spooled := logged(in, `msg="webhook spooled"`)
	if spooled == 0 {
		t.Fatal("the stream never filled: no delivery was spooled")
	}
	r.raiseEventsLimit()
	o := r.settle(60 * time.Second)
	t.Logf("%d deliveries spooled while the stream was full", spooled)
	if o.accepted != o.posted {
		t.Errorf("%d of %d deliveries refused; the spool should have taken them", o.posted-o.accepted, o.posted)
	}
}

// TestWebexErrors has the emulator answer about a fifth of the bot's
// replies with 500, 503 or 429 (Retry-After 1): the failed calls go
// through WEBEX_CALLS and the retry worker, and each message still gets one
// reply.
func TestWebexErrors(t *testing.T) {
	r := newRig(t, rigOptions{})
	r.startAll()
	n, rate := size()
	stop := make(chan struct{})
	injected := make(chan int, 1)
	go func() {
		// One failing answer per five calls' worth of time at the load's rate.
		tick := time.NewTicker(5 * time.Second / time.Duration(rate))
		defer tick.Stop()
		k := 0
		for {
			select {
			case <-stop:
				injected <- k
				return
			case <-tick.C:
			}
			f := emulator.Fault{Method: http.MethodPost, Path: "/messages", Times: 1}
			switch k % 3 {
			case 0:
				f.Status = http.StatusInternalServerError
			case 1:
				f.Status = http.StatusServiceUnavailable
			default:
				f.Status, f.RetryAfter = http.StatusTooManyRequests, "1"
			}
			r.sim.InjectFault(f)
			k++
		}
	}()
	wait := r.load(n, rate)
	wait()
	close(stop)
	k := <-injected
	r.sim.ClearFaults()
	o := r.settle(90 * time.Second)
	failed := 0
	for _, c := range r.sim.Calls() {
		if c.Method == http.MethodPost && c.Path == "/messages" && c.Status >= 429 {
			failed++
		}
	}
	t.Logf("%d faults injected, %d POST /messages answered with an error", k, failed)
	if o.accepted != o.posted {
		t.Errorf("%d of %d deliveries refused; ingest was never down", o.posted-o.accepted, o.posted)
	}
	if n := r.deadLetters(); n > 0 {
		t.Errorf("%d events dead-lettered; every failure injected was retryable", n)
	}
}

// TestNATSKilledWithRepliesInFlight kills nats-server, running as a
// process of its own, with SIGKILL as a reply has just been sent to Webex
// (which holds it), then the echo worker too, as a crash of their machine
// would, and starts both again on the same store. The restarted server may
// have forgotten the delivery (it writes a consumer's state to disk up to
// 100ms late) and deliver the event as a first delivery; the marker was
// never written (the worker's buffered write died with it). Each message
// must still get one reply.
func TestNATSKilledWithRepliesInFlight(t *testing.T) {
	r := newRig(t, rigOptions{natsProcess: true})
	_, echo, _ := r.startAll()
	r.sim.InjectFault(emulator.Fault{Method: http.MethodPost, Path: "/messages", Delay: 400 * time.Millisecond})
	n, rate := size()
	wait := r.load(n, rate)
	r.waitPosted(n / 2)
	var held time.Duration
	r.waitFor("a reply just sent to Webex", func() bool {
		for _, c := range r.sim.Calls() {
			if c.Method == http.MethodPost && c.Status == 0 && time.Since(c.At) < 30*time.Millisecond {
				held = time.Since(c.At)
				return true
			}
		}
		return false
	})
	r.natsProc.kill()
	r.natsProc = nil
	echo.Kill(t)
	t.Logf("killed nats-server and the echo worker with SIGKILL %s after a reply was sent to Webex, which holds it", held)
	r.startNATS()
	r.startEcho()
	wait()
	r.sim.ClearFaults()
	o := r.settle(90 * time.Second)
	if o.duplicates > 0 {
		t.Errorf("%d duplicate replies after nats-server was killed", o.duplicates)
	}
}

// TestOrderedWebexErrors runs the echo worker in ordered mode while the
// emulator answers about a fifth of the bot's replies with 500 or 503: the
// failed replies are retried in place, not handed to the retry worker, so
// every room's replies come out in the order its messages were stored,
// one each.
func TestOrderedWebexErrors(t *testing.T) {
	r := newRig(t, rigOptions{workerEnv: []string{"WORKER_ORDERED=true"}})
	r.startAll()
	n, rate := size()
	stop := make(chan struct{})
	injected := make(chan int, 1)
	go func() {
		tick := time.NewTicker(5 * time.Second / time.Duration(rate))
		defer tick.Stop()
		k := 0
		for {
			select {
			case <-stop:
				injected <- k
				return
			case <-tick.C:
			}
			status := http.StatusServiceUnavailable
			if k%2 == 0 {
				status = http.StatusInternalServerError
			}
			r.sim.InjectFault(emulator.Fault{Method: http.MethodPost, Path: "/messages", Status: status, Times: 1})
			k++
		}
	}()
	wait := r.load(n, rate)
	wait()
	close(stop)
	k := <-injected
	r.sim.ClearFaults()
	o := r.settle(90 * time.Second)
	t.Logf("%d faults injected", k)
	if o.accepted != o.posted {
		t.Errorf("%d of %d deliveries refused; ingest was never down", o.posted-o.accepted, o.posted)
	}
	if n := r.deadLetters(); n > 0 {
		t.Errorf("%d events dead-lettered; every failure injected was retryable", n)
	}
	r.checkRoomOrder()
}
