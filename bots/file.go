package bots

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"

	"go.yaml.in/yaml/v3"
)

// registryFile is the registry file: YAML, or JSON (which YAML reads as
// it is). Unknown keys are refused.
type registryFile struct {
	Bots []fileBot `yaml:"bots"`
}

// fileBot is one bot as written in the file.
type fileBot struct {
	ID        string        `yaml:"id"`
	TokenFile string        `yaml:"token_file"`
	TokenEnv  string        `yaml:"token_env"`
	Webhooks  []fileWebhook `yaml:"webhooks"`
	// MaxPause is the bot's WEBEX_MAX_PAUSE, a duration.
	MaxPause string `yaml:"max_pause"`
	// TargetURL is the bot's WEBHOOK_TARGET.
	TargetURL string `yaml:"target_url"`

	// Token is read only to refuse it: a token written in the file would
	// sit in every copy of the file, in every diff and every backup.
	Token yaml.Node `yaml:"token"`
}

// fileWebhook is one webhook registration as written in the file.
type fileWebhook struct {
	ID         string   `yaml:"id"`
	SecretFile string   `yaml:"secret_file"`
	SecretEnv  string   `yaml:"secret_env"`
	Resources  []string `yaml:"resources"`

	// Secret and Secrets are read only to refuse them, as fileBot.Token.
	Secret  yaml.Node `yaml:"secret"`
	Secrets yaml.Node `yaml:"secrets"`
}

// decodeFile reads a registry file strictly: unknown keys, keys given
// twice, a second document and values of the wrong type are errors
// wrapping ErrFormat. A value quoted by the YAML decoder is left out of the
// error, since it may be a secret written in the wrong place.
func decodeFile(data []byte) (registryFile, error) {
	var f registryFile
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&f); errors.Is(err, io.EOF) {
		return f, fmt.Errorf("%w: the file is empty", ErrFormat)
	} else if err != nil {
		return f, fmt.Errorf("%w: %s", ErrFormat, scrubYAMLError(err))
	}
	var more yaml.Node
	if err := dec.Decode(&more); !errors.Is(err, io.EOF) {
		return f, fmt.Errorf("%w: more than one YAML document", ErrFormat)
	}
	return f, nil
}

// typeError matches a decoder type error, which quotes the value:
// "cannot unmarshal !!str `abc...` into []bots.fileWebhook".
var typeError = regexp.MustCompile("cannot unmarshal !!([a-z]+)(?: `[^`]*`)? into (\\S+)")

// unknownKey matches a decoder error about a key no field has.
var unknownKey = regexp.MustCompile(`field (\S+) not found in type (\S+)`)

// scrubYAMLError keeps what a decoder error says about where and what is
// wrong, without the value and in the registry's words rather than this
// package's type names.
func scrubYAMLError(err error) string {
	s := strings.TrimPrefix(err.Error(), "yaml: ")
	s = strings.TrimPrefix(s, "unmarshal errors:\n  ")
	s = strings.ReplaceAll(s, "\n  ", "; ")
	s = typeError.ReplaceAllStringFunc(s, func(m string) string {
		sub := typeError.FindStringSubmatch(m)
		return "a " + sub[1] + " where " + kindOf(sub[2]) + " belongs"
	})
	return unknownKey.ReplaceAllStringFunc(s, func(m string) string {
		sub := unknownKey.FindStringSubmatch(m)
		return fmt.Sprintf("unknown key %q in %s", sub[1], placeOf(sub[2]))
	})
}

// kindOf names a Go type the decoder wanted as the file's reader sees it.
func kindOf(goType string) string {
	switch {
	case strings.HasPrefix(goType, "[]"):
		return "a list"
	case strings.HasPrefix(goType, "bots."), strings.HasPrefix(goType, "map["):
		return "a mapping"
	case goType == "string":
		return "a string"
	}
	return "a " + goType
}

// placeOf names where an unknown key was found.
func placeOf(goType string) string {
	switch goType {
	case "bots.fileBot":
		return "a bot"
	case "bots.fileWebhook":
		return "a webhook"
	}
	return "the registry"
}

// set reports whether a refused key was given at all.
func set(n yaml.Node) bool { return n.Kind != 0 }
