package adaptive

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"

	"github.com/webexpipe/webexpipe/workers/webex"
)

// versionRE matches the schema versions Webex renders: 1.0 to 1.3.
var versionRE = regexp.MustCompile(`^1\.[0-3]$`)

// Check reports whether a can be sent as a Webex card: content type
// webex.AdaptiveCardContentType; content a JSON object with type
// "AdaptiveCard" and a version from 1.0 to 1.3 (Webex renders 1.3, and a
// newer card would show only its fallback); body and actions, when present,
// lists of objects each with a string "type" (actions of kind Action.*); at
// most MaxActions buttons in the whole card, counting the card's actions,
// every ActionSet and the actions of shown cards (a selectAction is not a
// button); every Input.* with an id no other input of the card has. The
// error wraps ErrInvalidCard, or ErrTooManyActions, and names the place.
func Check(a webex.Attachment) error {
	if a.ContentType != webex.AdaptiveCardContentType {
		return fmt.Errorf("%w: content type %q, want %s", ErrInvalidCard, short(a.ContentType), webex.AdaptiveCardContentType)
	}
	dec := json.NewDecoder(bytes.NewReader(a.Content))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil || dec.More() {
		return fmt.Errorf("%w: content is not one JSON value", ErrInvalidCard)
	}
	card, ok := v.(map[string]any)
	if !ok {
		return fmt.Errorf("%w: content is not a JSON object", ErrInvalidCard)
	}
	c := &checker{ids: map[string]string{}}
	if err := c.card("card", card); err != nil {
		return err
	}
	if c.actions > MaxActions {
		return fmt.Errorf("%w: %d actions, Webex allows at most %d", ErrTooManyActions, c.actions, MaxActions)
	}
	return nil
}

// checker walks a decoded card.
type checker struct {
	actions int               // buttons seen so far
	ids     map[string]string // input id → where it was first seen
}

// card checks an AdaptiveCard object: the top-level card, or the card of an
// Action.ShowCard.
func (c *checker) card(at string, card map[string]any) error {
	if t, _ := card["type"].(string); t != "AdaptiveCard" {
		return fmt.Errorf("%w: %s: type %s, want \"AdaptiveCard\"", ErrInvalidCard, at, describe(card["type"]))
	}
	// Only the top-level card must say its version; a shown card inherits it.
	if v, ok := card["version"]; ok || at == "card" {
		s, _ := v.(string)
		if !versionRE.MatchString(s) {
			return fmt.Errorf("%w: %s: version %s: Webex renders versions 1.0 to %s", ErrInvalidCard, at, describe(v), Version)
		}
	}
	if err := c.list(at+".body", card["body"], "", c.element); err != nil {
		return err
	}
	return c.list(at+".actions", card["actions"], "Action.", c.action)
}

// list checks an optional list of typed objects and calls each on every
// item; prefix, when set, is required of every item's type.
func (c *checker) list(at string, v any, prefix string, each func(at string, obj map[string]any) error) error {
	if v == nil {
		return nil
	}
	items, ok := v.([]any)
	if !ok {
		return fmt.Errorf("%w: %s is %s, want a list", ErrInvalidCard, at, describe(v))
	}
	for i, it := range items {
		where := fmt.Sprintf("%s[%d]", at, i)
		obj, ok := it.(map[string]any)
		if !ok {
			return fmt.Errorf("%w: %s is %s, want an object", ErrInvalidCard, where, describe(it))
		}
		t, _ := obj["type"].(string)
		switch {
		case t == "":
			return fmt.Errorf("%w: %s has no type", ErrInvalidCard, where)
		case !strings.HasPrefix(t, prefix):
			return fmt.Errorf("%w: %s: type %q is not an action", ErrInvalidCard, where, short(t))
		}
		if err := each(where, obj); err != nil {
			return err
		}
	}
	return nil
}

// element checks a body element and whatever it contains.
func (c *checker) element(at string, e map[string]any) error {
	t := e["type"].(string)
	switch {
	case strings.HasPrefix(t, "Input."):
		return c.input(at, t, e)
	case t == "ActionSet":
		return c.list(at+".actions", e["actions"], "Action.", c.action)
	case t == "Container":
		return c.list(at+".items", e["items"], "", c.element)
	case t == "ColumnSet":
		return c.list(at+".columns", e["columns"], "", func(at string, col map[string]any) error {
			return c.list(at+".items", col["items"], "", c.element)
		})
	}
	return nil
}

// action counts a button and checks the card an Action.ShowCard shows.
func (c *checker) action(at string, a map[string]any) error {
	c.actions++
	if a["type"] != "Action.ShowCard" {
		return nil
	}
	shown, ok := a["card"].(map[string]any)
	if !ok {
		return fmt.Errorf("%w: %s: Action.ShowCard without a card", ErrInvalidCard, at)
	}
	return c.card(at+".card", shown)
}

// input checks that an input has an id of its own.
func (c *checker) input(at, typ string, e map[string]any) error {
	id, _ := e["id"].(string)
	if id == "" {
		return fmt.Errorf("%w: %s: %s without an id: its value could not be submitted", ErrInvalidCard, at, typ)
	}
	if first, dup := c.ids[id]; dup {
		return fmt.Errorf("%w: %s: input id %q is also used at %s", ErrInvalidCard, at, short(id), first)
	}
	c.ids[id] = at
	return nil
}

// describe names a JSON value's kind for an error, quoting short strings.
func describe(v any) string {
	switch x := v.(type) {
	case nil:
		return "missing"
	case string:
		return fmt.Sprintf("%q", short(x))
	case map[string]any:
		return "an object"
	case []any:
		return "a list"
	}
	return fmt.Sprintf("%v", v)
}

// short cuts untrusted text quoted in an error.
func short(s string) string {
	const max = 40
	if len(s) <= max {
		return s
	}
	return strings.ToValidUTF8(s[:max], "") + "..."
}
