package bots

import (
	"reflect"
	"testing"
)

func TestLookups(t *testing.T) {
	r := mustParse(t, twoBotsYAML, twoBotsOptions())
	if r.Len() != 2 {
		t.Fatalf("Len = %d", r.Len())
	}
	if b, ok := r.Bot("support"); !ok || b.ID != "support" {
		t.Errorf("Bot(support) = %v, %v", b, ok)
	}
	for _, id := range []string{"nobody", "", "Support"} {
		if _, ok := r.Bot(id); ok {
			t.Errorf("Bot(%q) found", id)
		}
	}
	b, w, ok := r.Webhook("hookA")
	if !ok || b.ID != "support" || w.ID != "hookA" {
		t.Fatalf("Webhook(hookA) = %v, %v, %v", b, w, ok)
	}
	if got := reveal(w.Secrets); !reflect.DeepEqual(got, []string{"new-secret", "old-secret"}) {
		t.Errorf("hookA's secrets = %q; want that registration's only", got)
	}
	for _, id := range []string{"", "hookB"} {
		if _, _, ok := r.Webhook(id); ok {
			t.Errorf("Webhook(%q) found", id)
		}
	}
	// A delivery of support's webhook that is not registered yet is
	// checked against all of support's secrets.
	if got := reveal(b.Secrets()); !reflect.DeepEqual(got, []string{"new-secret", "old-secret", "cards-secret"}) {
		t.Errorf("support's secrets = %q", got)
	}
}

// TestIDsAreStable: the same bots in another order give the same list.
func TestIDsAreStable(t *testing.T) {
	doc := func(ids ...string) string {
		s := "bots:\n"
		for _, id := range ids {
			s += "  - {id: " + id + ", token_env: T_" + id + ", webhooks: [{secret_env: S_" + id + "}]}\n"
		}
		return s
	}
	o := Options{LookupEnv: env(map[string]string{"T_c": "t1", "T_a": "t2", "T_b": "t3", "T_a_2": "t4", "S_c": "1", "S_a": "2", "S_b": "3", "S_a_2": "4"})}
	want := []string{"a", "a_2", "b", "c"}
	for _, order := range [][]string{{"c", "a", "b", "a_2"}, {"a_2", "b", "c", "a"}} {
		r := mustParse(t, doc(order...), o)
		if got := r.IDs(); !reflect.DeepEqual(got, want) {
			t.Errorf("IDs of %v = %v, want %v", order, got, want)
		}
		var got []string
		for _, b := range r.Bots() {
			got = append(got, b.ID)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("Bots of %v in order %v, want %v", order, got, want)
		}
	}
}

func TestValidID(t *testing.T) {
	for id, want := range map[string]bool{
		"a": true, "support": true, "bot_2": true, "a1234567890123456789012345678901": true,
		"": false, "A": false, "1a": false, "_a": false, "a-b": false, "a.b": false, "a b": false, "é": false,
		"a12345678901234567890123456789012": false,
	} {
		if ValidID(id) != want {
			t.Errorf("ValidID(%q) = %v", id, !want)
		}
	}
}
