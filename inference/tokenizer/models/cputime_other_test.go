//go:build !linux

package models

func threadCPUTime() (int64, bool) { return 0, false }
func lockThread()                  {}
func unlockThread()                {}
