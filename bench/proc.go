package bench

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"strconv"
	"sync"
	"time"
)

// ProcStats is what /proc says about a process (Linux only).
type ProcStats struct {
	RSS int64         // resident set size, bytes (VmRSS)
	CPU time.Duration // user + system time (utime + stime)
}

var errProcFormat = errors.New("bench: unexpected /proc format")

// ReadProc reads the RSS and CPU time of process pid.
func ReadProc(pid int) (ProcStats, error) {
	var st ProcStats
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return st, err
	}
	if st.RSS, err = parseVmRSS(status); err != nil {
		return st, err
	}
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return st, err
	}
	ticks, err := parseStatTicks(stat)
	if err != nil {
		return st, err
	}
	st.CPU = time.Duration(ticks) * time.Second / time.Duration(clockTicks())
	return st, nil
}

// parseVmRSS finds "VmRSS:   1234 kB" in /proc/PID/status.
func parseVmRSS(status []byte) (int64, error) {
	for line := range bytes.Lines(status) {
		rest, ok := bytes.CutPrefix(line, []byte("VmRSS:"))
		if !ok {
			continue
		}
		f := bytes.Fields(rest)
		if len(f) != 2 || string(f[1]) != "kB" {
			return 0, errProcFormat
		}
		kb, err := strconv.ParseInt(string(f[0]), 10, 64)
		if err != nil {
			return 0, fmt.Errorf("%w: VmRSS: %w", errProcFormat, err)
		}
		return kb << 10, nil
	}
	return 0, fmt.Errorf("%w: no VmRSS (a kernel thread or a zombie?)", errProcFormat)
}

// parseStatTicks returns utime+stime from /proc/PID/stat, fields 14 and 15
// (proc(5)). The command name, field 2, may hold spaces and parentheses, so
// fields are counted from the last ')'.
func parseStatTicks(stat []byte) (int64, error) {
	i := bytes.LastIndexByte(stat, ')')
	if i < 0 {
		return 0, errProcFormat
	}
	f := bytes.Fields(stat[i+1:]) // f[0] is field 3 (state)
	if len(f) < 13 {
		return 0, errProcFormat
	}
	u, err1 := strconv.ParseInt(string(f[11]), 10, 64)
	s, err2 := strconv.ParseInt(string(f[12]), 10, 64)
	if err := errors.Join(err1, err2); err != nil {
		return 0, fmt.Errorf("%w: %w", errProcFormat, err)
	}
	return u + s, nil
}

// clockTicks is sysconf(_SC_CLK_TCK), read without cgo from the AT_CLKTCK
// entry of the auxiliary vector; 100 (every Linux port but a few) if that
// fails.
var clockTicks = sync.OnceValue(func() int64 {
	const atClkTck = 17
	b, err := os.ReadFile("/proc/self/auxv")
	if err == nil {
		for ; len(b) >= 16; b = b[16:] {
			k, v := binary.NativeEndian.Uint64(b), binary.NativeEndian.Uint64(b[8:])
			if k == atClkTck && v > 0 {
				return int64(v)
			}
			if k == 0 {
				break
			}
		}
	}
	return 100
})
