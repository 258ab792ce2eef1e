package cards

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/webexpipe/webexpipe/workers/webex/adaptive"
)

// Demo answers the demo card: a summary of what was submitted, or what is
// missing or wrong. A client checks the card's required input before
// submitting, but a submission can come from any client (or a hand-made
// request), so every input is checked again here.
func Demo(_ context.Context, s *Submission) (Reply, error) {
	var problems []string
	name := strings.TrimSpace(s.Input(demoName))
	switch {
	case name == "":
		problems = append(problems, fmt.Sprintf("**%s** is missing", labelName))
	case len(name) > demoNameMax:
		problems = append(problems, fmt.Sprintf("**%s** is longer than %d characters", labelName, demoNameMax))
	}
	guests, ok := demoCount(s.Input(demoGuests))
	if !ok {
		problems = append(problems, fmt.Sprintf("**%s** must be a whole number from %d to %d, not %s",
			labelGuests, demoGuestsMin, demoGuestsMax, quote(s.Input(demoGuests))))
	}
	topic, ok := demoChoice(s.Input(demoTopic))
	if !ok {
		problems = append(problems, fmt.Sprintf("**%s** must be one of the choices, not %s", labelTopic, quote(s.Input(demoTopic))))
	}
	updates, ok := demoToggle(s.Input(demoUpdates))
	if !ok {
		problems = append(problems, fmt.Sprintf("**%s** must be true or false, not %s", labelUpdates, quote(s.Input(demoUpdates))))
	}
	date, ok := demoDay(s.Input(demoDate))
	if !ok {
		problems = append(problems, fmt.Sprintf("**%s** must be a date like 2026-06-01, not %s", labelDate, quote(s.Input(demoDate))))
	}
	if len(problems) > 0 {
		return Text("Almost there: the form needs another look.\n\n- " + strings.Join(problems, "\n- ") +
			"\n\nPlease fix it in the card and press **Send** again."), nil
	}
	return Text(fmt.Sprintf("**Thanks, %s!** The demo form sent:\n\n", escape(name)) + strings.Join([]string{
		fmt.Sprintf("- **%s:** %s", labelName, escape(name)),
		fmt.Sprintf("- **%s:** %s", labelGuests, guests),
		fmt.Sprintf("- **%s:** %s", labelTopic, topic),
		fmt.Sprintf("- **%s:** %s", labelUpdates, updates),
		fmt.Sprintf("- **%s:** %s", labelDate, date),
	}, "\n")), nil
}

// notGiven shows an optional input left empty.
const notGiven = "_not given_"

// demoCount reads the number of people: empty, or a whole number in range
// (clients may submit "3" or "3.0").
func demoCount(v string) (string, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return notGiven, true
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || f != math.Trunc(f) || f < demoGuestsMin || f > demoGuestsMax {
		return "", false
	}
	return strconv.Itoa(int(f)), true
}

// demoChoice reads the topic: empty, or the value of one of its choices,
// shown by the choice's title.
func demoChoice(v string) (string, bool) {
	if v == "" {
		return notGiven, true
	}
	i := slices.IndexFunc(demoTopics, func(c adaptive.Choice) bool { return c.Value == v })
	if i < 0 {
		return "", false
	}
	return demoTopics[i].Title, true
}

// demoToggle reads the toggle's valueOn/valueOff; a missing toggle is off.
func demoToggle(v string) (string, bool) {
	switch v {
	case "true":
		return "yes", true
	case "false", "":
		return "no", true
	}
	return "", false
}

// demoDay reads the date: empty, or YYYY-MM-DD as Input.Date submits it.
func demoDay(v string) (string, bool) {
	if v == "" {
		return notGiven, true
	}
	d, err := time.Parse(time.DateOnly, v)
	if err != nil {
		return "", false
	}
	return d.Format(time.DateOnly), true
}

// quote shows a rejected value, cut and escaped.
func quote(v string) string {
	if v == "" {
		return "empty"
	}
	return "“" + escape(short(v, 40)) + "”"
}
