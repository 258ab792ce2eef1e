package main

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/webexpipe/webexpipe/events"
	"github.com/webexpipe/webexpipe/workers/webex"
	"github.com/webexpipe/webexpipe/workers/webex/emulator"
)

// startTwoBots runs an emulator with the first bot and "sales", each
// answering the messages it is delivered with "<id> got it", as a pipeline
// serving both would. A delivery that does not verify with its bot's
// webhook secret gets no answer.
func startTwoBots(t *testing.T) (*emulator.Server, string) {
	t.Helper()
	sim := emulator.NewTest(t, emulator.Options{Bots: []emulator.BotSpec{{ID: "sales", DisplayName: "Sales Bot"}}})
	var answering sync.WaitGroup
	t.Cleanup(answering.Wait) // before the emulator closes
	for _, b := range sim.Bots() {
		secret := []byte("secret-of-" + b.ID)
		api, err := webex.New(webex.Config{BaseURL: sim.URL(), Token: b.Token, Timeout: 5 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		answer := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			body, _ := io.ReadAll(r.Body)
			if !events.VerifySignature(body, r.Header.Get(events.SignatureHeader), [][]byte{secret}) {
				http.Error(w, "bad signature", http.StatusForbidden)
				return
			}
			env, err := events.Decode(body)
			if err != nil {
				http.Error(w, err.Error(), http.StatusBadRequest)
				return
			}
			w.WriteHeader(http.StatusNoContent)
			if env.Data.PersonID == b.Person.ID {
				return // its own message
			}
			// Answered after the delivery is accepted, as the pipeline does.
			answering.Add(1)
			go func() {
				defer answering.Done()
				ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
				defer cancel()
				_, _ = api.SendMessage(ctx, &webex.MessageRequest{RoomID: env.Data.RoomID, Text: b.ID + " got it"})
			}()
		}))
		t.Cleanup(answer.Close)
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		_, err = api.CreateWebhook(ctx, webex.WebhookRequest{Name: b.ID, TargetURL: answer.URL, Resource: "messages", Event: "created", Secret: string(secret)})
		cancel()
		if err != nil {
			t.Fatal(err)
		}
	}
	return sim, strings.TrimSuffix(sim.URL(), "/v1")
}

func TestSimSendToABot(t *testing.T) {
	sim, simURL := startTwoBots(t)
	sales, _ := sim.BotByID("sales")

	tests := []struct {
		name string
		args []string
		want string // the reply printed
	}{
		{"the first bot by default", nil, emulator.DefaultBotID + " got it"},
		{"sales", []string{"--bot", "sales"}, "sales got it"},
		{"the first bot by id", []string{"--bot", emulator.DefaultBotID}, emulator.DefaultBotID + " got it"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, _, err := runSim(t, append(append([]string{"send", "--sim-url", simURL}, tt.args...), "hello")...)
			if err != nil {
				t.Fatalf("sim send: %v", err)
			}
			if strings.TrimSpace(out) != tt.want {
				t.Errorf("sim send printed %q, want %q", out, tt.want)
			}
		})
	}
	// The message to sales went to sales's direct room with the user.
	var salesRoom string
	for _, r := range sim.Rooms() {
		if r.Type == "direct" && slices.Equal(r.Bots, []string{"sales"}) {
			salesRoom = r.ID
		}
	}
	if got := sim.MessagesOf("sales", salesRoom); len(got) != 1 || got[0].Text != "sales got it" {
		t.Errorf("sales's messages in its direct room = %+v", got)
	}

	t.Run("group room mentions the bot", func(t *testing.T) {
		rm, err := sim.CreateRoom(emulator.NewRoom{Title: "Team", Bots: []string{emulator.DefaultBotID, "sales"}})
		if err != nil {
			t.Fatal(err)
		}
		out, _, err := runSim(t, "send", "--sim-url", simURL, "--bot", "sales", "--room", rm.ID, "hello team")
		if err != nil {
			t.Fatalf("sim send: %v", err)
		}
		if strings.TrimSpace(out) != "sales got it" {
			t.Errorf("sim send printed %q", out)
		}
		msgs := sim.RoomMessages(rm.ID)
		if len(msgs) != 2 || !slices.Equal(msgs[0].MentionedPeople, []string{sales.Person.ID}) || msgs[1].PersonID != sales.Person.ID {
			t.Errorf("room messages = %+v: want the user's mentioning sales only, then sales's reply", msgs)
		}
	})

	t.Run("unknown bot", func(t *testing.T) {
		_, _, err := runSim(t, "send", "--sim-url", simURL, "--bot", "nobody", "--timeout", "2s", "hello")
		if err == nil || !strings.Contains(err.Error(), `no bot "nobody"`) || !strings.Contains(err.Error(), "sales") {
			t.Errorf("error %v, want one naming the bots there are", err)
		}
	})
}

func TestSimBots(t *testing.T) {
	_, simURL := startTwoBots(t)
	out, _, err := runSim(t, "bots", "--sim-url", simURL)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 3 || !strings.HasPrefix(lines[0], "ID") ||
		!strings.Contains(lines[1], emulator.DefaultBotID) || !strings.Contains(lines[1], emulator.DefaultToken) ||
		!strings.Contains(lines[2], "sales") || !strings.Contains(lines[2], "Sales Bot") || !strings.Contains(lines[2], "sales@webex.bot") ||
		!strings.Contains(lines[2], emulator.DefaultToken+"-sales") {
		t.Errorf("sim bots printed:\n%s", out)
	}
}

func TestParseBotSpec(t *testing.T) {
	tests := []struct {
		name, in string
		want     emulator.BotSpec
		ok       bool
	}{
		{"id", "sales", emulator.BotSpec{ID: "sales"}, true},
		{"id and token", "sales:tok-1", emulator.BotSpec{ID: "sales", Token: "tok-1"}, true},
		{"no id", ":tok", emulator.BotSpec{}, false},
		{"empty", "", emulator.BotSpec{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseBotSpec(tt.in)
			if (err == nil) != tt.ok || got != tt.want {
				t.Errorf("parseBotSpec(%q) = %+v, %v", tt.in, got, err)
			}
		})
	}
}
