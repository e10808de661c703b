// Command templ runs templ from go.tool.mod (see package gotool): `go tool templ ARGS…`.
package main

import "github.com/clinlm/clinlm/tools/gotool"

func main() { gotool.Main("templ") }
