package events

import (
	"hash/fnv"
	"testing"
)

// TestPartitionIsFNV1a: Partition must keep mapping a room to the partition
// it always has (hash/fnv's FNV-1a), or a room's events would change
// partition, and order, across an upgrade.
func TestPartitionIsFNV1a(t *testing.T) {
	for _, key := range []string{"", "r", "Y2lzY29zcGFyazovL3VzL1JPT00vNzBjOTBhMWQtN2QzMC00Zjg1", "é\x00\xff"} {
		for _, n := range []int{1, 7, 16, 1 << 20} {
			h := fnv.New32a()
			h.Write([]byte(key))
			if got, want := Partition(key, n), int(h.Sum32()%uint32(n)); got != want {
				t.Errorf("Partition(%q, %d) = %d, want %d", key, n, got, want)
			}
		}
	}
}

func TestDedupKeyFormat(t *testing.T) {
	env := &Envelope{Resource: "memberships", Event: "updated", Data: Data{ID: "x"}}
	// sha256("a") starts ca978112ca1bbdcafac231b3.
	if got, want := DedupKey(env, []byte("a")), "memberships:updated:x:ca978112ca1bbdcafac231b3"; got != want {
		t.Errorf("DedupKey = %q, want %q", got, want)
	}
	env.Event = "deleted"
	if got, want := DedupKey(env, []byte("a")), "memberships:deleted:x"; got != want {
		t.Errorf("DedupKey = %q, want %q", got, want)
	}
}
