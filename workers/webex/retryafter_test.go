package webex

import (
	"net/http"
	"testing"
	"time"
)

func TestParseRetryAfterAt(t *testing.T) {
	now := time.Date(2026, 5, 4, 12, 0, 0, 0, time.UTC)
	date := func(d time.Duration) string { return now.Add(d).Format(http.TimeFormat) }
	tests := []struct {
		name string
		in   string
		want time.Duration
	}{
		{"seconds", "30", 30 * time.Second},
		{"zero means now", "0", 0},
		{"surrounding space", " 7 ", 7 * time.Second},
		{"leading zeros", "007", 7 * time.Second},
		{"exactly the cap", "3600", MaxRetryAfter},
		{"above the cap", "3601", MaxRetryAfter},
		{"huge", "99999999", MaxRetryAfter},
		{"more digits than int64", "123456789012345678901234567890", MaxRetryAfter},
		{"empty", "", FallbackRetryAfter},
		{"blank", "   ", FallbackRetryAfter},
		{"negative", "-1", FallbackRetryAfter},
		{"plus sign", "+5", FallbackRetryAfter},
		{"fraction", "1.5", FallbackRetryAfter},
		{"word", "abc", FallbackRetryAfter},
		{"seen from Webex", "rand(30),add(30)", FallbackRetryAfter},
		{"unit suffix", "30s", FallbackRetryAfter},
		{"http date ahead", date(90 * time.Second), 90 * time.Second},
		{"http date far ahead", date(48 * time.Hour), MaxRetryAfter},
		{"http date now", date(0), FallbackRetryAfter},
		{"http date past", date(-time.Minute), FallbackRetryAfter},
		{"rfc850 date ahead", now.Add(2 * time.Minute).Format(time.RFC850), 2 * time.Minute},
		{"ansi c date ahead", now.Add(3 * time.Minute).Format(time.ANSIC), 3 * time.Minute},
		{"broken date", "Mon, 32 Foo 2026 99:00:00 GMT", FallbackRetryAfter},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ParseRetryAfterAt(tt.in, now); got != tt.want {
				t.Errorf("ParseRetryAfterAt(%q) = %s, want %s", tt.in, got, tt.want)
			}
		})
	}
}

func TestParseRetryAfterUsesTheClock(t *testing.T) {
	in := time.Now().Add(10 * time.Minute).UTC().Format(http.TimeFormat)
	got := ParseRetryAfter(in)
	if got <= 9*time.Minute || got > 10*time.Minute {
		t.Errorf("ParseRetryAfter(date 10 minutes ahead) = %s", got)
	}
}

func FuzzParseRetryAfter(f *testing.F) {
	for _, s := range []string{"30", "-1", "abc", "rand(30),add(30)", "99999999", "Mon, 04 May 2026 12:00:00 GMT", ""} {
		f.Add(s)
	}
	now := time.Date(2026, 5, 4, 12, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, v string) {
		if d := ParseRetryAfterAt(v, now); d < 0 || d > MaxRetryAfter {
			t.Fatalf("ParseRetryAfterAt(%q) = %s, outside [0, %s]", v, d, MaxRetryAfter)
		}
	})
}
