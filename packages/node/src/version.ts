import { createRequire } from 'node:module'
import { CLIENT_NAME } from './constants.js'

/** This package's version, from its package.json (one level above src/ and dist/). */
export const VERSION: string = (
  createRequire(import.meta.url)('../package.json') as { version: string }
).version

/** geth's `NodeName` shape: `devp2p-ts[/<identity>]/v<version>/node-<Node.js version>`. */
export function clientVersion(identity: string | undefined): string {
  const parts = [CLIENT_NAME]
  if (identity) parts.push(identity)
  parts.push(`v${VERSION}`, `node-${process.versions.node}`)
  return parts.join('/')
}
