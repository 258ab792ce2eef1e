package adaptivetest

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
)

// Conforms reports the first way content, the JSON of a card, departs from
// the Adaptive Cards 1.3 schema (see the package comment), or nil.
func Conforms(content []byte) error {
	var v any
	if err := json.Unmarshal(content, &v); err != nil {
		return fmt.Errorf("card: not JSON: %v", err)
	}
	card, ok := v.(map[string]any)
	if !ok {
		return errors.New("card: not an object")
	}
	if card["version"] != "1.3" {
		return fmt.Errorf("card: version %v, want \"1.3\"", card["version"])
	}
	return checkCard("card", card)
}

func checkCard(at string, card map[string]any) error {
	if card["type"] != "AdaptiveCard" {
		return fmt.Errorf("%s: type %v, want AdaptiveCard", at, card["type"])
	}
	if err := checkProps(at, card, cardProps, nil); err != nil {
		return err
	}
	if err := eachObject(at+".body", card["body"], checkElement); err != nil {
		return err
	}
	return eachObject(at+".actions", card["actions"], checkAction)
}

func checkElement(at string, e map[string]any) error {
	t, _ := e["type"].(string)
	spec, ok := elements[t]
	if !ok {
		return fmt.Errorf("%s: element type %q is not in schema 1.3 (or not rendered by Webex)", at, t)
	}
	props := merge(commonElement, spec.props)
	if strings.HasPrefix(t, "Input.") {
		props = merge(props, commonInput)
	}
	if err := checkProps(at, e, props, spec.required); err != nil {
		return err
	}
	switch t {
	case "FactSet":
		return eachObject(at+".facts", e["facts"], func(at string, f map[string]any) error {
			return checkProps(at, f, map[string]kind{"title": str, "value": str}, []string{"title", "value"})
		})
	case "Input.ChoiceSet":
		return eachObject(at+".choices", e["choices"], func(at string, c map[string]any) error {
			return checkProps(at, c, map[string]kind{"title": str, "value": str}, []string{"title", "value"})
		})
	case "ActionSet":
		return eachObject(at+".actions", e["actions"], checkAction)
	case "Container":
		return eachObject(at+".items", e["items"], checkElement)
	}
	return nil
}

func checkAction(at string, a map[string]any) error {
	t, _ := a["type"].(string)
	spec, ok := actions[t]
	if !ok {
		return fmt.Errorf("%s: action type %q is not in schema 1.3", at, t)
	}
	if err := checkProps(at, a, merge(commonAction, spec.props), spec.required); err != nil {
		return err
	}
	if t == "Action.ShowCard" {
		shown, _ := a["card"].(map[string]any)
		return checkCard(at+".card", shown)
	}
	return nil
}

// checkProps checks that obj has only props, of their kinds, and every
// required one.
func checkProps(at string, obj map[string]any, props map[string]kind, required []string) error {
	for _, r := range required {
		if _, ok := obj[r]; !ok {
			return fmt.Errorf("%s: required property %q missing", at, r)
		}
	}
	for name, v := range obj {
		k, ok := props[name]
		if !ok {
			return fmt.Errorf("%s: property %q is not in the schema of %v", at, name, obj["type"])
		}
		if err := k.check(v); err != nil {
			return fmt.Errorf("%s.%s: %v", at, name, err)
		}
	}
	return nil
}

func (k kind) check(v any) error {
	ok := true
	switch k.json {
	case "string":
		s, isStr := v.(string)
		ok = isStr && (k.words == nil || slices.Contains(k.words, s))
		if isStr && !ok {
			return fmt.Errorf("%q is not one of %v", s, k.words)
		}
	case "bool":
		_, ok = v.(bool)
	case "number":
		_, ok = v.(float64)
	case "list":
		_, ok = v.([]any)
	case "object":
		_, ok = v.(map[string]any)
	}
	if !ok {
		return fmt.Errorf("%v is not a %s", v, k.json)
	}
	return nil
}

func eachObject(at string, v any, f func(string, map[string]any) error) error {
	if v == nil {
		return nil
	}
	items, ok := v.([]any)
	if !ok {
		return fmt.Errorf("%s: not a list", at)
	}
	for i, it := range items {
		obj, ok := it.(map[string]any)
		if !ok {
			return fmt.Errorf("%s[%d]: not an object", at, i)
		}
		if err := f(fmt.Sprintf("%s[%d]", at, i), obj); err != nil {
			return err
		}
	}
	return nil
}

func merge(a, b map[string]kind) map[string]kind {
	out := maps.Clone(a)
	maps.Copy(out, b)
	return out
}
