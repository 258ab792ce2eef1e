// Package procstat reads what Linux's /proc says a process has used, for
// the measuring commands (loadrun, scalebench) that run webexpipe's
// binaries as processes of their own.
package procstat

import (
	"fmt"
	"os"
	"strconv"
	"strings"
)

// clockTicks is USER_HZ, 100 on every Linux this runs on.
const clockTicks = 100

// CPUSeconds is the user and system CPU time pid used so far, from
// /proc/<pid>/stat; 0 where there is no /proc.
func CPUSeconds(pid int) float64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	return parseStatCPU(string(b))
}

// parseStatCPU reads utime + stime from a /proc/<pid>/stat line. The
// command name, in parentheses, may hold spaces and parentheses: fields
// are counted after its last closing parenthesis, where utime and stime
// are the 12th and 13th.
func parseStatCPU(s string) float64 {
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0
	}
	f := strings.Fields(s[i+1:])
	if len(f) < 13 {
		return 0
	}
	ut, _ := strconv.ParseFloat(f[11], 64)
	st, _ := strconv.ParseFloat(f[12], 64)
	return (ut + st) / clockTicks
}
