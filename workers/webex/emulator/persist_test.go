package emulator_test

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/webexpipe/webexpipe/internal/waitfor"
	"github.com/webexpipe/webexpipe/workers/webex"
	"github.com/webexpipe/webexpipe/workers/webex/emulator"
)

// startLoaded loads an emulator from path and starts it on a random port.
func startLoaded(t *testing.T, path string) (*emulator.Server, *webex.Client) {
	t.Helper()
	s, err := emulator.Load(path, emulator.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	c, err := webex.New(webex.Config{BaseURL: s.URL(), Token: s.Token(), Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return s, c
}

// An emulator loaded from its state file knows what the one before it
// knew: the bot, the users' rooms, messages, card submissions and
// webhooks. A replay after `webexpipe dev` restarts finds its messages.
func TestLoadedEmulatorRemembersAcrossRestarts(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "data", "emulator.json")

	first, c1 := startLoaded(t, path)
	in, err := first.PostAsUser(emulator.UserMessage{Text: "hello"})
	if err != nil {
		t.Fatal(err)
	}
	card, err := c1.SendMessage(ctx, &webex.MessageRequest{RoomID: in.RoomID, Text: "a card", Attachments: []webex.Attachment{{
		ContentType: webex.AdaptiveCardContentType,
		Content:     json.RawMessage(`{"type":"AdaptiveCard","version":"1.3","body":[{"type":"Input.Text","id":"name"}]}`),
	}}})
	if err != nil {
		t.Fatal(err)
	}
	action, err := first.SubmitCard(emulator.CardSubmit{MessageID: card.ID, Inputs: map[string]any{"name": "Ana"}})
	if err != nil {
		t.Fatal(err)
	}
	hook, err := c1.CreateWebhook(ctx, webex.WebhookRequest{Name: "w", TargetURL: "http://127.0.0.1:1/w", Resource: "messages", Event: "created", Filter: "roomType=direct", Secret: "s3cret"})
	if err != nil {
		t.Fatal(err)
	}
	bot := first.Bot()
	if err := first.Close(); err != nil {
		t.Fatal(err)
	}
	if info, err := os.Stat(path); err != nil || info.Mode().Perm() != 0o600 {
		t.Fatalf("state file %v, %v; want one readable by its owner only", info, err)
	}

	second, c2 := startLoaded(t, path)
	if got := second.Bot(); got.ID != bot.ID || got.OrgID != bot.OrgID {
		t.Errorf("bot %s after the restart, want %s", got.ID, bot.ID)
	}
	if m, err := c2.Message(ctx, in.ID); err != nil || m.Text != "hello" || m.RoomID != in.RoomID {
		t.Errorf("the user's message after the restart: %+v, %v", m, err)
	}
	if a, err := c2.AttachmentAction(ctx, action.ID); err != nil || a.Inputs["name"] != "Ana" {
		t.Errorf("the card submission after the restart: %+v, %v", a, err)
	}
	hooks, err := c2.Webhooks(ctx)
	if err != nil || len(hooks) != 1 || hooks[0].ID != hook.ID || hooks[0].Secret != "s3cret" || hooks[0].Filter != "roomType=direct" {
		t.Errorf("webhooks after the restart: %v, %v", hooks, err)
	}
	// The same user writes in the same direct room, after the old messages.
	again, err := second.PostAsUser(emulator.UserMessage{Text: "still there?"})
	if err != nil {
		t.Fatal(err)
	}
	if again.RoomID != in.RoomID {
		t.Errorf("the user's direct room changed from %s to %s", in.RoomID, again.RoomID)
	}
	msgs := second.RoomMessages(in.RoomID)
	if len(msgs) != 3 || msgs[0].ID != in.ID || msgs[1].ID != card.ID || msgs[2].ID != again.ID {
		t.Errorf("room after the restart holds %d messages, want hello, the card and the new one in order", len(msgs))
	}
}

// Without Close (a crash, kill -9), the state written within a second of a
// change is there for the next start.
func TestLoadedEmulatorSavesWhileRunning(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "emulator.json")
	running, _ := startLoaded(t, path)
	in, err := running.PostAsUser(emulator.UserMessage{Text: "saved soon"})
	if err != nil {
		t.Fatal(err)
	}
	waitfor.True(t, 10*time.Second, "the message never reached the state file", func() bool {
		b, err := os.ReadFile(path)
		return err == nil && strings.Contains(string(b), in.ID)
	})
	_, c := startLoaded(t, path)
	if _, err := c.Message(context.Background(), in.ID); err != nil {
		t.Errorf("a message saved while running is unknown to the next emulator: %v", err)
	}
}

func TestLoadRefusesABadStateFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for name, content := range map[string]string{
		"not JSON":      "{",
		"other version": `{"version":99}`,
	} {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(dir, strings.ReplaceAll(name, " ", "-")+".json")
			if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
				t.Fatal(err)
			}
			if _, err := emulator.Load(path, emulator.Options{}); !errors.Is(err, emulator.ErrStateFile) {
				t.Errorf("Load = %v, want %v", err, emulator.ErrStateFile)
			}
		})
	}
}
