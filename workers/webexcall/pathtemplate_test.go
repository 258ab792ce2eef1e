package webexcall_test

import (
	"testing"

	"github.com/webexpipe/webexpipe/workers/webexcall"
)

func TestTemplate(t *testing.T) {
	for path, want := range map[string]string{
		"/messages":                           "/messages",
		"/messages/Y2lzY29zcGFyazovL3Vz":      "/messages/{id}",
		"/people/me":                          "/people/me",
		"/attachment/actions/Y2lzY29zcGFyaz8": "/attachment/actions/{id}",
		"/webhooks/abc%2Fdef":                 "/webhooks/{id}",
	} {
		t.Run(path, func(t *testing.T) {
			if got := webexcall.Template(path); got != want {
				t.Errorf("Template(%q) = %q, want %q", path, got, want)
			}
		})
	}
}
