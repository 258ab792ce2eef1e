package webex

import (
	"crypto/sha256"
	"encoding/hex"
)

// tokenKeyDomain separates TokenKey's hash from any other hash of a token.
const tokenKeyDomain = "webexpipe token key v1\x00"

// TokenKey identifies the client's token without revealing it: 32 hex
// characters of SHA-256 over a fixed prefix and the token. Processes that
// share state per bot token, such as the rate-limit pause every worker of a
// bot obeys, use it as a key, so the token itself never reaches a KV bucket,
// a log line or a metric. A bot token is long and random: the hash cannot be
// turned back into it.
func (c *Client) TokenKey() string {
	sum := sha256.Sum256([]byte(tokenKeyDomain + c.token))
	return hex.EncodeToString(sum[:16])
}
