package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/webexpipe/webexpipe/events"
	"github.com/webexpipe/webexpipe/internal/syncbuf"
	"github.com/webexpipe/webexpipe/workers/webex/emulator"
)

// TestBrowser drives the emulator's page and the operations view in a
// headless Chromium, against dev mode running in this process: what a
// developer clicks must go through the whole pipeline and come back.
//
// WEBEXPIPE_SCREENSHOTS=<dir> also saves the screenshots the README shows.
func TestBrowser(t *testing.T) {
	if testing.Short() {
		t.Skip("runs dev mode and a browser")
	}
	chrome := findChromium(t)
	dev := startDev(t, filepath.Join(t.TempDir(), "data"), "--console-addr", "127.0.0.1:0")
	if dev.consoleURL == "" {
		t.Fatal("dev mode printed no operations view")
	}
	b := newBrowser(t, chrome)
	page := dev.simURL + "/"

	t.Run("a message and its reply", func(t *testing.T) {
		defer b.screenshotOnFailure(t)
		b.open(t, page, "ana@example.com")
		b.send(t, "hello from the browser")
		b.waitFor(t, "the echo reply", 20*time.Second,
			`[...document.querySelectorAll("#messages .msg.bot .text")].some(e => e.textContent.includes("hello from the browser"))`)
	})

	t.Run("a card filled in and submitted", func(t *testing.T) {
		defer b.screenshotOnFailure(t)
		b.open(t, page, "bo@example.com")
		b.send(t, "card")
		b.waitFor(t, "the demo card", 20*time.Second, `document.querySelector("#messages .card-host input") !== null`)
		b.do(t, "fill in the card",
			chromedp.SendKeys(chromedp.CSS(`#messages .card-host input.ac-textInput`), "Ana"),
			chromedp.SendKeys(chromedp.CSS(`#messages .card-host input.ac-numberInput`), "3"),
			chromedp.Click(chromedp.CSS(`#messages .card-host button.ac-pushButton`)),
		)
		// The answer is in the thread of the card, not a new message.
		b.waitFor(t, "the answer in the card's thread", 20*time.Second,
			`[...document.querySelectorAll("#messages .thread")].some(th =>
				th.querySelector(":scope > .msg .card-host") &&
				[...th.querySelectorAll(".replies .msg.bot .text")].some(e => e.textContent.includes("Thanks, Ana!") && e.textContent.includes("How many people: 3")))`)
		b.saveScreenshot(t, "emulator-page.png")
	})

	t.Run("a 429 pauses the reply", func(t *testing.T) {
		defer b.screenshotOnFailure(t)
		b.open(t, page, "cy@example.com")
		b.do(t, "inject a 429", chromedp.Click(chromedp.CSS(`button[data-fault*='"status":429']`)))
		b.waitFor(t, "the fault listed", 10*time.Second, `document.querySelector("#faults-list").textContent.includes("429")`)
		b.send(t, "after the pause")
		b.waitFor(t, "the reply after the pause", 30*time.Second,
			`[...document.querySelectorAll("#messages .msg.bot .text")].some(e => e.textContent.includes("after the pause"))`)
		b.waitFor(t, "the 429 in the call list", 10*time.Second,
			`[...document.querySelectorAll("#calls-list li.failed")].some(e => e.textContent.includes("POST /messages → 429"))`)
		refused, sent := pausedReply(t, dev.simURL)
		if gap := sent.Sub(refused); gap < 2500*time.Millisecond {
			t.Errorf("the reply went out %s after the 429, inside the 3 s Retry-After", gap)
		}
	})

	t.Run("the operations view", func(t *testing.T) {
		defer b.screenshotOnFailure(t)
		stalledConsumer(t, dev.natsURL)
		// The next reply is refused for good: echo dead-letters its event.
		injectFault(t, dev.simURL, emulator.Fault{Method: "POST", Path: "/messages", Status: http.StatusBadRequest, Times: 1})
		b.open(t, page, "dee@example.com")
		b.send(t, "this one dies")

		view := dev.consoleURL + "?refresh=off"
		b.waitForAfterReload(t, view, "a backlog and a dead letter", 30*time.Second,
			`Number(document.querySelector('tr[data-worker="stalled"] .pending')?.textContent) >= 1 &&
			 document.querySelector('tr[data-worker="stalled"] .oldest')?.textContent.trim() !== "-" &&
			 [...document.querySelectorAll("#dead-letters tr[data-seq]")].some(r => r.textContent.includes("echo") && r.textContent.includes("400"))`)
		b.saveScreenshot(t, "console.png")
		b.do(t, "open the dead letter", chromedp.Click(chromedp.CSS(`#dead-letters tr[data-seq] a`)), chromedp.WaitVisible(chromedp.CSS("#reason")))
		b.waitFor(t, "the dead letter's page", 10*time.Second,
			`document.querySelector("#reason")?.textContent.includes("400") && document.querySelector("#body")?.textContent.includes("messages")`)
		if b.eval(t, `document.body.textContent.includes("Send it back")`) == "true" {
			t.Error("the read-only view offers a redrive")
		}
	})
}

// findChromium returns the browser to drive, or skips the test.
func findChromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Skip("no Chromium found (apt-get install chromium); the browser tests need one")
	return ""
}

// browser is one headless Chromium tab for a test.
type browser struct {
	ctx     context.Context
	console *syncbuf.Buffer // what the page logged, shown on failure
}

func newBrowser(t *testing.T, path string) *browser {
	t.Helper()
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(path),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("hide-scrollbars", true),
		chromedp.Flag("mute-audio", true),
		chromedp.WindowSize(1360, 900),
	)
	ctx, cancel := chromedp.NewContext(alloc)
	t.Cleanup(func() {
		cancel()
		cancelAlloc()
	})
	// The first run starts the browser; it lives as long as ctx.
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(1360, 900)); err != nil {
		t.Fatalf("start Chromium: %v", err)
	}
	b := &browser{ctx: ctx, console: &syncbuf.Buffer{}}
	go func() {
		for m, err := range chromedp.Console(ctx) {
			if err != nil {
				return
			}
			fmt.Fprintf(b.console, "%s: %s\n", m.Type, m.Text)
		}
	}()
	return b
}

// do runs actions, bounded so that a page that never answers fails the
// test rather than hanging it.
func (b *browser) do(t *testing.T, what string, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 20*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		t.Fatalf("%s: %v\npage console:\n%s", what, err, b.console.String())
	}
}

// eval returns the JSON of a JavaScript expression's value.
func (b *browser) eval(t *testing.T, expr string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 10*time.Second)
	defer cancel()
	raw, err := chromedp.Run(ctx, chromedp.Evaluate[[]byte](expr))
	if err != nil {
		t.Fatalf("evaluate %s: %v", expr, err)
	}
	return string(raw)
}

// waitFor polls the page until expr is true.
func (b *browser) waitFor(t *testing.T, what string, within time.Duration, expr string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, within+5*time.Second)
	defer cancel()
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool]("Boolean("+expr+")",
		chromedp.WithPollingTimeout(within), chromedp.WithPollingInterval(100*time.Millisecond))); err != nil {
		t.Fatalf("waiting for %s: %v\npage console:\n%s", what, err, b.console.String())
	}
}

// waitForAfterReload loads url until expr holds on it: for a page that
// shows a state at the moment it is served.
func (b *browser) waitForAfterReload(t *testing.T, url, what string, within time.Duration, expr string) {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		b.do(t, "load "+url, chromedp.Navigate(url))
		if b.eval(t, "Boolean("+expr+")") == "true" {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s not shown within %s", what, within)
		}
		b.do(t, "wait before reloading", chromedp.Sleep(300*time.Millisecond))
	}
}

// open loads the emulator's page as user, in the user's direct room.
func (b *browser) open(t *testing.T, page, user string) {
	t.Helper()
	b.do(t, "open the page",
		chromedp.Navigate(page),
		chromedp.WaitVisible(chromedp.CSS("#new-user")),
		chromedp.SendKeys(chromedp.CSS("#new-user"), user),
		chromedp.Click(chromedp.CSS("#new-user-form button")),
	)
	b.waitFor(t, "the user selected", 10*time.Second,
		fmt.Sprintf(`document.querySelector("#user-select").value === %q && document.querySelector("#live").textContent === "live"`, user))
}

// send writes text in the composer and sends it.
func (b *browser) send(t *testing.T, text string) {
	t.Helper()
	b.do(t, "send "+text,
		chromedp.SetValue(chromedp.CSS("#composer-text"), text),
		chromedp.Click(chromedp.CSS("#send")),
	)
	b.waitFor(t, "the message shown", 10*time.Second,
		fmt.Sprintf(`[...document.querySelectorAll("#messages .msg.user .text")].some(e => e.textContent === %q)`, text))
}

// screenshotOnFailure saves the page when the test failed, into the
// test's artifact directory (kept with go test -artifacts).
func (b *browser) screenshotOnFailure(t *testing.T) {
	if !t.Failed() {
		return
	}
	png, err := chromedp.Run(b.ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Logf("no screenshot: %v", err)
		return
	}
	path := filepath.Join(t.ArtifactDir(), "failure.png")
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Logf("no screenshot: %v", err)
		return
	}
	t.Logf("screenshot of the failure: %s\npage console:\n%s", path, b.console.String())
}

// saveScreenshot writes the viewport to $WEBEXPIPE_SCREENSHOTS/name when
// that is set (make screenshots): the README's pictures.
func (b *browser) saveScreenshot(t *testing.T, name string) {
	t.Helper()
	dir := os.Getenv("WEBEXPIPE_SCREENSHOTS")
	if dir == "" {
		return
	}
	png, err := chromedp.Run(b.ctx, chromedp.CaptureScreenshot())
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name), png, 0o644); err != nil {
		t.Fatal(err)
	}
}

// pausedReply returns when the emulator refused the bot's reply with the
// injected 429, and when it accepted the next POST /messages.
func pausedReply(t *testing.T, simURL string) (refused, sent time.Time) {
	t.Helper()
	var calls struct {
		Items []struct {
			Method, Path string
			Status       int
			At           time.Time
		}
	}
	getJSON(t, simURL+"/_sim/calls", &calls)
	for _, c := range calls.Items {
		if c.Method != http.MethodPost || c.Path != "/messages" {
			continue
		}
		switch {
		case c.Status == http.StatusTooManyRequests:
			refused = c.At
		case !refused.IsZero() && c.Status == http.StatusOK && sent.IsZero():
			sent = c.At
		}
	}
	if refused.IsZero() || sent.IsZero() {
		t.Fatalf("no 429 followed by a sent reply among the calls")
	}
	return refused, sent
}

// stalledConsumer creates the consumer of a worker type that never runs,
// so that every new message waits for it: a backlog that only grows.
func stalledConsumer(t *testing.T, natsURL string) {
	t.Helper()
	nc, err := nats.Connect(natsURL)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := events.ConsumerConfig(events.ConsumerOptions{Worker: "stalled", Events: []events.ResourceEvent{{Resource: "messages", Event: "created"}}})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := js.CreateOrUpdateConsumer(ctx, events.EventsStream, cfg); err != nil {
		t.Fatal(err)
	}
}

func injectFault(t *testing.T, simURL string, f emulator.Fault) {
	t.Helper()
	body, _ := json.Marshal(f)
	resp, err := http.Post(simURL+"/_sim/faults", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("inject %+v: %s", f, resp.Status)
	}
}

func getJSON(t *testing.T, url string, v any) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
}
