import type { NodeConfig } from '@devp2p/node'

export type Logger = NonNullable<NodeConfig['logger']>

/** `log` with every entry tagged with the demo node's name in `demoNode`; `{}` without a log. */
export function tagged(log: Logger | undefined, node: string): { logger?: Logger } {
  if (!log) return {}
  return {
    logger: {
      debug: (obj, msg) => log.debug({ ...obj, demoNode: node }, msg),
      info: (obj, msg) => log.info({ ...obj, demoNode: node }, msg),
      warn: (obj, msg) => log.warn({ ...obj, demoNode: node }, msg),
      error: (obj, msg) => log.error({ ...obj, demoNode: node }, msg),
    },
  }
}
