// Command natsgen writes the NATS files of a deployment.
//
//	natsgen [-nats DIR] [-k8s DIR] [-partitions N] [-shards N] [-bots FILE]
//	    regenerate accounts.conf and nats-values.yaml from events.Roles;
//	    with -bots, each worker user may use the consumers of every bot of
//	    the registry FILE (its ids are read; no token or secret is)
//	natsgen keys DIR
//	    an nkey pair per user: DIR/<user>.nk (seed, secret) and
//	    DIR/nkeys.env (the public keys, for the servers' environment)
//	natsgen certs DIR NODE...
//	    a private CA (DIR/ca.crt) and per node DIR/<first name>/ with
//	    ca.crt, server.crt and server.key; a NODE is a comma-separated
//	    list of the names it is reached by. The CA key is not kept.
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/webexpipe/webexpipe/deploy/natsconf"
	"github.com/webexpipe/webexpipe/events"
)

func main() { os.Exit(run(os.Args[1:])) }

func run(args []string) int {
	var err error
	switch {
	case len(args) > 0 && args[0] == "keys":
		err = keys(args[1:])
	case len(args) > 0 && args[0] == "certs":
		err = certs(args[1:])
	default:
		err = generate(args)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "natsgen:", err)
		return 1
	}
	return 0
}

func generate(args []string) error {
	fs := flag.NewFlagSet("natsgen", flag.ContinueOnError)
	natsDir := fs.String("nats", "deploy/nats", "where accounts.conf goes")
	k8sDir := fs.String("k8s", "deploy/k8s", "where nats-values.yaml goes")
	partitions := fs.Int("partitions", events.DefaultPartitions, "partitions of ordered workers (PARTITIONS)")
	shards := fs.Int("shards", events.DefaultShards, "event streams the partitions are split over (EVENTS_SHARDS)")
	botsFile := fs.String("bots", "", "the bot registry (BOTS_FILE) of a deployment serving several bots")
	if err := fs.Parse(args); err != nil {
		return err
	}
	roles, err := natsconf.RolesOf(events.Sharding{Shards: *shards, Partitions: *partitions}, *botsFile)
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(*natsDir, "accounts.conf"), natsconf.Accounts(roles), 0o644); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(*k8sDir, "nats-values.yaml"), natsconf.HelmValues(roles), 0o644)
}

func keys(args []string) error {
	if len(args) != 1 {
		return fmt.Errorf("usage: natsgen keys DIR")
	}
	dir := args[0]
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	var env strings.Builder
	users := []struct{ name, envVar string }{{"sys", natsconf.SysNKeyVar}}
	for _, r := range events.Roles(events.DefaultSharding()) {
		users = append(users, struct{ name, envVar string }{r.User, natsconf.NKeyVar(r.User)})
	}
	for _, u := range users {
		seed, public, err := natsconf.NewUserKey()
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(dir, u.name+".nk"), seed, 0o600); err != nil {
			return err
		}
		fmt.Fprintf(&env, "%s=%s\n", u.envVar, public)
	}
	return os.WriteFile(filepath.Join(dir, "nkeys.env"), []byte(env.String()), 0o644)
}

func certs(args []string) error {
	if len(args) < 2 {
		return fmt.Errorf("usage: natsgen certs DIR NODE...")
	}
	dir := args[0]
	const validity = 2 * 365 * 24 * time.Hour
	ca, err := natsconf.NewCA("webexpipe NATS CA", validity)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "ca.crt"), ca.CertPEM, 0o644); err != nil {
		return err
	}
	for _, node := range args[1:] {
		names := strings.Split(node, ",")
		cert, key, err := ca.Issue(validity, names...)
		if err != nil {
			return err
		}
		nodeDir := filepath.Join(dir, strings.ReplaceAll(names[0], "*", "_"))
		if err := os.MkdirAll(nodeDir, 0o755); err != nil {
			return err
		}
		for name, b := range map[string][]byte{"ca.crt": ca.CertPEM, "server.crt": cert} {
			if err := os.WriteFile(filepath.Join(nodeDir, name), b, 0o644); err != nil {
				return err
			}
		}
		if err := os.WriteFile(filepath.Join(nodeDir, "server.key"), key, 0o600); err != nil {
			return err
		}
	}
	return nil
}
