import { connect, type RpcClient, RpcError } from '@devp2p/rpc'
import type { Command } from 'commander'
import { CliError, type CliIo, interruption } from '../io.js'

/**
 * A command-line parameter as a JSON-RPC param: JSON when it parses (`42`, `true`,
 * `"0x1"`, `[1,2]`, `{"a":1}`), otherwise the text itself, so `enode://…` needs no quotes.
 */
export function parseParam(text: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    return text
  }
}

/**
 * `ns_subscribe <name> [params…]`: opens the subscription and prints each notification as
 * one JSON line until Ctrl-C (exit 0) or the server ends it.
 */
async function stream(
  client: RpcClient,
  namespace: string,
  params: unknown[],
  io: CliIo,
): Promise<void> {
  const [name, ...rest] = params
  if (typeof name !== 'string') {
    throw new CliError(`${namespace}_subscribe: the subscription's name comes first`)
  }
  const interrupted = interruption()
  try {
    const sub = await client.subscribe({
      namespace,
      name,
      params: rest,
      signal: interrupted.signal,
    })
    io.err(`subscribed to ${namespace} ${name} (id ${sub.id}); Ctrl-C to stop\n`)
    for await (const value of sub) io.out(`${JSON.stringify(value)}\n`)
  } catch (err) {
    if (!interrupted.signal.aborted) throw err
  } finally {
    interrupted.dispose()
  }
}

/**
 * `devp2p rpc <endpoint> <method> [params…]`: one call, its result as JSON on stdout; a
 * `ns_subscribe` over WebSocket or IPC streams the notifications instead.
 */
export function rpcCommand(program: Command, io: CliIo): void {
  program
    .command('rpc')
    .description('Calls a JSON-RPC method on a node: over HTTP, WebSocket or IPC (a socket path)')
    .argument('<endpoint>', 'http://…, ws://… or the path of an IPC socket')
    .argument('<method>', 'e.g. admin_nodeInfo')
    .argument('[params...]', 'each parsed as JSON when it can be, else taken as text')
    .option('--compact', 'print the result on one line')
    .addHelpText(
      'after',
      '\nA subscription (over WebSocket or IPC) prints one JSON line per notification until\nCtrl-C: devp2p rpc ws://127.0.0.1:8546 admin_subscribe peerEvents',
    )
    .action(
      async (endpoint: string, method: string, params: string[], flags: { compact?: boolean }) => {
        const client = await connect(endpoint)
        try {
          const subscribe = /^([A-Za-z0-9]+)_subscribe$/.exec(method)
          if (subscribe !== null) {
            await stream(client, subscribe[1] as string, params.map(parseParam), io)
            return
          }
          const result = await client.call(method, ...params.map(parseParam))
          io.out(`${JSON.stringify(result, null, flags.compact ? undefined : 2)}\n`)
        } catch (err) {
          if (err instanceof RpcError) {
            const data = err.data === undefined ? '' : ` ${JSON.stringify(err.data)}`
            throw new CliError(`${method}: ${err.message} (code ${err.code})${data}`)
          }
          throw err
        } finally {
          await client.close()
        }
      },
    )
}
