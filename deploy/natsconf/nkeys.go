package natsconf

import (
	"fmt"
	"strings"

	"github.com/nats-io/nkeys"
)

// SysNKeyVar is the environment variable holding the public nkey of the
// system account's user (sys), for the server's own monitoring requests.
const SysNKeyVar = "NATS_SYS_NKEY"

// NKeyVar is the environment variable of nats-server holding the public
// nkey of user: WEBEXPIPE_<USER>_NKEY. Public keys are not secret.
func NKeyVar(user string) string { return "WEBEXPIPE_" + strings.ToUpper(user) + "_NKEY" }

// NewUserKey makes a user nkey pair: the seed (secret, for the binary's
// NATS_NKEY_SEED file) and the public key (for the server's NKeyVar).
func NewUserKey() (seed []byte, public string, err error) {
	kp, err := nkeys.CreateUser()
	if err != nil {
		return nil, "", fmt.Errorf("create nkey: %w", err)
	}
	if seed, err = kp.Seed(); err != nil {
		return nil, "", fmt.Errorf("nkey seed: %w", err)
	}
	if public, err = kp.PublicKey(); err != nil {
		return nil, "", fmt.Errorf("nkey public key: %w", err)
	}
	return seed, public, nil
}
