package main

import (
	"bytes"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"net"
	"runtime"
	"time"

	"github.com/ethereum/go-ethereum/crypto"
	"github.com/ethereum/go-ethereum/log"
	"github.com/ethereum/go-ethereum/p2p"
)

// P2PReport holds the p2p.Server figures.
// Cases that did not run are left out.
type P2PReport struct {
	SetupPerSec float64 `json:"setupPerSec,omitempty"`
	RTTPerSec   float64 `json:"rttPerSec,omitempty"`
	Throughput  []Rate  `json:"throughput,omitempty"`
	Memory      *Memory `json:"memory,omitempty"`
}

// Message codes of the bench protocol, as in packages/p2p/bench/index.ts: 0 request →
// the same payload back; 1 data, no answer; 2 sync → 2 back once everything before it
// was read.
const (
	codeEcho = 0
	codeData = 1
	codeSync = 2
)

var emptyList = []byte{0xc0} // rlp([])

func randomBytes(b []byte) {
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
}

func writeRaw(rw p2p.MsgWriter, code uint64, payload []byte) error {
	return rw.WriteMsg(p2p.Msg{Code: code, Size: uint32(len(payload)), Payload: bytes.NewReader(payload)})
}

// readInto reads a message and its whole payload into buf (grown as needed).
func readInto(rw p2p.MsgReader, buf []byte) (p2p.Msg, []byte, error) {
	msg, err := rw.ReadMsg()
	if err != nil {
		return msg, buf, err
	}
	if cap(buf) < int(msg.Size) {
		buf = make([]byte, msg.Size)
	}
	buf = buf[:msg.Size]
	_, err = io.ReadFull(msg.Payload, buf)
	return msg, buf, err
}

func benchProtocol(run func(p *p2p.Peer, rw p2p.MsgReadWriter) error) p2p.Protocol {
	return p2p.Protocol{Name: "bench", Version: 1, Length: 3, Run: run}
}

// responder answers ECHO and SYNC and drops DATA.
var responder = benchProtocol(func(_ *p2p.Peer, rw p2p.MsgReadWriter) error {
	var buf []byte
	for {
		msg, b, err := readInto(rw, buf)
		if err != nil {
			return err
		}
		buf = b
		switch msg.Code {
		case codeEcho:
			err = writeRaw(rw, codeEcho, buf)
		case codeSync:
			err = writeRaw(rw, codeSync, emptyList)
		}
		if err != nil {
			return err
		}
	}
})

// idle reads (and drops) until the peer goes away.
var idle = benchProtocol(func(_ *p2p.Peer, rw p2p.MsgReadWriter) error {
	for {
		msg, err := rw.ReadMsg()
		if err != nil {
			return err
		}
		msg.Discard()
	}
})

func startServer(listen bool, maxPeers int, protocols ...p2p.Protocol) (*p2p.Server, error) {
	key, err := crypto.GenerateKey()
	if err != nil {
		return nil, err
	}
	cfg := p2p.Config{
		PrivateKey:  key,
		MaxPeers:    maxPeers,
		NoDiscovery: true,
		Name:        "gethbench",
		Protocols:   protocols,
		Logger:      log.NewLogger(log.DiscardHandler()),
	}
	if listen {
		cfg.ListenAddr = "127.0.0.1:0"
		cfg.NoDial = true
	}
	srv := &p2p.Server{Config: cfg}
	return srv, srv.Start()
}

// events subscribes to a server's peer events.
func events(srv *p2p.Server) (chan *p2p.PeerEvent, func()) {
	ch := make(chan *p2p.PeerEvent, 64)
	sub := srv.SubscribeEvents(ch)
	return ch, sub.Unsubscribe
}

// next waits for n events of type t on ch.
func next(ch chan *p2p.PeerEvent, t p2p.PeerEventType, n int) error {
	timeout := time.After(10 * time.Second)
	for n > 0 {
		select {
		case ev := <-ch:
			if ev.Type == t {
				n--
			}
		case <-timeout:
			return fmt.Errorf("no peer %s event within 10 s", t)
		}
	}
	return nil
}

func runP2P(cases caseSet, sizes []int, round time.Duration, peers int) (*P2PReport, error) {
	r := &P2PReport{}
	var err error
	if cases["setup"] {
		if r.SetupPerSec, err = benchSetup(round); err != nil {
			return nil, fmt.Errorf("setup: %w", err)
		}
	}
	if cases["rtt"] {
		if r.RTTPerSec, err = benchRTT(round); err != nil {
			return nil, fmt.Errorf("round trips: %w", err)
		}
	}
	if cases["throughput"] {
		if sizes == nil {
			sizes = []int{1024, 16 * 1024}
		}
		for _, size := range sizes {
			rate, err := benchThroughput(round, size)
			if err != nil {
				return nil, fmt.Errorf("throughput %d: %w", size, err)
			}
			r.Throughput = append(r.Throughput, rate)
		}
	}
	if cases["peermem"] {
		if r.Memory, err = benchPeerMemory(peers); err != nil {
			return nil, fmt.Errorf("memory: %w", err)
		}
	}
	return r, nil
}

// benchSetup: sequential TCP connect + handshake + Hello until both servers report the
// peer, then the dialer removes it (DiscRequested) until both report the drop.
func benchSetup(round time.Duration) (float64, error) {
	listener, err := startServer(true, 10, idle)
	if err != nil {
		return 0, err
	}
	defer listener.Stop()
	dialer, err := startServer(false, 10, idle)
	if err != nil {
		return 0, err
	}
	defer dialer.Stop()
	target := listener.Self()
	addr := listener.ListenAddr
	lch, lstop := events(listener)
	defer lstop()
	dch, dstop := events(dialer)
	defer dstop()
	op := func() error {
		fd, err := net.Dial("tcp", addr)
		if err != nil {
			return err
		}
		// 0: an outbound connection the dial scheduler did not start (no redial history)
		if err := dialer.SetupConn(fd, 0, target); err != nil {
			return err
		}
		if err := next(lch, p2p.PeerEventTypeAdd, 1); err != nil {
			return err
		}
		if err := next(dch, p2p.PeerEventTypeAdd, 1); err != nil {
			return err
		}
		dialer.RemovePeer(target) // returns once the dialer dropped it
		if err := next(dch, p2p.PeerEventTypeDrop, 1); err != nil {
			return err
		}
		return next(lch, p2p.PeerEventTypeDrop, 1)
	}
	if err := warm(100, op); err != nil {
		return 0, err
	}
	return measure(round, 5, op)
}

// pair connects a client whose bench protocol hands its rw over to a responder server.
func pair() (rw p2p.MsgReadWriter, closeAll func(), err error) {
	server, err := startServer(true, 10, responder)
	if err != nil {
		return nil, nil, err
	}
	ready := make(chan p2p.MsgReadWriter, 1)
	done := make(chan struct{})
	handover := benchProtocol(func(_ *p2p.Peer, rw p2p.MsgReadWriter) error {
		ready <- rw
		<-done
		return nil
	})
	client, err := startServer(false, 10, handover)
	if err != nil {
		server.Stop()
		return nil, nil, err
	}
	closeAll = func() {
		close(done)
		client.Stop()
		server.Stop()
	}
	client.AddPeer(server.Self())
	select {
	case rw = <-ready:
		return rw, closeAll, nil
	case <-time.After(10 * time.Second):
		closeAll()
		return nil, nil, errors.New("no connection within 10 s")
	}
}

// benchRTT: 1 KiB request, the same 1 KiB back, awaited.
func benchRTT(round time.Duration) (float64, error) {
	rw, closeAll, err := pair()
	if err != nil {
		return 0, err
	}
	defer closeAll()
	payload := makePayload(1024)
	buf := make([]byte, 1024)
	op := func() error {
		if err := writeRaw(rw, codeEcho, payload); err != nil {
			return err
		}
		_, b, err := readInto(rw, buf)
		buf = b
		return err
	}
	if err := warm(200, op); err != nil {
		return 0, err
	}
	return measure(round, 5, op)
}

// benchThroughput: bursts of about 1 MiB of `size`-byte DATA messages, then SYNC, and
// wait for the SYNC back. The rate counts the DATA messages.
func benchThroughput(round time.Duration, size int) (Rate, error) {
	rw, closeAll, err := pair()
	if err != nil {
		return Rate{}, err
	}
	defer closeAll()
	payload := makePayload(size)
	burst := max(16, (1024*1024+size/2)/size)
	op := func() error {
		for i := 0; i < burst; i++ {
			if err := writeRaw(rw, codeData, payload); err != nil {
				return err
			}
		}
		if err := writeRaw(rw, codeSync, emptyList); err != nil {
			return err
		}
		msg, err := rw.ReadMsg()
		if err != nil {
			return err
		}
		return msg.Discard()
	}
	if err := warm(3, op); err != nil {
		return Rate{}, err
	}
	bursts, err := measure(round, 5, op)
	msgs := bursts * float64(burst)
	return Rate{Size: size, MsgsPerSec: msgs, MBPerSec: msgs * float64(size) / 1e6}, err
}

// benchPeerMemory opens n+1 dialing servers first (their fixed cost is not per peer),
// connects one to warm every path, measures, connects n more in batches of 25 (below the
// pending-handshake limits) and measures again: the difference ÷ n is one connected peer
// with both of its ends, as packages/p2p/bench does it.
func benchPeerMemory(n int) (*Memory, error) {
	hub, err := startServer(true, n+10, idle)
	if err != nil {
		return nil, err
	}
	defer hub.Stop()
	dialers := make([]*p2p.Server, 0, n+1)
	defer func() {
		for _, d := range dialers {
			d.Stop()
		}
	}()
	for i := 0; i <= n; i++ {
		d, err := startServer(false, 3, idle)
		if err != nil {
			return nil, err
		}
		dialers = append(dialers, d)
	}
	hch, hstop := events(hub)
	defer hstop()
	target := hub.Self()
	connect := func(batch []*p2p.Server) error {
		chans := make([]chan *p2p.PeerEvent, len(batch))
		for i, d := range batch {
			ch, stop := events(d)
			defer stop()
			chans[i] = ch
		}
		for _, d := range batch {
			d.AddPeer(target)
		}
		if err := next(hch, p2p.PeerEventTypeAdd, len(batch)); err != nil {
			return err
		}
		for _, ch := range chans {
			if err := next(ch, p2p.PeerEventTypeAdd, 1); err != nil {
				return err
			}
		}
		return nil
	}
	if err := connect(dialers[:1]); err != nil {
		return nil, err
	}
	before := memSnapshot()
	gBefore := runtime.NumGoroutine()
	for i := 1; i <= n; i += 25 {
		if err := connect(dialers[i:min(i+25, n+1)]); err != nil {
			return nil, err
		}
	}
	after := memSnapshot()
	gAfter := runtime.NumGoroutine()
	return memoryPer(n, before, after, gBefore, gAfter), nil
}
