import { connect, RpcError } from '@devp2p/rpc'
import type { Command } from 'commander'
import { CliError, type CliIo } from '../io.js'

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

/** `devp2p rpc <endpoint> <method> [params…]`: one call, its result as JSON on stdout. */
export function rpcCommand(program: Command, io: CliIo): void {
  program
    .command('rpc')
    .description('Calls a JSON-RPC method on a node: over HTTP, WebSocket or IPC (a socket path)')
    .argument('<endpoint>', 'http://…, ws://… or the path of an IPC socket')
    .argument('<method>', 'e.g. admin_nodeInfo')
    .argument('[params...]', 'each parsed as JSON when it can be, else taken as text')
    .option('--compact', 'print the result on one line')
    .action(
      async (endpoint: string, method: string, params: string[], flags: { compact?: boolean }) => {
        const client = await connect(endpoint)
        try {
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
