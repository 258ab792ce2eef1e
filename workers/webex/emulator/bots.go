package emulator

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"slices"
	"strings"

	"github.com/webexpipe/webexpipe/events"
	"github.com/webexpipe/webexpipe/workers/webex"
)

// DefaultBotID is the short id of the first bot (Options.Bot) unless
// Options.BotID names it otherwise.
const DefaultBotID = "default"

// BotSpec is one more bot the emulator serves besides Options.Bot, with a
// token of its own: what the token reads and writes is that bot's.
type BotSpec struct {
	// ID is the bot's short id, as the control API and `webexpipe sim
	// --bot` name it: the id rule of a webexpipe bot (events.ValidBot: a
	// lowercase letter, then up to 31 lowercase letters, digits or '_'),
	// unique among the bots, so that the emulator's bots can be the
	// registry's. It is not the bot's person id (that is made up).
	ID string `json:"id"`
	// DisplayName defaults to ID + " Bot".
	DisplayName string `json:"displayName,omitempty"`
	// Email defaults to ID + "@webex.bot"; it must be no other bot's.
	Email string `json:"email,omitempty"`
	// Token defaults to DefaultToken + "-" + ID; it must be no other bot's.
	Token string `json:"token,omitempty"`
}

// ErrInvalidBots is wrapped by Options.Validate's errors.
var ErrInvalidBots = errors.New("emulator: invalid bots")

// withDefaults fills the empty fields of a spec.
func (b BotSpec) withDefaults() BotSpec {
	if b.DisplayName == "" {
		b.DisplayName = b.ID + " Bot"
	}
	if b.Email == "" {
		b.Email = b.ID + "@webex.bot"
	}
	if b.Token == "" {
		b.Token = DefaultToken + "-" + b.ID
	}
	return b
}

// Validate checks the bots of the options: ids well formed and unique, and
// no two bots sharing a token or an email. New panics on options that fail
// it; commands should call it first to report the error.
func (o Options) Validate() error {
	first := o.firstSpec()
	specs := append([]BotSpec{first}, o.Bots...)
	ids, tokens, emails := map[string]bool{}, map[string]bool{}, map[string]bool{}
	for i, b := range specs {
		if i > 0 {
			b = b.withDefaults()
		}
		switch {
		case !events.ValidBot(b.ID):
			return fmt.Errorf("%w: bot id %q: want a lowercase letter, then up to 31 lowercase letters, digits or '_'", ErrInvalidBots, b.ID)
		case ids[b.ID]:
			return fmt.Errorf("%w: bot id %q given twice", ErrInvalidBots, b.ID)
		case tokens[b.Token]:
			// The token itself stays out of the error.
			return fmt.Errorf("%w: bot %q has the token of another bot", ErrInvalidBots, b.ID)
		case !strings.Contains(b.Email, "@"):
			return fmt.Errorf("%w: bot %q: email %q is not an email address", ErrInvalidBots, b.ID, b.Email)
		case emails[emailKey(b.Email)]:
			return fmt.Errorf("%w: bot %q: email %s is another bot's", ErrInvalidBots, b.ID, b.Email)
		}
		ids[b.ID], tokens[b.Token], emails[emailKey(b.Email)] = true, true, true
	}
	return nil
}

// firstSpec is the first bot as a spec, with the defaults New gives it.
func (o Options) firstSpec() BotSpec {
	b := BotSpec{ID: o.BotID, DisplayName: o.Bot.DisplayName, Token: o.Token}
	if b.ID == "" {
		b.ID = DefaultBotID
	}
	if len(o.Bot.Emails) > 0 {
		b.Email = o.Bot.Emails[0]
	}
	if b.Email == "" {
		b.Email = DefaultBotEmail
	}
	if b.Token == "" {
		b.Token = DefaultToken
	}
	return b
}

// bot is one bot the emulator serves. Nothing in it changes after New.
type bot struct {
	id     string // the short id (BotSpec.ID)
	token  string
	person webex.Person // also in state.people, by person.ID
}

// BotInfo describes a bot the emulator serves; the JSON form is an item of
// GET /_sim/bots.
type BotInfo struct {
	// ID is the bot's short id (BotSpec.ID; DefaultBotID for the first).
	ID string `json:"id"`
	// Token is the bearer token that acts as this bot. The emulator's
	// tokens are made up: showing them is what lets a pipeline be pointed
	// at a bot.
	Token  string       `json:"token"`
	Person webex.Person `json:"person"`
}

func (b *bot) info() BotInfo {
	return BotInfo{ID: b.id, Token: b.token, Person: clonePerson(&b.person)}
}

// Bots returns every bot the emulator serves, the first (Options.Bot) first.
func (s *Server) Bots() []BotInfo {
	out := make([]BotInfo, len(s.bots))
	for i, b := range s.bots {
		out[i] = b.info()
	}
	return out
}

// BotByID returns the bot with the short id; an empty id is the first bot.
func (s *Server) BotByID(id string) (BotInfo, bool) {
	b := s.botByID(id)
	if b == nil {
		return BotInfo{}, false
	}
	return b.info(), true
}

// botByID returns the bot with the short id, the first for ""; nil when
// there is none.
func (s *Server) botByID(id string) *bot {
	if id == "" {
		return s.bots[0]
	}
	return s.byID[id]
}

// botByPerson returns the bot with the person id; nil for a user.
func (s *Server) botByPerson(personID string) *bot { return s.byPerson[personID] }

// roomBotsLocked returns the bots in rm. It must be called with s.mu held.
func (s *Server) roomBotsLocked(rm *room) []*bot {
	out := make([]*bot, 0, len(rm.bots))
	for _, id := range rm.bots {
		if b := s.botByPerson(id); b != nil {
			out = append(out, b)
		}
	}
	return out
}

// botByAuth returns the bot whose token an Authorization header carries;
// nil when it carries none of theirs.
func (s *Server) botByAuth(header string) *bot {
	token, ok := strings.CutPrefix(header, "Bearer ")
	if !ok {
		return nil
	}
	return s.byToken[token]
}

// ErrNoBot means a bot id names none of the emulator's bots.
var ErrNoBot = errors.New("emulator: no such bot")

// lookupBot is botByID with an error naming the bots there are.
func (s *Server) lookupBot(id string) (*bot, error) {
	if b := s.botByID(id); b != nil {
		return b, nil
	}
	return nil, s.noBot(id)
}

// noBot is the ErrNoBot error for id, naming the bots there are.
func (s *Server) noBot(id string) error {
	ids := make([]string, len(s.bots))
	for i, b := range s.bots {
		ids[i] = b.id
	}
	return fmt.Errorf("%w %q; the bots are %s", ErrNoBot, id, strings.Join(ids, ", "))
}

// botKey is the request context key of the calling bot.
type botKey struct{}

// caller returns the bot an API request authenticated as. The token check
// (apiMiddleware) has passed before any handler runs.
func caller(r *http.Request) *bot {
	b, _ := r.Context().Value(botKey{}).(*bot)
	return b
}

func withCaller(r *http.Request, b *bot) *http.Request {
	return r.WithContext(context.WithValue(r.Context(), botKey{}, b))
}

// newBots makes the bots of opts, reusing the person of a bot saved in a
// state file (by short id) so that stored messages keep their author.
func (s *Server) newBots(opts Options, org string, saved map[string]webex.Person) {
	first := s.newBot(opts.firstSpec(), opts.Bot, org, saved)
	org = first.person.OrgID // the first bot's org, given or saved, is everyone's
	s.bots = []*bot{first}
	for _, spec := range opts.Bots {
		spec = spec.withDefaults()
		s.bots = append(s.bots, s.newBot(spec, webex.Person{DisplayName: spec.DisplayName, Emails: []string{spec.Email}}, org, saved))
	}
	s.byID = map[string]*bot{}
	s.byToken = map[string]*bot{}
	s.byPerson = map[string]*bot{}
	for _, b := range s.bots {
		s.byID[b.id] = b
		s.byToken[b.token] = b
		s.byPerson[b.person.ID] = b
		p := clonePerson(&b.person)
		s.st.people[p.ID] = &p
		for _, e := range p.Emails {
			s.st.byEmail[emailKey(e)] = p.ID
		}
	}
}

// newBot fills a bot's person: saved wins, then p, then defaults.
func (s *Server) newBot(spec BotSpec, p webex.Person, org string, saved map[string]webex.Person) *bot {
	if sp, ok := saved[spec.ID]; ok {
		p = sp
	}
	p.Emails = slices.Clone(p.Emails)
	if p.ID == "" {
		p.ID = newID("PEOPLE")
	}
	if len(p.Emails) == 0 {
		p.Emails = []string{spec.Email}
	}
	if p.DisplayName == "" {
		p.DisplayName = spec.DisplayName
	}
	if p.DisplayName == "" {
		p.DisplayName = DefaultBotName
	}
	if p.Type == "" {
		p.Type = "bot"
	}
	if p.OrgID == "" {
		p.OrgID = org
	}
	if p.Created == "" {
		p.Created = formatTime(s.now())
	}
	return &bot{id: spec.ID, token: spec.Token, person: p}
}

// simBots is GET /_sim/bots: every bot, the first first.
func (s *Server) simBots(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, items[BotInfo]{Items: s.Bots()})
}
