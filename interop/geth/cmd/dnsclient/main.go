// Command dnsclient runs go-ethereum's own DNS node list client (p2p/dnsdisc) against a
// tree served by a DNS server of the test's choosing, for devp2p-ts's interop tests.
//
// geth's `devp2p dns sync` always asks the system's resolver, which a test cannot point
// at a DNS server on a free loopback port; this is the same client code (dnsdisc.Client)
// with its Resolver dialling the given server, and nothing else changed.
//
//	dnsclient --server 127.0.0.1:5353 enrtree://<key>@<domain>
//
// It syncs the whole tree (dnsdisc's SyncTree: the root's signature and every hash
// checked) and prints one JSON object on stdout:
//
//	{"url", "seq", "signature", "links": [...], "records": ["enr:…", ...], "iterated": ["<node id hex>", ...]}
//
// "iterated" are the distinct nodes dnsdisc's random-node iterator (what geth's dialer
// reads; it follows links) yielded, read until it has yielded --want distinct nodes
// (default: the tree's own count) or --iterate-timeout passes. On any error it prints
// {"error": "…"} and exits 1.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"net"
	"os"
	"sort"
	"time"

	"github.com/ethereum/go-ethereum/p2p/dnsdisc"
	"github.com/ethereum/go-ethereum/p2p/enode"
)

type result struct {
	URL       string   `json:"url"`
	Seq       uint     `json:"seq"`
	Signature string   `json:"signature"`
	Links     []string `json:"links"`
	Records   []string `json:"records"`
	Iterated  []string `json:"iterated"`
}

func fail(err error) {
	out, _ := json.Marshal(map[string]string{"error": err.Error()})
	fmt.Println(string(out))
	os.Exit(1)
}

// resolverAt is a Go resolver that sends every query to server (UDP, TCP on truncation).
func resolverAt(server string) *net.Resolver {
	return &net.Resolver{
		PreferGo: true,
		Dial: func(ctx context.Context, network, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, network, server)
		},
	}
}

func main() {
	server := flag.String("server", "", "DNS server, ip:port (required)")
	timeout := flag.Duration("timeout", 5*time.Second, "time limit of one DNS query")
	iterateTimeout := flag.Duration("iterate-timeout", 30*time.Second, "time limit of the iterator check")
	wantCount := flag.Int("want", 0, "distinct nodes to read from the iterator (default: the tree's)")
	flag.Parse()
	if *server == "" || flag.NArg() != 1 {
		fail(fmt.Errorf("usage: dnsclient --server ip:port enrtree://<key>@<domain>"))
	}
	url := flag.Arg(0)
	client := dnsdisc.NewClient(dnsdisc.Config{
		Timeout:   *timeout,
		RateLimit: 100,
		Resolver:  resolverAt(*server),
	})
	tree, err := client.SyncTree(url)
	if err != nil {
		fail(err)
	}
	res := result{
		URL:       url,
		Seq:       tree.Seq(),
		Signature: tree.Signature(),
		Links:     tree.Links(),
		Records:   []string{},
		Iterated:  []string{},
	}
	if res.Links == nil {
		res.Links = []string{}
	}
	for _, n := range tree.Nodes() {
		res.Records = append(res.Records, n.String())
	}
	want := *wantCount
	if want == 0 {
		want = len(res.Records)
	}

	// the iterator dials nothing itself: it yields nodes; read them until every node of
	// the tree was seen (or the time limit), as geth's dialer would
	it, err := client.NewIterator(url)
	if err != nil {
		fail(err)
	}
	seen := make(map[enode.ID]bool)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for len(seen) < want && it.Next() {
			seen[it.Node().ID()] = true
		}
	}()
	select {
	case <-done:
	case <-time.After(*iterateTimeout):
	}
	it.Close()
	<-done
	for id := range seen {
		res.Iterated = append(res.Iterated, id.String())
	}
	sort.Strings(res.Iterated)
	out, err := json.Marshal(res)
	if err != nil {
		fail(err)
	}
	fmt.Println(string(out))
}
