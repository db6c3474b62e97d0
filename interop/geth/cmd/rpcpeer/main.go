// Command rpcpeer is go-ethereum's rpc package on one side of devp2p-ts's JSON-RPC
// interop tests and benches, for a test in another language to drive.
//
//	rpcpeer serve [--http 127.0.0.1:0] [--ws 127.0.0.1:0] [--ipc <path>] [--jwt-secret <hex>]
//	              [--cors <origins>] [--vhosts <hosts>] [--ws-origins <origins>] [--nogzip]
//
// serves geth's rpc.Server with the shared `foo` test service (service.go) on each
// transport asked for, behind the handler stacks a geth node uses (node.NewHTTPHandlerStack,
// node.NewWSHandlerStack: CORS, virtual hosts, JWT, gzip) and a node's default limits. When
// listening it prints one JSON line, {"http":"http://…","ws":"ws://…","ipc":"/…"} (the
// enabled ones), then serves until stdin ends or SIGTERM/SIGINT, and exits 0.
//
//	rpcpeer check --url <http://…|ws://…|ipc path> [--jwt-secret <hex>] [--timeout 10s]
//
// runs a fixed script of calls with geth's rpc.Client against any server offering the
// foo service and prints one JSON object with each check's outcome (check.go). Exit 0
// when the script ran (the caller asserts the values), 1 when it could not dial or a flag
// is wrong, 3 when the script ran over its overall limit.
//
//	rpcpeer admin --url <http://…|ws://…|ipc path> [--timeout 10s]
//
// calls a node's admin_nodeInfo, admin_peers, net_peerCount, net_listening,
// web3_clientVersion, admin_datadir and debug_discoveryV4Table with geth's client,
// decoding each into geth's own types (p2p.NodeInfo, []*p2p.PeerInfo, hexutil.Uint,
// [][]discover.BucketNode, ...), and prints them as one JSON
// object (admin.go): the shapes a node of ours must give for geth's tools to read them.
//
// Logs and errors go to stderr; stdout carries only the JSON line.
package main

import (
	"fmt"
	"os"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: rpcpeer serve|check [flags]")
		os.Exit(1)
	}
	var err error
	switch os.Args[1] {
	case "serve":
		err = runServe(os.Args[2:])
	case "check":
		err = runCheck(os.Args[2:])
	case "admin":
		err = runAdmin(os.Args[2:])
	default:
		err = fmt.Errorf("unknown subcommand %q (serve, check or admin)", os.Args[1])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "rpcpeer:", err)
		os.Exit(1)
	}
}
