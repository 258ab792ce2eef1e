package natsconf_test

import (
	"bytes"
	"os"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/webexpipe/webexpipe/deploy/natsconf"
	"github.com/webexpipe/webexpipe/events"
)

// TestGeneratedFilesUpToDate fails when accounts.conf or the Helm values
// differ from what events.Roles generates: someone edited them by hand, or
// changed the roles without running go generate ./deploy/natsconf.
func TestGeneratedFilesUpToDate(t *testing.T) {
	roles := events.Roles(events.DefaultSharding())
	for _, tc := range []struct {
		file string
		want []byte
	}{
		{"../nats/accounts.conf", natsconf.Accounts(roles)},
		{"../k8s/nats-values.yaml", natsconf.HelmValues(roles)},
	} {
		got, err := os.ReadFile(tc.file)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, tc.want) {
			t.Errorf("%s differs from what events.Roles generates: run go generate ./deploy/natsconf", tc.file)
		}
	}
}

// TestHelmUsersMatchRoles reads the Helm values as YAML (as Helm would)
// and checks that every role is there with its permissions.
func TestHelmUsersMatchRoles(t *testing.T) {
	var v struct {
		Config struct {
			Merge struct {
				Accounts map[string]struct {
					Users []struct {
						NKey        string `yaml:"nkey"`
						Permissions *struct {
							Publish   struct{ Allow []string } `yaml:"publish"`
							Subscribe struct{ Allow []string } `yaml:"subscribe"`
						} `yaml:"permissions"`
					} `yaml:"users"`
				} `yaml:"accounts"`
			} `yaml:"merge"`
		} `yaml:"config"`
	}
	if err := yaml.Unmarshal(natsconf.HelmValues(events.Roles(events.DefaultSharding())), &v); err != nil {
		t.Fatal(err)
	}
	users := v.Config.Merge.Accounts[natsconf.Account].Users
	roles := events.Roles(events.DefaultSharding())
	if len(users) != len(roles) {
		t.Fatalf("%d users in the Helm values, want %d", len(users), len(roles))
	}
	for i, r := range roles {
		u := users[i]
		if u.NKey != "<< $"+natsconf.NKeyVar(r.User)+" >>" {
			t.Errorf("user %d: nkey %q, want %s", i, u.NKey, natsconf.NKeyVar(r.User))
		}
		if r.Unrestricted != (u.Permissions == nil) {
			t.Errorf("%s: permissions %v, unrestricted %v", r.User, u.Permissions, r.Unrestricted)
			continue
		}
		if u.Permissions != nil && (len(u.Permissions.Publish.Allow) != len(r.Publish) || len(u.Permissions.Subscribe.Allow) != len(r.Subscribe)) {
			t.Errorf("%s: permissions differ from the role", r.User)
		}
	}
}
