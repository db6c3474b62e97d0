/**
 * One Node JSON-RPC server of the rpc bench, in its own process (forked by bench/index.ts
 * with --expose-gc), so each server has an event loop to itself. Argument 1: `ours`,
 * `jayson` or `json-rpc-2.0`; argument 2: the Unix socket path for IPC. Every server
 * answers `foo_getNumber` with 42 over HTTP (POST, keep-alive), WebSocket (its own port)
 * and IPC, all on 127.0.0.1 port 0, and says where as its first message
 * ({@link ServerReady}). `{ type: 'memory' }` is answered with process.memoryUsage() after
 * two full GCs. The process exits when its parent disconnects.
 *
 * - ours: `RpcServer` with `HttpRpcServer`, `WsRpcServer` and `IpcRpcServer`, defaults
 *   otherwise (the build in dist/, as it ships); "missing" when they cannot be imported.
 * - jayson: its own `http()`, `websocket()` (on `ws` 7) and `tcp()` servers, the last
 *   listening on the Unix path (newline-delimited, its default).
 * - json-rpc-2.0: transport-agnostic, so wired here as plainly as it allows: `node:http`
 *   (the whole body to `receiveJSON`), a `ws` WebSocketServer (each message to
 *   `receiveJSON`), and `node:net` with newline-delimited messages both ways.
 */
import { once } from 'node:events'
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http'
import { createServer as createNetServer, type Server as NetServer } from 'node:net'
import { WebSocketServer } from 'ws'
import type { Endpoints, ServerMemory, ServerReady } from './messages.ts'

const HOST = '127.0.0.1'

class Foo {
  getNumber(): number {
    return 42
  }
}

async function listenTcp(server: HttpServer): Promise<number> {
  server.listen(0, HOST)
  await once(server, 'listening')
  return (server.address() as { port: number }).port
}

async function listenPath(server: NetServer, path: string): Promise<void> {
  server.listen(path)
  await once(server, 'listening')
}

/** The shape of ours, as agreed in RPC-API.md (imported at run time: "missing" if absent). */
interface Startable {
  start(): Promise<void>
  stop(): Promise<void>
}
interface OursModule {
  RpcServer: new () => { registerName(namespace: string, service: object): void }
  HttpRpcServer: new (
    server: unknown,
    options: { host: string; port: number },
  ) => Startable & {
    readonly url: string
  }
  WsRpcServer: new (
    server: unknown,
    options: { host: string; port: number },
  ) => Startable & {
    readonly url: string
  }
  IpcRpcServer: new (server: unknown, options: { path: string }) => Startable
}

async function ours(ipcPath: string): Promise<ServerReady> {
  let rpc: Partial<OursModule>
  try {
    rpc = (await import('@devp2p/rpc')) as Partial<OursModule>
  } catch (e) {
    return { type: 'missing', reason: `@devp2p/rpc: ${(e as Error).message}` }
  }
  const absent = (['RpcServer', 'HttpRpcServer', 'WsRpcServer', 'IpcRpcServer'] as const).filter(
    (name) => typeof rpc[name] !== 'function',
  )
  if (absent.length > 0) return { type: 'missing', reason: `no ${absent.join(', ')} in the build` }
  const { RpcServer, HttpRpcServer, WsRpcServer, IpcRpcServer } = rpc as OursModule
  const server = new RpcServer()
  server.registerName('foo', new Foo())
  const http = new HttpRpcServer(server, { host: HOST, port: 0 })
  const ws = new WsRpcServer(server, { host: HOST, port: 0 })
  const ipc = new IpcRpcServer(server, { path: ipcPath })
  await Promise.all([http.start(), ws.start(), ipc.start()])
  return { type: 'ready', endpoints: { http: http.url, ws: ws.url, ipc: ipcPath } }
}

async function jayson(ipcPath: string): Promise<ServerReady> {
  const { default: jaysonLib } = await import('jayson')
  const foo = new Foo()
  const server = new jaysonLib.Server({
    foo_getNumber: (_args: unknown, callback: (error: null, result: number) => void) =>
      callback(null, foo.getNumber()),
  })
  const httpPort = await listenTcp(server.http())
  // a ws 7 WebSocket.Server, which jayson's types leave opaque
  const wss = server.websocket({ host: HOST, port: 0 }) as unknown as WebSocketServer
  await once(wss, 'listening')
  const wsPort = (wss.address() as { port: number }).port
  await listenPath(server.tcp(), ipcPath)
  const endpoints: Endpoints = {
    http: `http://${HOST}:${httpPort}`,
    ws: `ws://${HOST}:${wsPort}`,
    ipc: ipcPath,
  }
  return { type: 'ready', endpoints }
}

async function jsonRpc2(ipcPath: string): Promise<ServerReady> {
  const { JSONRPCServer } = await import('json-rpc-2.0')
  const foo = new Foo()
  const server = new JSONRPCServer()
  server.addMethod('foo_getNumber', () => foo.getNumber())

  const http = createHttpServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      void server.receiveJSON(Buffer.concat(chunks).toString('utf8')).then((answer) => {
        if (answer === null) return void res.writeHead(204).end()
        const text = JSON.stringify(answer)
        res.writeHead(200, {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(text),
        })
        res.end(text)
      })
    })
  })
  const httpPort = await listenTcp(http)

  const wss = new WebSocketServer({ host: HOST, port: 0 })
  await once(wss, 'listening')
  wss.on('connection', (ws) => {
    ws.on('message', (data) => {
      void server.receiveJSON(String(data)).then((answer) => {
        if (answer !== null) ws.send(JSON.stringify(answer))
      })
    })
  })
  const wsPort = (wss.address() as { port: number }).port

  const ipc = createNetServer((socket) => {
    let rest = ''
    socket.setEncoding('utf8')
    socket.on('data', (chunk: string) => {
      const lines = (rest + chunk).split('\n')
      rest = lines.pop() ?? ''
      for (const line of lines) {
        if (line.trim() === '') continue
        void server.receiveJSON(line).then((answer) => {
          if (answer !== null && !socket.destroyed) socket.write(`${JSON.stringify(answer)}\n`)
        })
      }
    })
    socket.on('error', () => {})
  })
  await listenPath(ipc, ipcPath)
  const endpoints: Endpoints = {
    http: `http://${HOST}:${httpPort}`,
    ws: `ws://${HOST}:${wsPort}`,
    ipc: ipcPath,
  }
  return { type: 'ready', endpoints }
}

const gc = (globalThis as { gc?: () => void }).gc

function memory(): ServerMemory {
  gc?.()
  gc?.()
  const m = process.memoryUsage()
  return { type: 'memory', rss: m.rss, heapUsed: m.heapUsed, external: m.external }
}

const starters: Record<string, (ipcPath: string) => Promise<ServerReady>> = {
  ours,
  jayson,
  'json-rpc-2.0': jsonRpc2,
}

const [kind = '', ipcPath = ''] = process.argv.slice(2)
process.on('disconnect', () => process.exit(0))
process.on('message', (msg: { type: string }) => {
  if (msg.type === 'memory') process.send?.(memory())
})
const start = starters[kind]
const ready: Promise<ServerReady> =
  start === undefined
    ? Promise.resolve({ type: 'missing', reason: `unknown server ${kind}` })
    : start(ipcPath).catch((e: Error) => ({ type: 'missing', reason: e.message }))
void ready.then((message) => process.send?.(message))
