package proctest

// WorkerBotsSettings: every worker binary, which serves each bot of the
// registry.
var WorkerBotsSettings = []string{"BOTS_FILE"}
