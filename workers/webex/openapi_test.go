package webex_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/webexpipe/webexpipe/workers/webex"
	"github.com/webexpipe/webexpipe/workers/webex/emulator"
)

// openAPIFile is Webex's OpenAPI description, kept as a test fixture (see
// the README beside it for its source and licence).
const openAPIFile = "testdata/webex-openapi/webex-messaging.json"

type openAPISchema struct {
	Properties map[string]json.RawMessage `json:"properties"`
	Required   []string                   `json:"required"`
}

type openAPIParam struct {
	Name string `json:"name"`
	In   string `json:"in"` // "query", "path"
}

type openAPIOperation struct {
	Parameters  []openAPIParam `json:"parameters"`
	RequestBody struct {
		Content map[string]struct {
			Schema openAPISchema `json:"schema"`
		} `json:"content"`
	} `json:"requestBody"`
}

type openAPI struct {
	Paths      map[string]map[string]json.RawMessage `json:"paths"`
	Components struct {
		Schemas map[string]openAPISchema `json:"schemas"`
	} `json:"components"`
}

// loadOpenAPI reads the description.
func loadOpenAPI(t *testing.T) *openAPI {
	t.Helper()
	b, err := os.ReadFile(openAPIFile)
	if err != nil {
		t.Fatal(err)
	}
	var doc openAPI
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatalf("%s: %v", openAPIFile, err)
	}
	return &doc
}

func (d *openAPI) operation(t *testing.T, method, path string) openAPIOperation {
	t.Helper()
	raw, ok := d.Paths[path][strings.ToLower(method)]
	if !ok {
		t.Fatalf("the OpenAPI description has no %s %s", method, path)
	}
	var op openAPIOperation
	if err := json.Unmarshal(raw, &op); err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	return op
}

// jsonFields lists the JSON names of a struct's fields and which of them are
// always sent (no omitempty).
func jsonFields(v any) (names, always []string) {
	typ := reflect.TypeOf(v)
	for i := range typ.NumField() {
		name, opts, _ := strings.Cut(typ.Field(i).Tag.Get("json"), ",")
		if name == "" || name == "-" {
			continue
		}
		names = append(names, name)
		if !strings.Contains(opts, "omitempty") {
			always = append(always, name)
		}
	}
	return names, always
}

func TestTypesMatchOpenAPI(t *testing.T) {
	doc := loadOpenAPI(t)
	schema := func(names ...string) map[string]bool {
		props := map[string]bool{}
		for _, n := range names {
			s, ok := doc.Components.Schemas[n]
			if !ok {
				t.Fatalf("no schema %s", n)
			}
			for p := range s.Properties {
				props[p] = true
			}
		}
		return props
	}
	body := func(method, path string) openAPISchema {
		return doc.operation(t, method, path).RequestBody.Content["application/json"].Schema
	}
	props := func(s openAPISchema) map[string]bool {
		out := map[string]bool{}
		for p := range s.Properties {
			out[p] = true
		}
		return out
	}
	tests := []struct {
		name  string
		value any
		props map[string]bool
		// extra are fields Webex sends that the description omits.
		extra []string
	}{
		{"Person", webex.Person{}, schema("Person"), nil},
		// POST answers Message, GET answers ListMessage.
		{"Message", webex.Message{}, schema("Message", "ListMessage"), nil},
		{"AttachmentAction", webex.AttachmentAction{}, schema("AttachmentActivity"), nil},
		{"Webhook", webex.Webhook{}, schema("Webhook"), []string{"orgId", "createdBy", "appId"}},
		{"MessageRequest", webex.MessageRequest{}, props(body(http.MethodPost, "/messages")), nil},
		{"WebhookRequest", webex.WebhookRequest{}, props(body(http.MethodPost, "/webhooks")), nil},
		{"WebhookUpdate", webex.WebhookUpdate{}, props(body(http.MethodPut, "/webhooks/{webhookId}")), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			names, _ := jsonFields(tt.value)
			for _, n := range names {
				if !tt.props[n] && !slices.Contains(tt.extra, n) {
					t.Errorf("field %q is not in the OpenAPI description", n)
				}
			}
		})
	}
}

// TestAttachmentMatchesExample checks Attachment against the request example
// of POST /messages: the description's Attachment schema points at an
// unrelated object (a known quirk), the example is right.
func TestAttachmentMatchesExample(t *testing.T) {
	doc := loadOpenAPI(t)
	var op struct {
		RequestBody struct {
			Content map[string]struct {
				Example struct {
					Attachments []map[string]json.RawMessage `json:"attachments"`
				} `json:"example"`
			} `json:"content"`
		} `json:"requestBody"`
	}
	if err := json.Unmarshal(doc.Paths["/messages"]["post"], &op); err != nil {
		t.Fatal(err)
	}
	ex := op.RequestBody.Content["application/json"].Example.Attachments
	if len(ex) != 1 {
		t.Fatalf("example has %d attachments", len(ex))
	}
	var got []string
	for k := range ex[0] {
		got = append(got, k)
	}
	sort.Strings(got)
	names, _ := jsonFields(webex.Attachment{})
	sort.Strings(names)
	if !slices.Equal(got, names) {
		t.Errorf("Attachment fields %v, example has %v", names, got)
	}
	var ct string
	_ = json.Unmarshal(ex[0]["contentType"], &ct)
	if ct != webex.AdaptiveCardContentType {
		t.Errorf("example content type %q, AdaptiveCardContentType %q", ct, webex.AdaptiveCardContentType)
	}
}

func TestRequiredFieldsMatchOpenAPI(t *testing.T) {
	doc := loadOpenAPI(t)
	tests := []struct {
		name         string
		value        any
		method, path string
	}{
		{"WebhookRequest", webex.WebhookRequest{}, http.MethodPost, "/webhooks"},
		{"WebhookUpdate", webex.WebhookUpdate{}, http.MethodPut, "/webhooks/{webhookId}"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := slices.Clone(doc.operation(t, tt.method, tt.path).RequestBody.Content["application/json"].Schema.Required)
			_, always := jsonFields(tt.value)
			sort.Strings(req)
			sort.Strings(always)
			if !slices.Equal(req, always) {
				t.Errorf("fields sent even when empty %v, required by the description %v", always, req)
			}
		})
	}
}

// TestEndpointsExist checks every request the client makes against the
// paths, methods and query parameters of the description, by recording the
// client's calls on the emulator.
func TestEndpointsExist(t *testing.T) {
	doc := loadOpenAPI(t)
	srv := newEmulator(t)
	c := newClient(t, srv, 0)
	ctx := testContext(t)

	m, err := srv.PostAsUser(emulator.UserMessage{Text: "hi"})
	if err != nil {
		t.Fatal(err)
	}
	a := srv.AddAttachmentAction(webex.AttachmentAction{MessageID: m.ID})
	_, _ = c.Me(ctx)
	_, _ = c.Person(ctx, m.PersonID)
	sent, _ := c.SendMessage(ctx, &webex.MessageRequest{RoomID: m.RoomID, Text: "x"})
	_, _ = c.Message(ctx, m.ID)
	_, _ = c.ListMessages(ctx, webex.ListMessagesParams{RoomID: m.RoomID, ParentID: m.ID, MentionedPeople: "me", Before: "2030-01-01T00:00:00Z", BeforeMessage: m.ID, Max: 5})
	_ = c.DeleteMessage(ctx, sent.ID)
	_, _ = c.AttachmentAction(ctx, a.ID)
	w, _ := c.CreateWebhook(ctx, webex.WebhookRequest{Name: "n", TargetURL: "http://127.0.0.1:1/", Resource: "messages", Event: "created"})
	_, _ = c.Webhooks(ctx)
	_, _ = c.Webhook(ctx, w.ID)
	_, _ = c.UpdateWebhook(ctx, w.ID, webex.WebhookUpdate{Name: "n", TargetURL: "http://127.0.0.1:1/"})
	_ = c.DeleteWebhook(ctx, w.ID)

	// Map recorded paths to the description's templates.
	templates := map[string]string{
		"/people/me": "/people/me", "/people/" + m.PersonID: "/people/{personId}",
		"/messages": "/messages", "/messages/" + m.ID: "/messages/{messageId}", "/messages/" + sent.ID: "/messages/{messageId}",
		"/attachment/actions/" + a.ID: "/attachment/actions/{id}",
		"/webhooks":                   "/webhooks", "/webhooks/" + w.ID: "/webhooks/{webhookId}",
	}
	seen := map[string]bool{}
	for _, call := range srv.Calls() {
		tmpl, ok := templates[call.Path]
		if !ok {
			t.Errorf("unexpected call %s %s", call.Method, call.Path)
			continue
		}
		seen[call.Method+" "+tmpl] = true
		op := doc.operation(t, call.Method, tmpl)
		q, _ := url.ParseQuery(call.Query)
		for k := range q {
			if !slices.Contains(op.Parameters, openAPIParam{Name: k, In: "query"}) {
				t.Errorf("%s %s: query parameter %q is not in the description", call.Method, tmpl, k)
			}
		}
	}
	if len(seen) != 12 {
		t.Errorf("checked %d distinct endpoints, want 12: %v", len(seen), seen)
	}
}
