// Package inspect reads the stored events for an operator: the newest
// events of a window, filtered by resource, event and room (List), and one
// event in full with its signature checked again (Get, Verify). It only
// reads; `webexpipe events` is a thin layer over it.
package inspect
