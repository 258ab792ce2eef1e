package workerkit

import (
	"testing"
	"time"

	"github.com/spf13/pflag"

	"github.com/webexpipe/webexpipe/cmd/process"
	"github.com/webexpipe/webexpipe/workers"
)

func TestParseStartAt(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	at := time.Date(2026, 2, 28, 9, 30, 0, 0, time.UTC)
	tests := []struct {
		name    string
		in      string
		want    workers.StartAt
		wantErr bool
	}{
		{name: "new", in: "new", want: workers.StartNew},
		{name: "empty", in: "", want: workers.StartNew},
		{name: "all, any case", in: "ALL", want: workers.StartAll},
		{name: "time", in: "2026-02-28T09:30:00Z", want: workers.StartTime(at)},
		{name: "time with an offset", in: "2026-02-28T10:30:00+01:00", want: workers.StartTime(at.In(time.FixedZone("", 3600)))},
		{name: "duration ago", in: "2h", want: workers.StartTime(now.Add(-2 * time.Hour))},
		{name: "negative duration", in: "-2h", wantErr: true},
		{name: "zero duration", in: "0s", wantErr: true},
		{name: "date only", in: "2026-02-28", wantErr: true},
		{name: "word", in: "yesterday", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseStartAt(tt.in, now)
			if (err != nil) != tt.wantErr {
				t.Fatalf("ParseStartAt(%q) error %v, want error %v", tt.in, err, tt.wantErr)
			}
			if !tt.wantErr && got.String() != tt.want.String() {
				t.Errorf("ParseStartAt(%q) = %s, want %s", tt.in, got, tt.want)
			}
		})
	}
}

func TestStartAtFlagFromEnv(t *testing.T) {
	var wo WorkerOptions
	fs := pflag.NewFlagSet("test", pflag.ContinueOnError)
	wo.EventOptions.AddFlags(fs)
	if got := wo.Config("w", nil, nil, nil).StartAt; got != workers.StartNew {
		t.Errorf("default start = %s, want new", got)
	}
	if err := process.BindEnv(fs, func(k string) (string, bool) { return "2026-02-28T09:30:00Z", k == "START_AT" }); err != nil {
		t.Fatal(err)
	}
	if got := wo.Config("w", nil, nil, nil).StartAt.String(); got != "time 2026-02-28T09:30:00Z" {
		t.Errorf("START_AT gave %s", got)
	}
	fresh := pflag.NewFlagSet("test", pflag.ContinueOnError)
	(&EventOptions{}).AddFlags(fresh)
	if err := process.BindEnv(fresh, func(k string) (string, bool) { return "soon", k == "START_AT" }); err == nil {
		t.Error("START_AT=soon accepted")
	}
}
