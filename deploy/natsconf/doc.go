// Package natsconf turns the NATS users declared in events.Roles into the
// files a deployment runs with: deploy/nats/accounts.conf for nats-server
// (compose, bare metal) and deploy/k8s/nats-values.yaml for the NATS Helm
// chart. Both are generated (go generate ./deploy/natsconf) and a test fails
// when a checked-in copy differs, so the servers' permissions cannot drift
// from the subjects the code uses.
//
// Users authenticate with nkeys: the server holds only public keys (from
// the environment, WEBEXPIPE_<USER>_NKEY), each binary its own seed file
// (NATS_NKEY_SEED). No password exists to leak from a server's config.
//
// It also makes what a deployment needs to start from nothing: a user's
// nkey pair, and a private CA with node certificates for TLS on the client
// and route ports (NewCA, CA.Issue). The tests use the same code at run
// time; no private key is committed.
package natsconf

//go:generate go run ./natsgen -nats ../nats -k8s ../k8s
