package shipped

import (
	"slices"

	"github.com/webexpipe/webexpipe/events"
	"github.com/webexpipe/webexpipe/workers/cards"
	"github.com/webexpipe/webexpipe/workers/echo"
)

// Events are the events of the worker types webexpipe ships that need a
// webhook (echo and cards): what a deployment of all of them must have
// Webex deliver.
func Events() []events.ResourceEvent {
	return slices.Concat(echo.Events, cards.Events)
}
