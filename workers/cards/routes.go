package cards

// Routes maps the submitted action value to its handler.
type Routes map[string]Handler

// DefaultRoutes are the handlers the cards worker binary and dev mode run
// with. Registering a card handler is one line here: the action value its
// card's submit button carries, and the function.
func DefaultRoutes() Routes {
	return Routes{
		DemoAction: HandlerFunc(Demo),
	}
}
