import { inProcessTransport, RpcClient } from '../src/index.js'
import { transportSuite } from './support/transport-suite.js'

transportSuite('in-process', () => ({
  subscriptions: true,
  connect: async (server) => new RpcClient(inProcessTransport(server)),
  teardown: async () => {},
}))
