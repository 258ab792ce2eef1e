// Package workerkit builds worker binaries: the settings every worker
// shares (the consumer runtime, where a new worker type starts, how it
// calls Webex), and the lifecycle (connect to NATS, serve /metrics and the
// health endpoints, run until SIGTERM, drain in order). The shipped worker
// binaries are built with it, and so is a bot team's own, in its own
// module:
//
//	func main() {
//		os.Exit(process.Execute(workerkit.BotCommand(workerkit.Bot{
//			Binary: "dice-worker", Worker: "dice", MetricsAddr: ":9095",
//			Events: []events.ResourceEvent{{Resource: "messages", Event: "created"}},
//			Handler: func(api *webexcall.Client, log *slog.Logger, reg prometheus.Registerer) (workers.Handler, error) {
//				return commands.New(api, commands.Config{Worker: "dice", Commands: ..., Identity: api.Identity(), Logger: log, Metrics: reg})
//			},
//		})))
//	}
//
// BotCommand covers a worker type whose handler calls Webex; WorkerCommand
// with RunWorker covers anything else (see cmd/membership-worker).
package workerkit
