package natsconf

import (
	"github.com/webexpipe/webexpipe/bots"
	"github.com/webexpipe/webexpipe/events"
)

// RolesOf are the users of a deployment whose events are split as s says
// and that serves the bots of the registry file botsFile ("" serves the
// bot of the single-bot settings alone): what natsgen writes. Only the
// bots' ids are read from the registry, no token and no secret, so it can
// run where the secrets are not.
func RolesOf(s events.Sharding, botsFile string) ([]events.Role, error) {
	if err := s.Validate(); err != nil {
		return nil, err
	}
	var ids []string
	if botsFile != "" {
		r, err := bots.LoadFile(botsFile, bots.Options{SkipTokens: true, SkipSecrets: true, Unsigned: true})
		if err != nil {
			return nil, err
		}
		ids = r.IDs()
	}
	return events.Roles(s, ids...), nil
}
