package main

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/ethereum/go-ethereum/node"
	"github.com/ethereum/go-ethereum/rpc"
)

// runServe is `rpcpeer serve`: one geth rpc.Server with the foo service on each transport
// asked for, wrapped in the same handler stacks a geth node puts in front of its own.
func runServe(args []string) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	var (
		httpAddr  = fs.String("http", "", "HTTP listen address (e.g. 127.0.0.1:0); empty: no HTTP")
		wsAddr    = fs.String("ws", "", "WebSocket listen address; empty: no WebSocket")
		ipcPath   = fs.String("ipc", "", "Unix socket path; empty: no IPC")
		jwtHex    = fs.String("jwt-secret", "", "32-byte secret as hex: HTTP and WebSocket then need a JWT, as geth's authenticated endpoint")
		cors      = fs.String("cors", "", "comma-separated CORS origins for HTTP (geth's --http.corsdomain); empty: no CORS handling")
		vhosts    = fs.String("vhosts", strings.Join(node.DefaultConfig.HTTPVirtualHosts, ","), "comma-separated virtual hosts for HTTP (geth's --http.vhosts)")
		wsOrigins = fs.String("ws-origins", "*", "comma-separated WebSocket origins (geth's --ws.origins)")
		noGzip    = fs.Bool("nogzip", false, "no gzip on HTTP responses (a geth node gzips unless it is the authenticated endpoint)")
	)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *httpAddr == "" && *wsAddr == "" && *ipcPath == "" {
		return errors.New("serve: give at least one of --http, --ws, --ipc")
	}
	var secret []byte
	if *jwtHex != "" {
		var err error
		secret, err = hex.DecodeString(strings.TrimPrefix(*jwtHex, "0x"))
		if err != nil || len(secret) != 32 {
			return errors.New("serve: --jwt-secret must be 32 bytes of hex")
		}
	}

	srv := rpc.NewServer()
	// a geth node's defaults (rpc.NewServer alone sets no batch limits)
	srv.SetBatchLimits(node.DefaultConfig.BatchRequestLimit, node.DefaultConfig.BatchResponseMaxSize)
	srv.SetHTTPBodyLimit(node.DefaultConfig.HTTPBodyLimit)
	if err := srv.RegisterName("foo", fooService{}); err != nil {
		return err
	}
	defer srv.Stop()

	ready := map[string]string{}
	var closers []io.Closer
	defer func() {
		for _, c := range closers {
			_ = c.Close()
		}
	}()
	serveHTTP := func(addr string, handler http.Handler) (string, error) {
		l, err := net.Listen("tcp", addr)
		if err != nil {
			return "", err
		}
		timeouts := rpc.DefaultHTTPTimeouts
		hs := &http.Server{
			Handler:           handler,
			ReadTimeout:       timeouts.ReadTimeout,
			ReadHeaderTimeout: timeouts.ReadHeaderTimeout,
			WriteTimeout:      timeouts.WriteTimeout,
			IdleTimeout:       timeouts.IdleTimeout,
		}
		closers = append(closers, hs)
		go func() { _ = hs.Serve(l) }()
		return l.Addr().String(), nil
	}
	if *httpAddr != "" {
		handler := node.NewHTTPHandlerStack(srv, splitList(*cors), splitList(*vhosts), secret, *noGzip)
		addr, err := serveHTTP(*httpAddr, handler)
		if err != nil {
			return fmt.Errorf("serve: http: %w", err)
		}
		ready["http"] = "http://" + addr
	}
	if *wsAddr != "" {
		handler := node.NewWSHandlerStack(srv.WebsocketHandler(splitList(*wsOrigins)), secret)
		addr, err := serveHTTP(*wsAddr, handler)
		if err != nil {
			return fmt.Errorf("serve: ws: %w", err)
		}
		ready["ws"] = "ws://" + addr
	}
	if *ipcPath != "" {
		l, err := net.Listen("unix", *ipcPath)
		if err != nil {
			return fmt.Errorf("serve: ipc: %w", err)
		}
		closers = append(closers, l) // closing a unix listener also removes its file
		go func() { _ = srv.ServeListener(l) }()
		ready["ipc"] = *ipcPath
	}
	line, _ := json.Marshal(ready)
	fmt.Println(string(line))

	// serve until stdin ends (the parent went away) or a signal asks us to stop
	done := make(chan struct{}, 2)
	go func() {
		_, _ = io.Copy(io.Discard, os.Stdin)
		done <- struct{}{}
	}()
	signals := make(chan os.Signal, 1)
	signal.Notify(signals, syscall.SIGTERM, syscall.SIGINT)
	go func() {
		<-signals
		done <- struct{}{}
	}()
	<-done
	return nil
}

func splitList(s string) []string {
	var out []string
	for _, item := range strings.Split(s, ",") {
		if item = strings.TrimSpace(item); item != "" {
			out = append(out, item)
		}
	}
	return out
}
