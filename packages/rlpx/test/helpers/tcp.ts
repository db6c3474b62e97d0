import { connect, createServer, type Server, type Socket } from 'node:net'

/** A connected loopback TCP pair on 127.0.0.1:0; `close()` destroys both and the server. */
export async function tcpPair(): Promise<{
  client: Socket
  server: Socket
  close: () => Promise<void>
}> {
  const srv: Server = createServer()
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve))
  const address = srv.address()
  if (address === null || typeof address === 'string') throw new Error('no TCP address')
  const accepted = new Promise<Socket>((resolve) => srv.once('connection', resolve))
  const client = connect(address.port, '127.0.0.1')
  await new Promise<void>((resolve, reject) => {
    client.once('connect', resolve)
    client.once('error', reject)
  })
  const server = await accepted
  return {
    client,
    server,
    close: async () => {
      for (const s of [client, server]) {
        s.on('error', () => {})
        s.destroy()
      }
      await new Promise<void>((resolve) => srv.close(() => resolve()))
    },
  }
}

/** Listens on 127.0.0.1:0 and hands each accepted socket to `onSocket`. */
export async function listen(
  onSocket: (socket: Socket) => void,
): Promise<{ port: number; close: () => Promise<void> }> {
  const sockets = new Set<Socket>()
  const srv = createServer((socket) => {
    sockets.add(socket)
    socket.once('close', () => sockets.delete(socket))
    onSocket(socket)
  })
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve))
  const address = srv.address()
  if (address === null || typeof address === 'string') throw new Error('no TCP address')
  return {
    port: address.port,
    close: async () => {
      for (const s of sockets) s.destroy()
      await new Promise<void>((resolve) => srv.close(() => resolve()))
    },
  }
}

/** Connects to 127.0.0.1:port. */
export async function dial(port: number): Promise<Socket> {
  const socket = connect(port, '127.0.0.1')
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve)
    socket.once('error', reject)
  })
  return socket
}
