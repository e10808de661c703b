package models

import (
	"runtime"
	"syscall"
)

// threadCPUTime returns the CPU time (user + system) of the calling OS
// thread in nanoseconds; benchmarks lock their goroutine to its thread and
// report it beside wall time, which a busy machine inflates.
func threadCPUTime() (int64, bool) {
	const rusageThread = 1 // RUSAGE_THREAD
	var ru syscall.Rusage
	if err := syscall.Getrusage(rusageThread, &ru); err != nil {
		return 0, false
	}
	return ru.Utime.Nano() + ru.Stime.Nano(), true
}

func lockThread()   { runtime.LockOSThread() }
func unlockThread() { runtime.UnlockOSThread() }
