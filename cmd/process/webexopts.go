package process

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/webexpipe/webexpipe/workers/webex"
)

// WebexOptions say how to reach the Webex API.
type WebexOptions struct {
	Token     string
	TokenFile string
	APIURL    string
	Timeout   time.Duration
}

// AddFlags registers the Webex API settings.
func (o *WebexOptions) AddFlags(fs *pflag.FlagSet) {
	fs.StringVar(&o.Token, "webex-token", "", "the bot's access token (prefer --webex-token-file)")
	fs.StringVar(&o.TokenFile, "webex-token-file", "", "file holding the bot's access token")
	fs.StringVar(&o.APIURL, "webex-api-url", webex.DefaultBaseURL, "base URL of the Webex REST API")
	fs.DurationVar(&o.Timeout, "webex-timeout", 30*time.Second, "timeout of one Webex API call")
}

// ResolveToken returns the token from the flag or, when empty, from the file.
func (o WebexOptions) ResolveToken() (string, error) {
	if o.Token != "" || o.TokenFile == "" {
		return o.Token, nil
	}
	b, err := os.ReadFile(o.TokenFile)
	if err != nil {
		return "", fmt.Errorf("webex token file: %w", err)
	}
	return strings.TrimSpace(string(b)), nil
}

// Client builds the Webex client.
func (o WebexOptions) Client() (*webex.Client, error) {
	token, err := o.ResolveToken()
	if err != nil {
		return nil, err
	}
	if token == "" {
		return nil, errNoToken
	}
	return o.clientWith(token)
}

var errNoToken = errors.New("no Webex token: set WEBEX_TOKEN or WEBEX_TOKEN_FILE")

// clientWith builds the Webex client that calls with token.
func (o WebexOptions) clientWith(token string) (*webex.Client, error) {
	return webex.New(webex.Config{BaseURL: o.APIURL, Token: token, Timeout: o.Timeout, UserAgent: "webexpipe"})
}
