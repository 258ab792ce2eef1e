// Package adaptivetest checks cards against the Adaptive Cards 1.3 schema
// in more depth than adaptive.Check does at run time: every element and
// action type must be one the schema defines, every property must be one
// the type has, required properties must be present, and values must have
// the right JSON type or be one of the allowed words.
//
// adaptive.Check is deliberately lenient, so that a card pasted from a
// designer is not refused for a property this package does not know. A card
// built in code deserves the strict check in its tests: Webex clients
// silently ignore a misspelt property ("isrequired"), and the mistake only
// shows when a user meets the card.
package adaptivetest

// kind is the JSON type a property must have, or the words it may take.
type kind struct {
	json  string   // "string", "bool", "number", "list", "object", "any"
	words []string // for an enumerated string
}

var (
	str    = kind{json: "string"}
	boolk  = kind{json: "bool"}
	number = kind{json: "number"}
	list   = kind{json: "list"}
	object = kind{json: "object"}
	anyk   = kind{json: "any"}
)

func oneOf(words ...string) kind { return kind{json: "string", words: words} }

// typeSpec describes one type of the schema: its properties beyond the
// common ones, and which of them are required.
type typeSpec struct {
	props    map[string]kind
	required []string
}

var spacing = oneOf("default", "none", "small", "medium", "large", "extraLarge", "padding")

// commonElement are the properties every element has in 1.3.
var commonElement = map[string]kind{
	"type": str, "id": str, "spacing": spacing, "separator": boolk, "isVisible": boolk,
	"requires": object, "fallback": anyk, "height": oneOf("auto", "stretch"),
}

// commonInput are the properties every input has; label, isRequired and
// errorMessage are new in 1.3 and supported by Webex.
var commonInput = map[string]kind{
	"label": str, "isRequired": boolk, "errorMessage": str,
}

// commonAction are the properties every action has.
var commonAction = map[string]kind{
	"type": str, "id": str, "title": str, "iconUrl": str,
	"style": oneOf("default", "positive", "destructive"), "fallback": anyk, "requires": object,
}

var textColor = oneOf("default", "dark", "light", "accent", "good", "warning", "attention")
var hAlign = oneOf("left", "center", "right")

// elements are the body elements of schema 1.3 that Webex renders.
var elements = map[string]typeSpec{
	"TextBlock": {props: map[string]kind{
		"text": str, "color": textColor, "fontType": oneOf("default", "monospace"),
		"horizontalAlignment": hAlign, "isSubtle": boolk, "maxLines": number,
		"size":   oneOf("default", "small", "medium", "large", "extraLarge"),
		"weight": oneOf("default", "lighter", "bolder"), "wrap": boolk,
	}, required: []string{"text"}},
	"Image": {props: map[string]kind{
		"url": str, "altText": str, "backgroundColor": str, "horizontalAlignment": hAlign,
		"selectAction": object, "size": oneOf("auto", "stretch", "small", "medium", "large"),
		"style": oneOf("default", "person"), "width": str,
	}, required: []string{"url"}},
	"FactSet":   {props: map[string]kind{"facts": list}, required: []string{"facts"}},
	"ActionSet": {props: map[string]kind{"actions": list}, required: []string{"actions"}},
	"Container": {props: map[string]kind{
		"items": list, "selectAction": object, "style": str, "verticalContentAlignment": str,
		"bleed": boolk, "backgroundImage": anyk, "minHeight": str,
	}, required: []string{"items"}},
	"ColumnSet": {props: map[string]kind{
		"columns": list, "selectAction": object, "style": str, "bleed": boolk, "minHeight": str,
		"horizontalAlignment": hAlign,
	}},
	"Input.Text": {props: map[string]kind{
		"isMultiline": boolk, "maxLength": number, "placeholder": str, "regex": str,
		"style": oneOf("text", "tel", "url", "email"), "inlineAction": object, "value": str,
	}, required: []string{"id"}},
	"Input.Number": {props: map[string]kind{
		"max": number, "min": number, "placeholder": str, "value": number,
	}, required: []string{"id"}},
	"Input.Date": {props: map[string]kind{
		"max": str, "min": str, "placeholder": str, "value": str,
	}, required: []string{"id"}},
	"Input.Time": {props: map[string]kind{
		"max": str, "min": str, "placeholder": str, "value": str,
	}, required: []string{"id"}},
	"Input.Toggle": {props: map[string]kind{
		"title": str, "value": str, "valueOff": str, "valueOn": str, "wrap": boolk,
	}, required: []string{"id", "title"}},
	"Input.ChoiceSet": {props: map[string]kind{
		"choices": list, "isMultiSelect": boolk, "style": oneOf("compact", "expanded"),
		"value": str, "placeholder": str, "wrap": boolk,
	}, required: []string{"id"}},
}

// actions are the action types of schema 1.3.
var actions = map[string]typeSpec{
	"Action.Submit":           {props: map[string]kind{"data": anyk, "associatedInputs": oneOf("auto", "none")}},
	"Action.OpenUrl":          {props: map[string]kind{"url": str}, required: []string{"url"}},
	"Action.ShowCard":         {props: map[string]kind{"card": object}},
	"Action.ToggleVisibility": {props: map[string]kind{"targetElements": list}, required: []string{"targetElements"}},
}

// cardProps are the properties of an AdaptiveCard.
var cardProps = map[string]kind{
	"type": str, "$schema": str, "version": str, "body": list, "actions": list,
	"selectAction": object, "fallbackText": str, "backgroundImage": anyk, "minHeight": str,
	"speak": str, "lang": str, "verticalContentAlignment": oneOf("top", "center", "bottom"),
}
