import { existsSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { connect } from '@devp2p/rpc'
import { activeHandles, extraHandles, settleEventLoop } from '@devp2p/testing'
import { afterEach, describe, expect, it } from 'vitest'
import { Node, NodeError } from '../src/index.js'
import { cleanup, tempDir, testNode } from './support.js'

afterEach(cleanup)

describe('Node lifecycle', () => {
  it('starts services in registration order after the server and endpoints, stops them in reverse', async () => {
    const log: string[] = []
    const node = testNode()
    const service = (name: string) => ({
      start: () => {
        // the server and the RPC server run before any service starts
        log.push(`start ${name} server=${node.server.running} rpc=${typeof node.rpc}`)
      },
      stop: async () => {
        log.push(`stop ${name} server=${node.server.running}`)
      },
    })
    node.register(service('a'))
    node.registerLifecycle(service('b'))
    node.register({ ...service('c'), protocols: [] })
    await node.start()
    expect(node.running).toBe(true)
    await node.stop()
    expect(log).toEqual([
      'start a server=true rpc=object',
      'start b server=true rpc=object',
      'start c server=true rpc=object',
      'stop c server=true',
      'stop b server=true',
      'stop a server=true',
    ])
    expect(node.server.running).toBe(false)
  })

  it('rolls back when a service fails to start: the started ones stop in reverse, later ones never start', async () => {
    const log: string[] = []
    const before = activeHandles()
    const node = testNode({ ipcPath: false })
    node.register({ start: () => void log.push('start a'), stop: () => void log.push('stop a') })
    node.register({ start: () => void log.push('start b'), stop: () => void log.push('stop b') })
    node.register({
      start: async () => {
        throw new Error('boom')
      },
      stop: () => void log.push('stop c'),
    })
    node.register({ start: () => void log.push('start d'), stop: () => void log.push('stop d') })
    const err = await node.start().catch((e: unknown) => e)
    expect(err).toBeInstanceOf(NodeError)
    expect((err as NodeError).code).toBe('START_FAILED')
    expect((err as NodeError).message).toContain('boom')
    expect(((err as NodeError).cause as Error).message).toBe('boom')
    expect(log).toEqual(['start a', 'start b', 'stop b', 'stop a'])
    expect(node.running).toBe(false)
    expect(node.server.running).toBe(false)
    await node.wait() // resolves: the node is stopped
    await settleEventLoop()
    expect(extraHandles(before)).toEqual({})
    // a stopped node cannot start again
    await expect(node.start()).rejects.toMatchObject({ code: 'STOPPED' })
  })

  it('rejects a service registered after start with a TypeError', async () => {
    const node = testNode()
    await node.start()
    expect(() => node.register({})).toThrow(TypeError)
    expect(() => node.registerProtocols([])).toThrow(TypeError)
    expect(() => node.registerApis([])).toThrow(TypeError)
    expect(() => node.registerLifecycle({ start() {}, stop() {} })).toThrow(TypeError)
  })

  it('rejects malformed services and APIs', () => {
    const node = testNode()
    expect(() => node.registerApis([{ namespace: '', service: {} }])).toThrow(TypeError)
    expect(() => node.registerApis([{ namespace: 'x', service: null as never }])).toThrow(TypeError)
    expect(() => node.register({ start: 1 as never })).toThrow(TypeError)
    expect(() => node.registerLifecycle({ start() {} } as never)).toThrow(TypeError)
    expect(() => new Node({ dataDir: '' })).toThrow(TypeError)
  })

  it('stop is idempotent, concurrent calls share one promise, wait() resolves, no handle stays open', async () => {
    const before = activeHandles()
    const node = testNode({
      http: { host: '127.0.0.1', port: 0 },
      ws: { host: '127.0.0.1', port: 0 },
    })
    let stops = 0
    node.register({ stop: () => void stops++ })
    await node.start()
    const client = node.attach()
    expect(await client.call('net_listening')).toBe(true)
    let waited = false
    const waiting = node.wait().then(() => {
      waited = true
    })
    const first = node.stop()
    const second = node.stop()
    expect(second).toBe(first)
    await first
    await waiting
    expect(waited).toBe(true)
    await node.stop()
    expect(stops).toBe(1)
    // the attached client was closed with the node
    await expect(client.call('net_listening')).rejects.toThrow()
    await settleEventLoop()
    expect(extraHandles(before)).toEqual({})
  })

  it('stop before start leaves a node that cannot start', async () => {
    const node = testNode()
    await node.stop()
    await node.wait()
    await expect(node.start()).rejects.toMatchObject({ code: 'STOPPED' })
  })

  it('stop during start waits for the start, then stops everything', async () => {
    const node = testNode()
    let stopped = false
    node.register({
      stop: () => {
        stopped = true
      },
    })
    const starting = node.start()
    const stopping = node.stop()
    await starting
    await stopping
    expect(stopped).toBe(true)
    expect(node.server.running).toBe(false)
  })

  it('runs in memory without a data directory: no IPC endpoint, a new key each time', async () => {
    const a = testNode()
    await a.start()
    const endpoints = a.endpoints()
    expect(endpoints.ipc).toBeUndefined()
    expect(endpoints.enode).toMatch(/^enode:\/\/[0-9a-f]{128}@127\.0\.0\.1:\d+$/)
    expect(endpoints.enr).toMatch(/^enr:/)
    expect(await a.attach().call('admin_datadir')).toBe('')
    const b = testNode()
    await b.start()
    expect(b.endpoints().enode.slice(0, 136)).not.toBe(endpoints.enode.slice(0, 136))
  })

  it('endpoints() and attach() need a running node', async () => {
    const node = testNode()
    expect(() => node.endpoints()).toThrow(NodeError)
    expect(() => node.attach()).toThrow(NodeError)
    expect(() => node.server).toThrow(NodeError)
  })

  it('leaves no handle open after a full node stops: data dir, discovery, IPC, HTTP, WebSocket', async () => {
    const before = activeHandles()
    const node = testNode({
      dataDir: tempDir(),
      discovery: { v4: true },
      http: { host: '127.0.0.1', port: 0 },
      ws: { host: '127.0.0.1', port: 0 },
    })
    await node.start()
    const client = await connect(node.endpoints().ipc as string)
    expect(await client.call('net_listening')).toBe(true)
    await client.close()
    await node.stop()
    await settleEventLoop()
    expect(extraHandles(before)).toEqual({})
  })

  it('rolls back the server, discovery and the data directory when an endpoint fails to start', async () => {
    const dir = tempDir()
    writeFileSync(join(dir, 'taken.ipc'), 'a regular file, not a socket')
    const before = activeHandles()
    const node = testNode({ dataDir: dir, ipcPath: 'taken.ipc', discovery: { v4: true } })
    let started = false
    node.register({
      start: () => {
        started = true
      },
    })
    const err = (await node.start().catch((e: unknown) => e)) as NodeError
    expect(err.code).toBe('START_FAILED')
    expect(err.message).toContain('RPC endpoints')
    expect(started).toBe(false)
    expect(node.server.running).toBe(false)
    expect(existsSync(join(dir, 'LOCK'))).toBe(false)
    await settleEventLoop()
    expect(extraHandles(before)).toEqual({})
    // the directory is free again
    const again = testNode({ dataDir: dir })
    await again.start()
    expect(again.running).toBe(true)
  })

  it('a service whose stop throws is STOP_FAILED, and the rest still stops', async () => {
    const dir = tempDir()
    const log: string[] = []
    const node = testNode({ dataDir: dir })
    node.register({ stop: () => void log.push('stop a') })
    node.register({
      stop: () => {
        throw new Error('stuck')
      },
    })
    await node.start()
    const err = (await node.stop().catch((e: unknown) => e)) as NodeError
    expect(err.code).toBe('STOP_FAILED')
    expect((err.cause as Error).message).toBe('stuck')
    expect(log).toEqual(['stop a'])
    expect(node.server.running).toBe(false)
    expect(existsSync(join(dir, 'LOCK'))).toBe(false)
    // the same outcome for every later call
    await expect(node.stop()).rejects.toBe(err)
  })
})

describe("a service's dialCandidates", () => {
  it('gets the running discovery, and what it yields is dialed by the server', async () => {
    const idle = {
      name: 'idle',
      version: 1,
      length: 1,
      run: async (_peer: unknown, rw: AsyncIterable<unknown>) => {
        for await (const _ of rw) {
          // keep the peer
        }
      },
    }
    const target = testNode()
    target.registerProtocols([idle])
    await target.start()
    const joined = new Promise<void>((resolve) =>
      target.server.on('peer', (ev) => {
        if (ev.type === 'add') resolve()
      }),
    )
    const node = testNode({ discovery: { v4: { listenAddr: '127.0.0.1:0' } } })
    const given: unknown[] = []
    node.register({
      protocols: [idle],
      dialCandidates(discovery) {
        given.push(discovery)
        return {
          async *randomNodes() {
            yield target.server.self()
          },
        }
      },
    })
    await node.start()
    expect(given).toEqual([node.discovery])
    await joined
    expect(target.server.peers().map((p) => p.idHex)).toEqual([node.server.self().idHex])

    const without = testNode() // discovery off
    let called = false
    without.register({
      dialCandidates(discovery) {
        called = true
        return discovery
      },
    })
    await without.start()
    expect(called).toBe(false)
  })
})
