// Package e2e proves the shipped deployment by running it: the services of
// deploy/compose/compose.yaml as local processes (a 3-node nats-server
// cluster from deploy/nats/cluster.conf with TLS routes and the generated
// users, provisioning as admin, every binary as its own NATS user with
// PROVISION=false, two ingests behind Debian's nginx with
// deploy/nginx/webexpipe.conf), against the Webex emulator over real HTTP.
//
// The commands, environment, secrets and mounts come from the compose
// file itself; the test only supplies the ${VAR} values, the secret files
// (nkeys and certificates made at run time), and a loopback port for each
// service host name, so the file cannot drift from what is tested.
//
// The package has no code outside its tests; `make test-deploy` runs them
// (WEBEXPIPE_DEPLOY_TEST=1). Without nginx the test skips, saying so.
package e2e
