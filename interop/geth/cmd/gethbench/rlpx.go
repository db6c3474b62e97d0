package main

import (
	"crypto/ecdsa"
	"errors"
	"fmt"
	"net"
	"runtime"
	"time"

	"github.com/ethereum/go-ethereum/crypto"
	"github.com/ethereum/go-ethereum/p2p/rlpx"
	"github.com/ethereum/go-ethereum/rlp"
)

// RLPxReport holds the p2p/rlpx figures.
// Cases that did not run are left out.
type RLPxReport struct {
	HandshakesPerSec float64    `json:"handshakesPerSec,omitempty"`
	Throughput       []RLPxRate `json:"throughput,omitempty"`
	Memory           *Memory    `json:"memory,omitempty"`
}

// RLPxRate is one message size with snappy off or on.
type RLPxRate struct {
	Rate
	Snappy bool `json:"snappy"`
}

// As packages/rlpx/bench/cases.ts: 600 ms of warm-up, then the median of three runs of
// 800 ms each.
const (
	rlpxWarm  = 600 * time.Millisecond
	rlpxTimed = 800 * time.Millisecond
)

// hello is a p2p Hello as a client sends it (≈ 100 bytes), the message both ends
// exchange after the handshake in packages/rlpx/bench/cases.ts.
func hello(pub *ecdsa.PublicKey) ([]byte, error) {
	id := crypto.FromECDSAPub(pub)[1:]
	return rlp.EncodeToBytes([]any{uint(5), "bench", [][]any{{"foo", uint(1)}}, uint(0), id})
}

type rlpxListener struct {
	ln       net.Listener
	keyA     *ecdsa.PrivateKey
	pubB     *ecdsa.PublicKey
	helloA   []byte
	accepted chan *rlpx.Conn
	failed   chan error
}

// newRLPxListener answers handshakes: handshake, its Hello, the dialer's Hello; then the
// connection is handed to pair().
func newRLPxListener() (*rlpxListener, error) {
	keyA, err := crypto.GenerateKey()
	if err != nil {
		return nil, err
	}
	keyB, err := crypto.GenerateKey()
	if err != nil {
		return nil, err
	}
	helloA, err := hello(&keyA.PublicKey)
	if err != nil {
		return nil, err
	}
	helloB, err := hello(&keyB.PublicKey)
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	l := &rlpxListener{ln, keyA, &keyB.PublicKey, helloA, make(chan *rlpx.Conn, 1), make(chan error, 1)}
	go func() {
		for {
			fd, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				c := rlpx.NewConn(fd, nil)
				err := func() error {
					if _, err := c.Handshake(keyB); err != nil {
						return err
					}
					if _, err := c.Write(0, helloB); err != nil {
						return err
					}
					_, _, _, err := c.Read()
					return err
				}()
				if err != nil {
					c.Close()
					l.failed <- err
					return
				}
				l.accepted <- c
			}()
		}
	}()
	return l, nil
}

// pair dials the listener and returns both ends after the Hello exchange.
func (l *rlpxListener) pair() (*rlpx.Conn, *rlpx.Conn, error) {
	fd, err := net.Dial("tcp", l.ln.Addr().String())
	if err != nil {
		return nil, nil, err
	}
	a := rlpx.NewConn(fd, l.pubB)
	if _, err := a.Handshake(l.keyA); err != nil {
		return nil, nil, err
	}
	if _, err := a.Write(0, l.helloA); err != nil {
		return nil, nil, err
	}
	if _, _, _, err := a.Read(); err != nil {
		return nil, nil, err
	}
	select {
	case b := <-l.accepted:
		return a, b, nil
	case err := <-l.failed:
		return nil, nil, err
	case <-time.After(10 * time.Second):
		return nil, nil, errors.New("listener: no connection within 10 s")
	}
}

func runRLPx(cases caseSet, sizes []int, handshakes, conns int) (*RLPxReport, error) {
	r := &RLPxReport{}
	var err error
	if cases["handshakes"] {
		if r.HandshakesPerSec, err = benchHandshakes(handshakes); err != nil {
			return nil, fmt.Errorf("handshakes: %w", err)
		}
	}
	if cases["frames"] {
		if sizes == nil {
			sizes = []int{64, 1024, 16 * 1024, 1024 * 1024}
		}
		for _, size := range sizes {
			for _, snappy := range []bool{false, true} {
				rate, err := benchRLPxThroughput(size, snappy)
				if err != nil {
					return nil, fmt.Errorf("throughput %d snappy %v: %w", size, snappy, err)
				}
				r.Throughput = append(r.Throughput, rate)
			}
		}
	}
	if cases["connmem"] {
		if r.Memory, err = benchRLPxMemory(conns); err != nil {
			return nil, fmt.Errorf("memory: %w", err)
		}
	}
	return r, nil
}

// benchHandshakes: sequential TCP connects, handshake + Hello exchange, close; the
// median of three timed runs of n after n/10 of warm-up.
func benchHandshakes(n int) (float64, error) {
	l, err := newRLPxListener()
	if err != nil {
		return 0, err
	}
	defer l.ln.Close()
	once := func() error {
		a, b, err := l.pair()
		if err != nil {
			return err
		}
		a.Close()
		b.Close()
		return nil
	}
	if err := warm(max(10, n/10), once); err != nil {
		return 0, err
	}
	rates := make([]float64, 0, 3)
	for run := 0; run < 3; run++ {
		t0 := time.Now()
		if err := warm(n, once); err != nil {
			return 0, err
		}
		rates = append(rates, float64(n)/time.Since(t0).Seconds())
	}
	return median(rates), nil
}

// rateOver runs round(count) until about d has passed and returns the rate per second,
// aiming each next round at the rest of the time (at most doubling), as cases.ts does.
func rateOver(d time.Duration, round func(count int) error) (float64, error) {
	count, done := 1, 0
	t0 := time.Now()
	for {
		if err := round(count); err != nil {
			return 0, err
		}
		done += count
		elapsed := time.Since(t0)
		if elapsed >= d {
			return float64(done) / elapsed.Seconds(), nil
		}
		aim := int(float64(done)*float64(d-elapsed)/float64(elapsed)) + 1
		count = max(1, min(2*count, aim))
	}
}

// benchRLPxThroughput: one connection, a writer and a reader goroutine, `size`-byte
// messages back to back.
func benchRLPxThroughput(size int, snappy bool) (RLPxRate, error) {
	l, err := newRLPxListener()
	if err != nil {
		return RLPxRate{}, err
	}
	defer l.ln.Close()
	a, b, err := l.pair()
	if err != nil {
		return RLPxRate{}, err
	}
	defer a.Close()
	defer b.Close()
	a.SetSnappy(snappy)
	b.SetSnappy(snappy)
	payload := makePayload(size)
	round := func(count int) error {
		read := make(chan error, 1)
		go func() {
			for i := 0; i < count; i++ {
				if _, _, _, err := b.Read(); err != nil {
					read <- err
					return
				}
			}
			read <- nil
		}()
		for i := 0; i < count; i++ {
			if _, err := a.Write(0x10, payload); err != nil {
				return err
			}
		}
		return <-read
	}
	if _, err := rateOver(rlpxWarm, round); err != nil {
		return RLPxRate{}, err
	}
	rates := make([]float64, 0, 3)
	for run := 0; run < 3; run++ {
		rate, err := rateOver(rlpxTimed, round)
		if err != nil {
			return RLPxRate{}, err
		}
		rates = append(rates, rate)
	}
	msgs := median(rates)
	return RLPxRate{Rate{size, msgs, msgs * float64(size) / 1e6}, snappy}, nil
}

// benchRLPxMemory: n idle connections after Hello (both ends), measured after one more
// to warm every path.
func benchRLPxMemory(n int) (*Memory, error) {
	l, err := newRLPxListener()
	if err != nil {
		return nil, err
	}
	defer l.ln.Close()
	conns := make([]*rlpx.Conn, 0, 2*(n+1))
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	open := func() error {
		a, b, err := l.pair()
		if err == nil {
			conns = append(conns, a, b)
		}
		return err
	}
	if err := open(); err != nil {
		return nil, err
	}
	before := memSnapshot()
	gBefore := runtime.NumGoroutine()
	if err := warm(n, open); err != nil {
		return nil, err
	}
	after := memSnapshot()
	return memoryPer(n, before, after, gBefore, runtime.NumGoroutine()), nil
}
