package adaptive

import "encoding/json"

// The element types of the schema this package types. Field names and
// values follow the Adaptive Cards 1.3 schema; empty fields are left out,
// so the card's own defaults apply.

// TextBlock shows text. Webex renders a subset of markdown in Text.
type TextBlock struct {
	Text     string `json:"text"`
	Size     string `json:"size,omitempty"`   // small, default, medium, large, extraLarge
	Weight   string `json:"weight,omitempty"` // lighter, default, bolder
	Color    string `json:"color,omitempty"`  // default, dark, light, accent, good, warning, attention
	IsSubtle bool   `json:"isSubtle,omitempty"`
	Wrap     bool   `json:"wrap,omitempty"`
}

func (TextBlock) element() {}

// MarshalJSON encodes the element with its type.
func (e TextBlock) MarshalJSON() ([]byte, error) {
	type fields TextBlock
	return json.Marshal(struct {
		Type string `json:"type"`
		fields
	}{"TextBlock", fields(e)})
}

// FactSet shows title/value pairs as a table.
type FactSet struct {
	Facts []Fact `json:"facts"`
}

// Fact is one row of a FactSet.
type Fact struct {
	Title string `json:"title"`
	Value string `json:"value"`
}

func (FactSet) element() {}

// MarshalJSON encodes the element with its type.
func (e FactSet) MarshalJSON() ([]byte, error) {
	type fields FactSet
	return json.Marshal(struct {
		Type string `json:"type"`
		fields
	}{"FactSet", fields(e)})
}

// Every input has an ID, the key its value is submitted under (it must be
// unique in the card), and, since schema 1.3, a Label, IsRequired and the
// ErrorMessage a client shows when a required input is empty. Clients check
// IsRequired before submitting, but a submission can come from any client:
// the handler checks again.

// InputText is a text field. Style is text, tel, url or email.
type InputText struct {
	ID           string `json:"id"`
	Label        string `json:"label,omitempty"`
	Placeholder  string `json:"placeholder,omitempty"`
	Value        string `json:"value,omitempty"`
	IsMultiline  bool   `json:"isMultiline,omitempty"`
	MaxLength    int    `json:"maxLength,omitempty"`
	Style        string `json:"style,omitempty"`
	Regex        string `json:"regex,omitempty"`
	IsRequired   bool   `json:"isRequired,omitempty"`
	ErrorMessage string `json:"errorMessage,omitempty"`
}

func (InputText) element() {}

// MarshalJSON encodes the element with its type.
func (e InputText) MarshalJSON() ([]byte, error) {
	type fields InputText
	return json.Marshal(struct {
		Type string `json:"type"`
		fields
	}{"Input.Text", fields(e)})
}

// InputNumber is a number field. Min, Max and Value are pointers so that 0
// can be set; use Num.
type InputNumber struct {
	ID           string   `json:"id"`
	Label        string   `json:"label,omitempty"`
	Placeholder  string   `json:"placeholder,omitempty"`
	Value        *float64 `json:"value,omitempty"`
	Min          *float64 `json:"min,omitempty"`
	Max          *float64 `json:"max,omitempty"`
	IsRequired   bool     `json:"isRequired,omitempty"`
	ErrorMessage string   `json:"errorMessage,omitempty"`
}

// Num returns a pointer to f, for InputNumber's optional fields.
func Num(f float64) *float64 { return &f }

func (InputNumber) element() {}

// MarshalJSON encodes the element with its type.
func (e InputNumber) MarshalJSON() ([]byte, error) {
	type fields InputNumber
	return json.Marshal(struct {
		Type string `json:"type"`
		fields
	}{"Input.Number", fields(e)})
}

// InputChoiceSet picks one choice (or several with IsMultiSelect; the
// values are then submitted comma-separated). Style is compact (a
// drop-down) or expanded (radio buttons or checkboxes). Value preselects.
type InputChoiceSet struct {
	ID            string   `json:"id"`
	Label         string   `json:"label,omitempty"`
	Choices       []Choice `json:"choices"`
	Style         string   `json:"style,omitempty"`
	IsMultiSelect bool     `json:"isMultiSelect,omitempty"`
	Value         string   `json:"value,omitempty"`
	Placeholder   string   `json:"placeholder,omitempty"`
	Wrap          bool     `json:"wrap,omitempty"`
	IsRequired    bool     `json:"isRequired,omitempty"`
	ErrorMessage  string   `json:"errorMessage,omitempty"`
}

// Choice is one option of an InputChoiceSet: Title is shown, Value is
// submitted.
type Choice struct {
	Title string `json:"title"`
	Value string `json:"value"`
}

func (InputChoiceSet) element() {}

// MarshalJSON encodes the element with its type.
func (e InputChoiceSet) MarshalJSON() ([]byte, error) {
	type fields InputChoiceSet
	return json.Marshal(struct {
		Type string `json:"type"`
		fields
	}{"Input.ChoiceSet", fields(e)})
}

// InputToggle is a checkbox. Title is shown beside it (required by the
// schema); ValueOn and ValueOff are submitted, "true" and "false" when
// empty.
type InputToggle struct {
	ID           string `json:"id"`
	Title        string `json:"title"`
	Label        string `json:"label,omitempty"`
	Value        string `json:"value,omitempty"`
	ValueOn      string `json:"valueOn,omitempty"`
	ValueOff     string `json:"valueOff,omitempty"`
	Wrap         bool   `json:"wrap,omitempty"`
	IsRequired   bool   `json:"isRequired,omitempty"`
	ErrorMessage string `json:"errorMessage,omitempty"`
}

func (InputToggle) element() {}

// MarshalJSON encodes the element with its type.
func (e InputToggle) MarshalJSON() ([]byte, error) {
	type fields InputToggle
	return json.Marshal(struct {
		Type string `json:"type"`
		fields
	}{"Input.Toggle", fields(e)})
}

// InputDate is a date picker; values, Min and Max are YYYY-MM-DD.
type InputDate struct {
	ID           string `json:"id"`
	Label        string `json:"label,omitempty"`
	Placeholder  string `json:"placeholder,omitempty"`
	Value        string `json:"value,omitempty"`
	Min          string `json:"min,omitempty"`
	Max          string `json:"max,omitempty"`
	IsRequired   bool   `json:"isRequired,omitempty"`
	ErrorMessage string `json:"errorMessage,omitempty"`
}

func (InputDate) element() {}

// MarshalJSON encodes the element with its type.
func (e InputDate) MarshalJSON() ([]byte, error) {
	type fields InputDate
	return json.Marshal(struct {
		Type string `json:"type"`
		fields
	}{"Input.Date", fields(e)})
}

// Raw is an element or action given as JSON, for the parts of the schema
// this package does not type (Container, ColumnSet, Image, Action.ShowCard,
// ...). It must be a JSON object with a "type"; Check verifies it like the
// rest of the card.
type Raw json.RawMessage

func (Raw) element() {}
func (Raw) action()  {}

// MarshalJSON returns the JSON as given.
func (r Raw) MarshalJSON() ([]byte, error) {
	if len(r) == 0 {
		return []byte("null"), nil
	}
	return json.RawMessage(r).MarshalJSON()
}
