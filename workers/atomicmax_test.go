package workers

import "sync/atomic"

// atomicMax is a counter that can also track the largest value it saw.
type atomicMax struct{ v atomic.Int64 }

func (a *atomicMax) add(d int64) int64 { return a.v.Add(d) }
func (a *atomicMax) load() int64       { return a.v.Load() }

func (a *atomicMax) observe(n int64) {
	for {
		cur := a.v.Load()
		if n <= cur || a.v.CompareAndSwap(cur, n) {
			return
		}
	}
}
