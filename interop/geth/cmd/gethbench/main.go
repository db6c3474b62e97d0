// Command gethbench measures go-ethereum's own p2p stack on this machine, the way the
// benches of packages/p2p and packages/rlpx measure ours, so that `pnpm bench` can print
// ours ÷ geth beside ours ÷ @ethereumjs/devp2p. It prints one JSON object on stdout.
//
// Both ends run in this process over loopback TCP, snappy on (two geth peers always
// negotiate p2p v5), with GOMAXPROCS=1 by default: our stack runs on about one core, so
// one core each is the fair comparison; -procs 0 gives geth every core.
//
// What it measures (see packages/p2p/bench/index.ts and packages/rlpx/bench/cases.ts):
//
//   - p2p.Server: connection setup + disconnect, sequential (TCP connect, RLPx handshake,
//     Hello, both servers report the peer; the dialer removes it, both report the drop);
//     1 KiB round trips through a sub-protocol; one-way throughput of 1 KiB and 16 KiB
//     messages in bursts of about 1 MiB that the receiver acknowledges; memory per
//     connected peer (both ends) with -peers peers connected.
//   - p2p/rlpx: handshake + Hello exchange per second; throughput of 64 B … 1 MiB messages
//     back to back, snappy off and on; memory per idle connection (both ends).
//
// Usage: gethbench [-only cases] [-sizes bytes,...] [-round ms] [-procs n] [-peers n]
// [-conns n] [-handshakes n]
//
// -only is a comma-separated list of cases: setup, rtt, throughput, peermem (the p2p
// benches; "p2p" for all four), handshakes, frames, connmem (the rlpx benches; "rlpx"
// for all three), or "all". A bench can so run each case right beside its own figure.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"runtime"
	"runtime/debug"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Report is the JSON printed on stdout.
type Report struct {
	Geth       string      `json:"geth"`
	Go         string      `json:"go"`
	GOMAXPROCS int         `json:"gomaxprocs"`
	NumCPU     int         `json:"numCPU"`
	RoundMs    int         `json:"roundMs"`
	Notes      []string    `json:"notes"`
	P2P        *P2PReport  `json:"p2p,omitempty"`
	RLPx       *RLPxReport `json:"rlpx,omitempty"`
}

// Rate is a message rate and the payload bytes it carries.
type Rate struct {
	Size       int     `json:"size"`
	MsgsPerSec float64 `json:"msgsPerSec"`
	MBPerSec   float64 `json:"mbPerSec"`
}

// Memory is the memory one connection costs, both of its ends together.
type Memory struct {
	Count      int     `json:"count"`
	HeapBytes  float64 `json:"heapBytes"`
	StackBytes float64 `json:"stackBytes"`
	Goroutines float64 `json:"goroutines"`
	TotalBytes float64 `json:"totalBytes"`
}

func main() {
	only := flag.String("only", "all", "comma-separated cases (see the package comment)")
	sizesFlag := flag.String("sizes", "", "message sizes in bytes, comma-separated (default: as our benches)")
	roundMs := flag.Int("round", 300, "milliseconds per measuring round of the p2p benches (BENCH_MS)")
	procs := flag.Int("procs", 1, "GOMAXPROCS; 0 = every core")
	peers := flag.Int("peers", 500, "connected peers for the p2p memory figure (BENCH_PEERS)")
	conns := flag.Int("conns", 500, "idle connections for the rlpx memory figure")
	handshakes := flag.Int("handshakes", 1000, "rlpx handshakes per timed run (three runs)")
	flag.Parse()

	if *procs > 0 {
		runtime.GOMAXPROCS(*procs)
	}
	report := Report{
		Geth:       gethVersion(),
		Go:         runtime.Version(),
		GOMAXPROCS: runtime.GOMAXPROCS(0),
		NumCPU:     runtime.NumCPU(),
		RoundMs:    *roundMs,
		Notes: []string{
			"both ends in one process over loopback TCP, snappy on",
			fmt.Sprintf("GOMAXPROCS=%d of %d cores", runtime.GOMAXPROCS(0), runtime.NumCPU()),
			"memory: runtime.MemStats after runtime.GC, HeapAlloc and StackInuse per connection, both ends",
		},
	}
	round := time.Duration(*roundMs) * time.Millisecond
	cases, err := parseCases(*only)
	check(err)
	sizes, err := parseSizes(*sizesFlag)
	check(err)
	if cases.p2p() {
		report.Notes = append(report.Notes, "p2p.Server with NoDiscovery; the setup bench dials "+
			"the TCP socket itself and hands it to Server.SetupConn, because geth's dial "+
			"scheduler refuses to redial a node for 35 s")
		report.P2P, err = runP2P(cases, sizes, round, *peers)
		check(err)
	}
	if cases.rlpx() {
		report.RLPx, err = runRLPx(cases, sizes, *handshakes, *conns)
		check(err)
	}
	out, err := json.Marshal(report)
	check(err)
	fmt.Println(string(out))
}

// caseSet is the set of cases to run.
type caseSet map[string]bool

var (
	p2pCases  = []string{"setup", "rtt", "throughput", "peermem"}
	rlpxCases = []string{"handshakes", "frames", "connmem"}
)

func parseCases(list string) (caseSet, error) {
	set := caseSet{}
	for _, name := range strings.Split(list, ",") {
		switch name = strings.TrimSpace(name); name {
		case "all":
			for _, c := range append(p2pCases, rlpxCases...) {
				set[c] = true
			}
		case "p2p":
			for _, c := range p2pCases {
				set[c] = true
			}
		case "rlpx":
			for _, c := range rlpxCases {
				set[c] = true
			}
		default:
			if !slices.Contains(p2pCases, name) && !slices.Contains(rlpxCases, name) {
				return nil, fmt.Errorf("unknown case %q", name)
			}
			set[name] = true
		}
	}
	return set, nil
}

func (s caseSet) p2p() bool {
	return slices.ContainsFunc(p2pCases, func(c string) bool { return s[c] })
}
func (s caseSet) rlpx() bool {
	return slices.ContainsFunc(rlpxCases, func(c string) bool { return s[c] })
}

// parseSizes reads "1024,16384"; nil when empty (each bench's own sizes).
func parseSizes(list string) ([]int, error) {
	if list == "" {
		return nil, nil
	}
	var sizes []int
	for _, field := range strings.Split(list, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(field))
		if err != nil || n <= 0 || n > 16*1024*1024-1 {
			return nil, fmt.Errorf("bad size %q", field)
		}
		sizes = append(sizes, n)
	}
	return sizes, nil
}

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "gethbench:", err)
		os.Exit(1)
	}
}

// gethVersion is the go-ethereum module version this binary was built with.
func gethVersion() string {
	if info, ok := debug.ReadBuildInfo(); ok {
		for _, dep := range info.Deps {
			if dep.Path == "github.com/ethereum/go-ethereum" {
				return dep.Version
			}
		}
	}
	return "unknown"
}

// measure mirrors @devp2p/testing's measure(): it grows a batch until one batch takes
// about 20 ms (warm-up and calibration), then runs `rounds` rounds of at least `round`
// each and returns the median rate in operations per second.
func measure(round time.Duration, rounds int, fn func() error) (float64, error) {
	runBatch := func(n int) (time.Duration, error) {
		t0 := time.Now()
		for i := 0; i < n; i++ {
			if err := fn(); err != nil {
				return 0, err
			}
		}
		return time.Since(t0), nil
	}
	batch := 1
	for {
		d, err := runBatch(batch)
		if err != nil {
			return 0, err
		}
		ms := float64(d) / float64(time.Millisecond)
		if ms >= 20 || batch >= 1<<24 {
			break
		}
		if ms < 1 {
			batch *= 16
		} else {
			batch = int(float64(batch)*20/ms) + 1
		}
	}
	samples := make([]float64, 0, rounds)
	for r := 0; r < rounds; r++ {
		ops := 0
		var total time.Duration
		for total < round {
			d, err := runBatch(batch)
			if err != nil {
				return 0, err
			}
			total += d
			ops += batch
		}
		samples = append(samples, float64(ops)/total.Seconds())
	}
	return median(samples), nil
}

func median(values []float64) float64 {
	s := append([]float64(nil), values...)
	sort.Float64s(s)
	return s[len(s)/2]
}

// warm runs fn n times.
func warm(n int, fn func() error) error {
	for i := 0; i < n; i++ {
		if err := fn(); err != nil {
			return err
		}
	}
	return nil
}

// memSnapshot collects garbage until the live heap is stable and reads it.
func memSnapshot() runtime.MemStats {
	var m runtime.MemStats
	for i := 0; i < 4; i++ {
		time.Sleep(20 * time.Millisecond)
		runtime.GC()
	}
	runtime.ReadMemStats(&m)
	return m
}

// memoryPer is the difference of two snapshots divided over n connections.
func memoryPer(n int, before, after runtime.MemStats, gBefore, gAfter int) *Memory {
	heap := (float64(after.HeapAlloc) - float64(before.HeapAlloc)) / float64(n)
	stack := (float64(after.StackInuse) - float64(before.StackInuse)) / float64(n)
	return &Memory{
		Count:      n,
		HeapBytes:  heap,
		StackBytes: stack,
		Goroutines: float64(gAfter-gBefore) / float64(n),
		TotalBytes: heap + stack,
	}
}

// makePayload is half random, half zeros: compressible like real traffic, not trivially
// so (as the TypeScript benches make theirs).
func makePayload(size int) []byte {
	payload := make([]byte, size)
	randomBytes(payload[:size/2])
	return payload
}
