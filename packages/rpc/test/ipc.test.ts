import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { IpcRpcServer, ipcTransport, RpcClient } from '../src/index.js'
import { transportSuite } from './support/transport-suite.js'

transportSuite('IPC', () => {
  let dir: string | undefined
  let ipc: IpcRpcServer | undefined
  return {
    subscriptions: true,
    connect: async (server) => {
      dir = mkdtempSync(join(tmpdir(), 'rpc-ipc-'))
      ipc = new IpcRpcServer(server, { path: join(dir, 'rpc.ipc') })
      await ipc.start()
      return new RpcClient(await ipcTransport(ipc.path))
    },
    teardown: async () => {
      await ipc?.stop()
      if (dir !== undefined) rmSync(dir, { recursive: true, force: true })
    },
  }
})
