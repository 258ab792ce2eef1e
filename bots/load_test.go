package bots

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// validationOptions resolve every reference the cases below use.
func validationOptions() Options {
	return Options{
		ReadFile: files(map[string]string{
			"/s/token":  "a-token",
			"/s/secret": "a-secret",
			"/s/other":  "other-secret",
			"/s/empty":  " \n\n",
		}),
		LookupEnv: env(map[string]string{"TOKEN": "env-token", "TOKEN2": "a-token", "SECRET": "env-secret", "BLANK": " , "}),
	}
}

// TestValidation: each problem is reported as a *FieldError naming the
// bot (or its position, when its id is the problem) and the field, with a
// reason to match.
func TestValidation(t *testing.T) {
	const hook = "\n    webhooks: [{secret_file: /s/secret}]"
	tests := []struct {
		name  string
		doc   string
		bot   string // FieldError.Bot
		index int    // FieldError.Index
		field string
		want  error
	}{
		{name: "no id", doc: "bots:\n  - token_file: /s/token" + hook, field: "id", want: ErrMissing},
		{name: "id with a capital", doc: "bots:\n  - id: Support\n    token_file: /s/token" + hook, field: "id", want: ErrBadID},
		{name: "id with a dot", doc: "bots:\n  - id: a.b\n    token_file: /s/token" + hook, field: "id", want: ErrBadID},
		{name: "id starting with a digit", doc: "bots:\n  - id: 1a\n    token_file: /s/token" + hook, field: "id", want: ErrBadID},
		{name: "id too long", doc: "bots:\n  - id: a" + strings.Repeat("b", 32) + "\n    token_file: /s/token" + hook, field: "id", want: ErrBadID},
		{name: "id twice", doc: "bots:\n  - id: a\n    token_file: /s/token" + hook + "\n  - id: a\n    token_env: TOKEN\n    webhooks: [{secret_env: SECRET}]",
			bot: "a", index: 1, field: "id", want: ErrDuplicate},
		{name: "inline token", doc: "bots:\n  - id: a\n    token: abc" + hook, bot: "a", field: "token", want: ErrInlineSecret},
		{name: "inline secret", doc: "bots:\n  - id: a\n    token_file: /s/token\n    webhooks: [{secret: abc}]", bot: "a", field: "webhooks[0].secret", want: ErrInlineSecret},
		{name: "inline secrets", doc: "bots:\n  - id: a\n    token_file: /s/token\n    webhooks: [{secrets: [abc]}]", bot: "a", field: "webhooks[0].secrets", want: ErrInlineSecret},
		{name: "no token", doc: "bots:\n  - id: a" + hook, bot: "a", field: "token_file", want: ErrMissing},
		{name: "two tokens", doc: "bots:\n  - id: a\n    token_file: /s/token\n    token_env: TOKEN" + hook, bot: "a", field: "token_file", want: ErrConflict},
		{name: "token file missing", doc: "bots:\n  - id: a\n    token_file: /s/nothing" + hook, bot: "a", field: "token_file", want: fs.ErrNotExist},
		{name: "token file empty", doc: "bots:\n  - id: a\n    token_file: /s/empty" + hook, bot: "a", field: "token_file", want: ErrSecretRef},
		{name: "token variable unset", doc: "bots:\n  - id: a\n    token_env: NOPE" + hook, bot: "a", field: "token_env", want: ErrSecretRef},
		{name: "no webhooks", doc: "bots:\n  - id: a\n    token_file: /s/token", bot: "a", field: "webhooks", want: ErrMissing},
		{name: "webhook without a secret", doc: "bots:\n  - id: a\n    token_file: /s/token\n    webhooks: [{resources: [messages]}]", bot: "a", field: "webhooks[0].secret_file", want: ErrMissing},
		{name: "secret file empty", doc: "bots:\n  - id: a\n    token_file: /s/token\n    webhooks: [{secret_file: /s/empty}]", bot: "a", field: "webhooks[0].secret_file", want: ErrSecretRef},
		{name: "secret variable blank", doc: "bots:\n  - id: a\n    token_file: /s/token\n    webhooks: [{secret_env: BLANK}]", bot: "a", field: "webhooks[0].secret_env", want: ErrSecretRef},
		{name: "bad resource", doc: "bots:\n  - id: a\n    token_file: /s/token\n    webhooks: [{secret_file: /s/secret, resources: [messages/created/x]}]", bot: "a", field: "webhooks[0].resources", want: ErrBadValue},
		{name: "resource twice", doc: "bots:\n  - id: a\n    token_file: /s/token\n    webhooks: [{secret_file: /s/secret, resources: [messages, messages/created]}]", bot: "a", field: "webhooks[0].resources", want: ErrDuplicate},
		{name: "webhook id with two resources", doc: "bots:\n  - id: a\n    token_file: /s/token\n    webhooks: [{id: h1, secret_file: /s/secret, resources: [messages, attachmentActions]}]", bot: "a", field: "webhooks[0].resources", want: ErrBadValue},
		{name: "webhook id with a space", doc: "bots:\n  - id: a\n    token_file: /s/token\n    webhooks: [{id: h 1, secret_file: /s/secret}]", bot: "a", field: "webhooks[0].id", want: ErrBadID},
		{name: "webhook id twice in a bot", doc: "bots:\n  - id: a\n    token_file: /s/token\n    webhooks: [{id: h1, secret_file: /s/secret}, {id: h1, secret_file: /s/secret}]", bot: "a", field: "webhooks[1].id", want: ErrDuplicate},
		{name: "webhook id of two bots", doc: "bots:\n  - id: a\n    token_file: /s/token\n    webhooks: [{id: h1, secret_file: /s/secret}]\n  - id: b\n    token_env: TOKEN\n    webhooks: [{id: h1, secret_env: SECRET}]",
			bot: "b", index: 1, field: "webhooks[0].id", want: ErrDuplicate},
		{name: "secret shared by two bots", doc: "bots:\n  - id: a\n    token_file: /s/token\n    webhooks: [{secret_file: /s/secret}]\n  - id: b\n    token_env: TOKEN\n    webhooks: [{secret_env: SECRET}, {secret_file: /s/secret}]",
			bot: "b", index: 1, field: "webhooks[1]", want: ErrSharedSecret},
		{name: "token shared by two bots", doc: "bots:\n  - id: a\n    token_file: /s/token\n    webhooks: [{secret_file: /s/secret}]\n  - id: b\n    token_env: TOKEN2\n    webhooks: [{secret_env: SECRET}]",
			bot: "b", index: 1, field: "token_env", want: ErrSharedSecret},
		{name: "bad max_pause", doc: "bots:\n  - id: a\n    token_file: /s/token\n    max_pause: 5" + hook, bot: "a", field: "max_pause", want: ErrBadValue},
		{name: "negative max_pause", doc: "bots:\n  - id: a\n    token_file: /s/token\n    max_pause: -1m" + hook, bot: "a", field: "max_pause", want: ErrBadValue},
		{name: "relative target_url", doc: "bots:\n  - id: a\n    token_file: /s/token\n    target_url: /webhooks" + hook, bot: "a", field: "target_url", want: ErrBadValue},
		{name: "target_url with a password", doc: "bots:\n  - id: a\n    token_file: /s/token\n    target_url: https://u:p@example.com/" + hook, bot: "a", field: "target_url", want: ErrBadValue},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := Parse([]byte(tt.doc), validationOptions())
			if r != nil || !errors.Is(err, ErrInvalid) {
				t.Fatalf("Parse = %v, %v; want ErrInvalid", r, err)
			}
			ps := problems(err)
			if len(ps) != 1 {
				t.Fatalf("want one problem, got %d: %v", len(ps), err)
			}
			p := ps[0]
			if p.Bot != tt.bot || p.Index != tt.index || p.Field != tt.field || !errors.Is(p, tt.want) {
				t.Errorf("got bot %q index %d field %q: %v\nwant bot %q index %d field %q, %v", p.Bot, p.Index, p.Field, p, tt.bot, tt.index, tt.field, tt.want)
			}
			where := "bot " + tt.bot
			if tt.bot == "" {
				where = fmt.Sprintf("bots[%d]", tt.index)
			}
			if !strings.HasPrefix(p.Error(), where+": "+tt.field+": ") {
				t.Errorf("error %q does not start with the bot and the field", p)
			}
		})
	}
}

// TestEveryProblemIsReported: one load lists them all, so an operator
// fixes a file in one go.
func TestEveryProblemIsReported(t *testing.T) {
	doc := "bots:\n  - id: A\n  - id: b\n    token: x\n    webhooks: [{}]\n  - id: c\n    token_env: NOPE\n    webhooks: [{secret_env: NOPE}]\n"
	_, err := Parse([]byte(doc), validationOptions())
	got := map[string]bool{}
	for _, p := range problems(err) {
		got[fmt.Sprintf("%d %s %s", p.Index, p.Bot, p.Field)] = true
	}
	for _, want := range []string{"0  id", "0  token_file", "0  webhooks", "1 b token", "1 b webhooks[0].secret_file", "2 c token_env", "2 c webhooks[0].secret_env"} {
		if !got[want] {
			t.Errorf("problem %q not reported; got %v", want, got)
		}
	}
}

func TestUnsignedAllowsNoSecret(t *testing.T) {
	doc := "bots:\n  - id: a\n    token_file: /s/token\n    webhooks: [{resources: [messages]}]\n"
	o := validationOptions()
	o.Unsigned = true
	r := mustParse(t, doc, o)
	b, _ := r.Bot("a")
	if len(b.Secrets()) != 0 {
		t.Errorf("secrets: %d, want none", len(b.Secrets()))
	}
	o.Unsigned = false
	if _, err := Parse([]byte(doc), o); !errors.Is(err, ErrMissing) {
		t.Errorf("without Unsigned: %v, want ErrMissing", err)
	}
}

// A process that does not use the tokens (ingest) or the secrets (a
// worker) reads none of them, but the file must still name them.
func TestSkipTokensAndSecrets(t *testing.T) {
	doc := "bots:\n  - id: a\n    token_file: /s/token\n    webhooks: [{secret_file: /s/secret}]\n"
	read := 0
	o := validationOptions()
	o.ReadFile = func(name string) ([]byte, error) {
		read++
		return nil, fs.ErrNotExist
	}
	o.SkipTokens, o.SkipSecrets = true, true
	r := mustParse(t, doc, o)
	b, _ := r.Bot("a")
	if !b.Token.IsZero() || len(b.Secrets()) != 0 || b.TokenSource != SourceFile || read != 0 {
		t.Errorf("token %v (%s), %d secrets, %d files read", b.Token.IsZero(), b.TokenSource, len(b.Secrets()), read)
	}
	o = validationOptions()
	o.SkipSecrets = true
	b, _ = mustParse(t, doc, o).Bot("a")
	if b.Token.Reveal() != "a-token" || len(b.Secrets()) != 0 {
		t.Errorf("SkipSecrets: token read %v, %d secrets", b.Token.Reveal() == "a-token", len(b.Secrets()))
	}
	o.SkipTokens = true
	if _, err := Parse([]byte("bots:\n  - id: a\n    webhooks: [{secret_file: /s/secret}]\n"), o); !errors.Is(err, ErrMissing) {
		t.Errorf("no token named: %v, want ErrMissing", err)
	}
}

func TestBotCountIsBounded(t *testing.T) {
	registry := func(n int) string {
		var b strings.Builder
		b.WriteString("bots:\n")
		for i := range n {
			fmt.Fprintf(&b, "  - {id: b%d, token_env: T%d, webhooks: [{secret_env: S%d}]}\n", i, i, i)
		}
		return b.String()
	}
	vars := map[string]string{}
	for i := range MaxBots + 1 {
		vars[fmt.Sprintf("T%d", i)] = fmt.Sprintf("token-%d", i)
		vars[fmt.Sprintf("S%d", i)] = fmt.Sprintf("secret-%d", i)
	}
	o := Options{LookupEnv: env(vars)}
	if r := mustParse(t, registry(MaxBots), o); r.Len() != MaxBots {
		t.Fatalf("Len = %d, want %d", r.Len(), MaxBots)
	}
	if _, err := Parse([]byte(registry(MaxBots+1)), o); !errors.Is(err, ErrTooManyBots) {
		t.Fatalf("%d bots: %v, want ErrTooManyBots", MaxBots+1, err)
	}
}

func TestNoBots(t *testing.T) {
	if _, err := Parse([]byte("bots: []\n"), Options{}); !errors.Is(err, ErrMissing) {
		t.Fatalf("err = %v, want ErrMissing", err)
	}
}

// TestLoadFileRelativePaths: a relative reference starts from the
// registry's folder, not from where the command runs.
func TestLoadFileRelativePaths(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) {
		t.Helper()
		if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, name)), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write("secrets/token", "tok\n")
	write("secrets/hook", "hook-secret\n")
	write("bots.yaml", "bots:\n  - id: a\n    token_file: secrets/token\n    webhooks: [{secret_file: secrets/hook}]\n")
	r, err := LoadFile(filepath.Join(dir, "bots.yaml"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := r.Bot("a")
	if b.Token.Reveal() != "tok" || b.Secrets()[0].Reveal() != "hook-secret" {
		t.Errorf("read %q and %q", b.Token.Reveal(), b.Secrets()[0].Reveal())
	}
	if _, err := LoadFile(filepath.Join(dir, "nothing.yaml"), Options{}); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing registry: %v", err)
	}
}
