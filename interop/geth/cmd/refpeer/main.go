// Command refpeer is a reference peer for devp2p-ts's interop tests: go-ethereum's own
// p2p.Server running the devp2p tutorial's foo/bar protocol, with optional discovery v4
// and v5. It reports what happens as JSON lines on stdout and takes simple commands on
// stdin, so a test in another language can drive it.
//
// The protocol (`foo/1` by default): on connect each side sends the RLP string "foo";
// a received "foo" is answered with "bar"; anything else is only reported.
//
// Events (one JSON object per line, field "event"):
//
//	ready     {id, enode, enr, tcp, udp, listenAddr}
//	add       {peer, inbound, name, remote, local}
//	drop      {peer, error, reason?}        reason: the Disconnect reason's number, if any
//	msg       {peer, code, text}            a foo-protocol message received
//	rejected  {peer?, remote?, stage, error, reason?}   a connection refused before it became a peer
//	dialed    {peer, error?, reason?}       the outcome of a `dial` command
//	peers     {peers: [{id, inbound, name}]}
//	table     {nodes: [{id, ip, tcp, udp}]}   the discovery v4 table
//	error     {error}                       a command failed
//	stopped   {}
//
// Commands (one per line on stdin; EOF acts as quit):
//
//	addpeer <enode|enr>          a static peer, as admin_addPeer
//	removepeer <enode|enr>
//	dial <enode|enr>             one dial now; reports `dialed` with its outcome
//	disconnect <id> <reason>     disconnect a peer with a reason (a number, e.g. 4)
//	peers                        reports `peers`
//	table                        reports `table` (needs --discv4)
//	quit                         stops the server (peers get "client quitting") and exits
package main

import (
	"bufio"
	"context"
	"crypto/ecdsa"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/ethereum/go-ethereum/crypto"
	"github.com/ethereum/go-ethereum/log"
	"github.com/ethereum/go-ethereum/p2p"
	"github.com/ethereum/go-ethereum/p2p/enode"
)

// dialTimeout bounds the TCP connect of a `dial` command (geth's dial timeout).
const dialTimeout = 15 * time.Second

// emitter writes one JSON object per line; events come from many goroutines.
type emitter struct {
	mu  sync.Mutex
	enc *json.Encoder
}

func (e *emitter) emit(event string, fields map[string]any) {
	if fields == nil {
		fields = map[string]any{}
	}
	fields["event"] = event
	e.mu.Lock()
	defer e.mu.Unlock()
	_ = e.enc.Encode(fields)
}

// withReason adds the Disconnect reason carried by err, if there is one.
func withReason(fields map[string]any, err error) map[string]any {
	var reason p2p.DiscReason
	if errors.As(err, &reason) {
		fields["reason"] = uint(reason)
	}
	return fields
}

func main() {
	var (
		keyHex    = flag.String("key", "", "node key as 64 hex characters (default: a new random key)")
		listen    = flag.String("listen", "127.0.0.1:0", "TCP listen address; empty: do not listen")
		discAddr  = flag.String("discaddr", "127.0.0.1:0", "UDP address for discovery")
		discv4    = flag.Bool("discv4", false, "run discovery v4")
		discv5    = flag.Bool("discv5", false, "run discovery v5 (on the same UDP socket)")
		bootnodes = flag.String("bootnodes", "", "comma-separated enode URLs or ENRs to start discovery from")
		static    = flag.String("static", "", "comma-separated static peers")
		trusted   = flag.String("trusted", "", "comma-separated trusted peers")
		maxPeers  = flag.Int("maxpeers", 10, "most peers at once")
		dialRatio = flag.Int("dialratio", 0, "at most maxpeers/dialratio dialed peers (0: geth's default, 3)")
		noDial    = flag.Bool("nodial", false, "never dial")
		name      = flag.String("name", "refpeer", "client name sent in Hello")
		protoName = flag.String("protocol", "foo", "the protocol's name; empty: no protocol at all")
		protoVer  = flag.Uint("version", 1, "the protocol's version")
		protoLen  = flag.Uint64("length", 1, "the protocol's message-code range")
		verbosity = flag.Int("verbosity", 0, "geth log level on stderr: 0 off, 1 error … 5 trace")
	)
	flag.Parse()

	out := &emitter{enc: json.NewEncoder(os.Stdout)}
	fail := func(format string, args ...any) {
		fmt.Fprintf(os.Stderr, "refpeer: "+format+"\n", args...)
		os.Exit(2)
	}

	var key *ecdsa.PrivateKey
	var err error
	if *keyHex == "" {
		key, err = crypto.GenerateKey()
	} else {
		key, err = crypto.HexToECDSA(*keyHex)
	}
	if err != nil {
		fail("bad key: %v", err)
	}
	parseList := func(flagName, list string) []*enode.Node {
		var nodes []*enode.Node
		for _, s := range strings.Split(list, ",") {
			if s = strings.TrimSpace(s); s == "" {
				continue
			}
			n, err := enode.Parse(enode.ValidSchemes, s)
			if err != nil {
				fail("bad node in --%s: %v", flagName, err)
			}
			nodes = append(nodes, n)
		}
		return nodes
	}

	var protocols []p2p.Protocol
	if *protoName != "" {
		protocols = append(protocols, fooProtocol(*protoName, *protoVer, *protoLen, out))
	}
	boot := parseList("bootnodes", *bootnodes)
	srv := &p2p.Server{Config: p2p.Config{
		PrivateKey:       key,
		MaxPeers:         *maxPeers,
		DialRatio:        *dialRatio,
		NoDiscovery:      !*discv4 && !*discv5,
		DiscoveryV4:      *discv4,
		DiscoveryV5:      *discv5,
		Name:             *name,
		BootstrapNodes:   boot,
		BootstrapNodesV5: boot,
		StaticNodes:      parseList("static", *static),
		TrustedNodes:     parseList("trusted", *trusted),
		Protocols:        protocols,
		ListenAddr:       *listen,
		DiscAddr:         *discAddr,
		NoDial:           *noDial,
		Logger:           log.NewLogger(&eventHandler{out: out, stderr: stderrHandler(*verbosity)}),
	}}

	events := make(chan *p2p.PeerEvent, 256)
	sub := srv.SubscribeEvents(events)
	if err := srv.Start(); err != nil {
		fail("cannot start: %v", err)
	}
	go forwardPeerEvents(srv, events, out)

	self := srv.Self()
	out.emit("ready", map[string]any{
		"id":         self.ID().String(),
		"enode":      self.URLv4(),
		"enr":        self.String(),
		"tcp":        self.TCP(),
		"udp":        self.UDP(),
		"listenAddr": srv.ListenAddr,
	})

	commands(srv, out)
	srv.Stop()
	sub.Unsubscribe()
	out.emit("stopped", nil)
}

// fooProtocol is the tutorial's protocol: send "foo" on connect, answer "foo" with "bar".
func fooProtocol(name string, version uint, length uint64, out *emitter) p2p.Protocol {
	return p2p.Protocol{
		Name:    name,
		Version: version,
		Length:  length,
		Run: func(peer *p2p.Peer, rw p2p.MsgReadWriter) error {
			if err := p2p.Send(rw, 0, "foo"); err != nil {
				return err
			}
			for {
				msg, err := rw.ReadMsg()
				if err != nil {
					return err
				}
				var text string
				err = msg.Decode(&text)
				if err != nil {
					return err
				}
				out.emit("msg", map[string]any{"peer": peer.ID().String(), "code": msg.Code, "text": text})
				if text == "foo" {
					if err := p2p.Send(rw, 0, "bar"); err != nil {
						return err
					}
				}
			}
		},
	}
}

func forwardPeerEvents(srv *p2p.Server, events <-chan *p2p.PeerEvent, out *emitter) {
	for ev := range events {
		switch ev.Type {
		case p2p.PeerEventTypeAdd:
			fields := map[string]any{"peer": ev.Peer.String(), "remote": ev.RemoteAddress, "local": ev.LocalAddress}
			for _, p := range srv.Peers() {
				if p.ID() == ev.Peer {
					fields["inbound"] = p.Inbound()
					fields["name"] = p.Fullname()
				}
			}
			out.emit("add", fields)
		case p2p.PeerEventTypeDrop:
			fields := map[string]any{"peer": ev.Peer.String(), "error": ev.Error}
			// The event carries only the error's text; a DiscReason's text is its name.
			for r := p2p.DiscReason(0); r <= p2p.DiscSubprotocolError; r++ {
				if r.String() == ev.Error && !strings.HasPrefix(r.String(), "unknown") {
					fields["reason"] = uint(r)
				}
			}
			out.emit("drop", fields)
		}
	}
}

// commands reads stdin until `quit` or EOF.
func commands(srv *p2p.Server, out *emitter) {
	scanner := bufio.NewScanner(os.Stdin)
	for scanner.Scan() {
		fields := strings.Fields(scanner.Text())
		if len(fields) == 0 {
			continue
		}
		cmdErr := func(err error) {
			out.emit("error", map[string]any{"command": fields[0], "error": err.Error()})
		}
		node := func() *enode.Node {
			if len(fields) < 2 {
				cmdErr(errors.New("needs a node"))
				return nil
			}
			n, err := enode.Parse(enode.ValidSchemes, fields[1])
			if err != nil {
				cmdErr(err)
				return nil
			}
			return n
		}
		switch fields[0] {
		case "quit":
			return
		case "addpeer":
			if n := node(); n != nil {
				srv.AddPeer(n)
			}
		case "removepeer":
			if n := node(); n != nil {
				srv.RemovePeer(n)
			}
		case "dial":
			if n := node(); n != nil {
				go dial(srv, n, out)
			}
		case "disconnect":
			if len(fields) < 3 {
				cmdErr(errors.New("usage: disconnect <id> <reason>"))
				continue
			}
			reason, err := strconv.ParseUint(fields[2], 0, 8)
			if err != nil {
				cmdErr(err)
				continue
			}
			found := false
			for _, p := range srv.Peers() {
				if p.ID().String() == fields[1] {
					p.Disconnect(p2p.DiscReason(reason))
					found = true
				}
			}
			if !found {
				cmdErr(fmt.Errorf("no peer %s", fields[1]))
			}
		case "peers":
			list := []map[string]any{}
			for _, p := range srv.Peers() {
				list = append(list, map[string]any{"id": p.ID().String(), "inbound": p.Inbound(), "name": p.Fullname()})
			}
			out.emit("peers", map[string]any{"peers": list})
		case "table":
			disc := srv.DiscoveryV4()
			if disc == nil {
				cmdErr(errors.New("discovery v4 is not running"))
				continue
			}
			list := []map[string]any{}
			for _, bucket := range disc.TableBuckets() {
				for _, entry := range bucket {
					n := entry.Node
					list = append(list, map[string]any{"id": n.ID().String(), "ip": n.IPAddr().String(), "tcp": n.TCP(), "udp": n.UDP()})
				}
			}
			out.emit("table", map[string]any{"nodes": list})
		default:
			cmdErr(errors.New("unknown command"))
		}
	}
}

// dial connects to n once, as the dial scheduler would, and reports the outcome: a
// refusal by the remote side comes back as its Disconnect reason.
func dial(srv *p2p.Server, n *enode.Node, out *emitter) {
	fields := map[string]any{"peer": n.ID().String()}
	addr, ok := n.TCPEndpoint()
	if !ok {
		fields["error"] = "node has no TCP endpoint"
		out.emit("dialed", fields)
		return
	}
	fd, err := net.DialTimeout("tcp", addr.String(), dialTimeout)
	if err == nil {
		// 1 is geth's dynDialedConn flag: a dialed, not static, connection.
		err = srv.SetupConn(fd, 1, n)
	}
	if err != nil {
		fields["error"] = err.Error()
		withReason(fields, err)
	}
	out.emit("dialed", fields)
}

// eventHandler turns geth's log records about refused connections into `rejected`
// events and passes every record on to the stderr handler.
type eventHandler struct {
	out    *emitter
	stderr slog.Handler
	attrs  []slog.Attr
}

func (h *eventHandler) Enabled(context.Context, slog.Level) bool { return true }

func (h *eventHandler) Handle(ctx context.Context, r slog.Record) error {
	stage := ""
	switch r.Message {
	case "Rejected peer":
		stage = "checks"
	case "Failed p2p handshake":
		stage = "hello"
	case "Failed RLPx handshake":
		stage = "rlpx"
	}
	if stage != "" {
		fields := map[string]any{"stage": stage}
		collect := func(a slog.Attr) bool {
			switch a.Key {
			case "id":
				fields["peer"] = fmt.Sprint(a.Value.Any())
			case "addr":
				fields["remote"] = fmt.Sprint(a.Value.Any())
			case "err":
				if err, ok := a.Value.Any().(error); ok {
					fields["error"] = err.Error()
					withReason(fields, err)
				} else {
					fields["error"] = fmt.Sprint(a.Value.Any())
				}
			}
			return true
		}
		for _, a := range h.attrs {
			collect(a)
		}
		r.Attrs(collect)
		h.out.emit("rejected", fields)
	}
	if h.stderr.Enabled(ctx, r.Level) {
		return h.stderr.WithAttrs(h.attrs).Handle(ctx, r)
	}
	return nil
}

func (h *eventHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return &eventHandler{out: h.out, stderr: h.stderr, attrs: append(append([]slog.Attr{}, h.attrs...), attrs...)}
}

func (h *eventHandler) WithGroup(string) slog.Handler { return h }

func stderrHandler(verbosity int) slog.Handler {
	if verbosity <= 0 {
		return log.DiscardHandler()
	}
	// 1 error, 2 warn, 3 info, 4 debug, 5 trace (geth's --verbosity)
	levels := []slog.Level{log.LevelCrit, slog.LevelError, slog.LevelWarn, slog.LevelInfo, slog.LevelDebug, log.LevelTrace}
	return log.NewTerminalHandlerWithLevel(os.Stderr, levels[min(verbosity, 5)], false)
}
