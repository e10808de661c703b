// Command govulncheck runs govulncheck from go.tool.mod (see package gotool): `go tool govulncheck ARGS…`.
package main

import "github.com/clinlm/clinlm/tools/gotool"

func main() { gotool.Main("govulncheck") }
