import { type Server, STATUS_CODES } from 'node:http'
import type { Duplex } from 'node:stream'
import {
  HTTP_IDLE_TIMEOUT_MS,
  HTTP_READ_HEADER_TIMEOUT_MS,
  HTTP_READ_TIMEOUT_MS,
} from './constants.js'

/**
 * What the HTTP and WebSocket servers share: node's http.Server with geth's timeouts,
 * listening and closing, and plain-text refusals in the shape of Go's `http.Error`.
 */

/** node's http.Server options for geth's `DefaultHTTPTimeouts`. */
export const HTTP_SERVER_OPTIONS = {
  requestTimeout: HTTP_READ_TIMEOUT_MS,
  headersTimeout: HTTP_READ_HEADER_TIMEOUT_MS,
  keepAliveTimeout: HTTP_IDLE_TIMEOUT_MS,
} as const

/** Listens on `host:port` and resolves with the port bound. */
export function listen(server: Server, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error): void => reject(err)
    server.once('error', onError)
    server.listen(port, host, () => {
      server.off('error', onError)
      const address = server.address()
      resolve(typeof address === 'object' && address !== null ? address.port : port)
    })
  })
}

/** Stops listening and closes every connection, idle keep-alive ones included. */
export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve())
    server.closeAllConnections()
  })
}

/** `host:port` for a URL (IPv6 literals in brackets). */
export function hostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`
}

/** A Go `http.Error` answer: plain text, `nosniff`, the message and a newline. */
export function plainError(
  res: {
    writeHead(status: number, headers: Record<string, string | number>): unknown
    end(body: string): unknown
  },
  status: number,
  message: string,
): void {
  const body = `${message}\n`
  res.writeHead(status, {
    'Content-Type': 'text/plain; charset=utf-8',
    'X-Content-Type-Options': 'nosniff',
    'Content-Length': Buffer.byteLength(body),
  })
  res.end(body)
}

/** The same refusal written on the raw socket of an upgrade request, which is then closed. */
export function refuseUpgrade(socket: Duplex, status: number, message: string): void {
  const body = `${message}\n`
  socket.on('error', () => {})
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\n` +
      'Connection: close\r\n' +
      'Content-Type: text/plain; charset=utf-8\r\n' +
      'X-Content-Type-Options: nosniff\r\n' +
      `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    () => socket.destroy(),
  )
}

/** `ip:port` of a request's peer. */
export function remoteOf(socket: { remoteAddress?: string; remotePort?: number }): string {
  return hostPort(socket.remoteAddress ?? 'unknown', socket.remotePort ?? 0)
}
