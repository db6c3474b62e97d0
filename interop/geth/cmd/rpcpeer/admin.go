package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"time"

	"github.com/ethereum/go-ethereum/common/hexutil"
	"github.com/ethereum/go-ethereum/p2p"
	"github.com/ethereum/go-ethereum/p2p/discover"
	"github.com/ethereum/go-ethereum/p2p/enode"
	"github.com/ethereum/go-ethereum/rpc"
)

// adminReport is what `rpcpeer admin` prints: each admin_*/net_*/web3_* answer of a node
// decoded into go-ethereum's own types (p2p.NodeInfo, p2p.PeerInfo, hexutil.Uint,
// discover.BucketNode), then
// written out again, so a field geth cannot read shows as missing or as a decode error.
type adminReport struct {
	NodeInfo      any `json:"nodeInfo"`
	NodeInfoCheck any `json:"nodeInfoCheck"`
	Peers         any `json:"peers"`
	PeerCount     any `json:"peerCount"`
	Listening     any `json:"listening"`
	ClientVersion any `json:"clientVersion"`
	Datadir       any `json:"datadir"`
	// DiscoveryV4Table is debug_discoveryV4Table decoded into [][]discover.BucketNode.
	DiscoveryV4Table any `json:"discoveryV4Table"`
}

// runAdmin is `rpcpeer admin --url`: geth's client decodes a node's admin API.
func runAdmin(args []string) error {
	fs := flag.NewFlagSet("admin", flag.ContinueOnError)
	var (
		url     = fs.String("url", "", "http://…, ws://… or an IPC socket path")
		timeout = fs.Duration("timeout", 10*time.Second, "the limit of each call")
	)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *url == "" {
		return errors.New("admin: --url is required")
	}
	dialCtx, cancel := context.WithTimeout(context.Background(), *timeout)
	client, err := rpc.DialOptions(dialCtx, *url)
	cancel()
	if err != nil {
		return fmt.Errorf("admin: dial %s: %w", *url, err)
	}
	defer client.Close()
	call := func(result any, method string) any {
		ctx, cancel := context.WithTimeout(context.Background(), *timeout)
		defer cancel()
		if err := client.CallContext(ctx, result, method); err != nil {
			return failure(fmt.Errorf("%s: %w", method, err))
		}
		return result
	}

	var r adminReport
	var info p2p.NodeInfo
	r.NodeInfo = call(&info, "admin_nodeInfo")
	if _, ok := r.NodeInfo.(*p2p.NodeInfo); ok {
		r.NodeInfoCheck = checkNodeInfo(&info)
	}
	var peers []*p2p.PeerInfo
	r.Peers = call(&peers, "admin_peers")
	var count hexutil.Uint
	r.PeerCount = call(&count, "net_peerCount")
	var listening bool
	r.Listening = call(&listening, "net_listening")
	var version string
	r.ClientVersion = call(&version, "web3_clientVersion")
	var datadir string
	r.Datadir = call(&datadir, "admin_datadir")
	var table [][]discover.BucketNode
	r.DiscoveryV4Table = call(&table, "debug_discoveryV4Table")

	line, err := json.Marshal(r)
	if err != nil {
		return err
	}
	fmt.Println(string(line))
	return nil
}

// checkNodeInfo parses what geth's own tools parse from a NodeInfo: the enode URL and the
// record, and says whether their ids agree with the `id` field.
func checkNodeInfo(info *p2p.NodeInfo) map[string]any {
	out := map[string]any{}
	if n, err := enode.ParseV4(info.Enode); err != nil {
		out["enodeError"] = err.Error()
	} else {
		out["enodeID"] = n.ID().String()
	}
	if n, err := enode.Parse(enode.ValidSchemes, info.ENR); err != nil {
		out["enrError"] = err.Error()
	} else {
		out["enrID"] = n.ID().String()
		out["enrSeq"] = n.Seq()
	}
	return out
}
