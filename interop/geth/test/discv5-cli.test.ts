/**
 * Discovery v5 between geth's `devp2p` tool and our `Discv5`, both directions over UDP on
 * 127.0.0.1: geth's `discv5 ping` and `discv5 resolve` against ours, and ours pinging and
 * asking (FINDNODE) a node run by geth's `discv5 listen`.
 */
import { spawn } from 'node:child_process'
import { Enr } from '@devp2p/enode'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { type OurDiscv5, startDiscv5 } from './helpers/discv5.js'
import { DEVP2P, EVENT_TIMEOUT_MS, killAll, runDevp2p, track } from './helpers/go.js'

/** Our `Discv5`s of one test, stopped after it. */
const started: OurDiscv5[] = []
async function ours(bootnodes: readonly string[] = []): Promise<OurDiscv5> {
  const node = await startDiscv5(bootnodes)
  started.push(node)
  return node
}
afterEach(async () => {
  await Promise.all(started.splice(0).map((node) => node.stop()))
})
afterAll(killAll)

describe("geth's devp2p discv5 against our Discv5", () => {
  it('ping: our node answers (geth prints <nil>, its "no error")', async () => {
    const node = await ours()
    const { code, stdout, stderr } = await runDevp2p(['discv5', 'ping', node.enr()])
    expect(code, stderr).toBe(0)
    expect(stdout.trim(), stderr).toBe('<nil>')
    // geth's tool made a session with us: a handshake answered our challenge
    expect(node.disc.sessionCount).toBeGreaterThan(0)
  })

  it('resolve: geth prints our current record', async () => {
    const node = await ours()
    const { code, stdout, stderr } = await runDevp2p(['discv5', 'resolve', node.enr()])
    expect(code, stderr).toBe(0)
    expect(stdout.trim(), stderr).toBe(node.enr())
  })
})

/** Starts geth's `devp2p discv5 listen` on 127.0.0.1 and resolves with the record it prints. */
function gethListen(): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      DEVP2P,
      ['discv5', 'listen', '--addr', '127.0.0.1:0', '--extaddr', '127.0.0.1'],
      { stdio: 'pipe' },
    )
    track(child)
    let stdout = ''
    let stderr = ''
    const timer = setTimeout(() => {
      reject(new Error(`geth discv5 listen printed no record in ${EVENT_TIMEOUT_MS} ms\n${stderr}`))
    }, EVENT_TIMEOUT_MS)
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d
    })
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      stdout += d
      const line = /^(enr:\S+)\n/m.exec(stdout)
      if (line) {
        clearTimeout(timer)
        resolve(line[1]!)
      }
    })
    child.once('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`geth discv5 listen exited (${code}) before printing its record\n${stderr}`))
    })
  })
}

describe("our Discv5 against geth's devp2p discv5 listen", () => {
  let geth: string
  beforeAll(async () => {
    geth = await gethListen()
  })

  it("ping: geth answers with its record's seq and the address it saw us at", async () => {
    const node = await ours()
    const pong = await node.disc.ping(geth)
    expect(pong).toEqual({
      enrSeq: Enr.decodeText(geth).seq,
      ip: '127.0.0.1',
      port: node.disc.address.port,
    })
  })

  it("findNode at distance 0: geth's own record, as it printed it", async () => {
    const node = await ours()
    const records = await node.disc.findNode(geth, [0])
    expect(records.map((r) => r.toEnrText())).toEqual([geth])
  })
})
