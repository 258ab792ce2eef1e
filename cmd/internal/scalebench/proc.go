package main

import (
	"os"
	"strconv"
	"strings"

	"github.com/webexpipe/webexpipe/cmd/internal/procrun"
	"github.com/webexpipe/webexpipe/cmd/internal/procstat"
)

// startProcess runs bin with PATH, HOME and env only (the caller's shell
// settings must not leak into what is measured) and its output in
// dir/name.log.
func startProcess(dir, name, bin string, env []string, args ...string) (*procrun.Process, error) {
	return procrun.Start(dir, name, bin, append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME")}, env...), args...)
}

// cpuOf sums the CPU seconds of processes.
func cpuOf(ps []*procrun.Process) float64 {
	var sum float64
	for _, p := range ps {
		sum += procstat.CPUSeconds(p.PID())
	}
	return sum
}

// machineCPU is the machine's busy and total CPU time so far, in clock
// ticks summed over every core, from the first line of /proc/stat. Busy is
// everything but idle and iowait; other users of the machine count too.
type machineCPU struct{ busy, total float64 }

func readMachineCPU() machineCPU {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return machineCPU{}
	}
	line, _, _ := strings.Cut(string(b), "\n")
	return parseMachineCPU(line)
}

func parseMachineCPU(line string) machineCPU {
	f := strings.Fields(line)
	if len(f) < 6 || f[0] != "cpu" {
		return machineCPU{}
	}
	var m machineCPU
	for i, v := range f[1:] {
		n, _ := strconv.ParseFloat(v, 64)
		if i >= 8 { // guest and guest_nice are already in user and nice
			break
		}
		m.total += n
		if i != 3 && i != 4 { // idle, iowait
			m.busy += n
		}
	}
	return m
}

// busyShare is the share of the machine's CPU that was busy between a and
// b, 0 to 1.
func busyShare(a, b machineCPU) float64 {
	if b.total <= a.total {
		return 0
	}
	return (b.busy - a.busy) / (b.total - a.total)
}
