//go:build !unix

package backend

import "time"

// cpuTime is not measured here: profiles report no CPU time.
func cpuTime() time.Duration { return 0 }
