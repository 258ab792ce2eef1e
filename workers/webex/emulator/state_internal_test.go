package emulator

import "testing"

func TestAppendRecordKeepsTheNewestInOrder(t *testing.T) {
	var list []int
	for i := range 3*maxRecords + 7 {
		list = appendRecord(list, i)
		if len(list) > maxRecords+maxRecords/4 {
			t.Fatalf("after %d appends the list holds %d records", i+1, len(list))
		}
	}
	if len(list) < maxRecords {
		t.Fatalf("the list holds %d records, want at least %d", len(list), maxRecords)
	}
	last := 3*maxRecords + 6
	for i, v := range list {
		if want := last - (len(list) - 1 - i); v != want {
			t.Fatalf("list[%d] = %d, want %d", i, v, want)
		}
	}
}
