// Command task runs task from go.tool.mod (see package gotool): `go tool task ARGS…`.
package main

import "github.com/clinlm/clinlm/tools/gotool"

func main() { gotool.Main("task") }
