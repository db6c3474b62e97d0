/**
 * DNS node lists (EIP-1459) both ways with go-ethereum, served by a real DNS server on
 * 127.0.0.1 (dnsmasq):
 *
 * - ours → geth: a tree our `devp2p dns sign` signed and `dns to-txt` exported is read by
 *   geth's own client (p2p/dnsdisc: `SyncTree` and the random-node iterator its dialer
 *   reads), through cmd/dnsclient, which is dnsdisc with its resolver pointed at dnsmasq
 *   (geth's `devp2p dns sync` can only ask the system's resolver); geth's `devp2p dns
 *   to-txt` accepts our signature and prints the same records as ours.
 * - geth → ours: a tree geth's `devp2p dns sign` signed (with a keystore, the password on
 *   stdin) and geth's `dns to-txt` exported is read by our `devp2p dns sync` and our
 *   client's node stream; our `dns to-txt` of geth's signed directory prints geth's bytes.
 *
 * - geth's own `devp2p dns sync` command, run in a private network and mount namespace
 *   (`unshare -nm`, as root; `-rnm` otherwise) where dnsmasq serves on that namespace's
 *   127.0.0.1:53 and /etc/resolv.conf is bind-mounted to point there: geth's files equal
 *   what our `dns sync` writes for the same tree, byte for byte.
 *
 * Both directions assert the same node set: the records written into nodes.json.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { runCaptured } from '@devp2p/cli'
import { generatePrivateKey } from '@devp2p/crypto'
import { DnsClient } from '@devp2p/discovery/dns'
import { Enr } from '@devp2p/enode'
import { type Dnsmasq, dnsmasqConfig, findDnsmasq, startDnsmasq } from '@devp2p/testing'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { DEVP2P, DNSCLIENT, killAll, runDevp2p, runToEnd } from './helpers/go.js'
import vector from './vectors/keystore-pbkdf2.json' with { type: 'json' }

const ours = (...argv: string[]) => runCaptured(argv)
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex')

/** The node set of both directions: 20 records (two branch levels: > 13 leaves). */
const records = Array.from({ length: 20 }, (_, i) =>
  Enr.create(generatePrivateKey(), {
    seq: BigInt(i + 1),
    ip: `127.0.0.${i + 1}`,
    tcp: 30303 + i,
    udp: 30303 + i,
  }),
)
const ids = records.map((r) => hex(r.nodeId)).sort()
const texts = new Set(records.map((r) => r.encodeText()))
/** A link to another list (not served: SyncTree lists links, it does not follow them). */
const LINK =
  'enrtree://AKA3AM6LPBYEUDMVNU3BSVQJ5AD45Y7YPOHJLEF6W26QOE4VTUDPE@all.mainnet.ethdisco.net'

let dir: string
let dnsmasq: Dnsmasq | undefined

/** A definition directory: geth's nodes.json (as a crawler writes it) and enrtree-info.json. */
function definition(name: string, seq: number, links = [LINK], list = records): string {
  const d = join(dir, name)
  mkdirSync(d)
  const set: Record<string, object> = {}
  for (const r of list) set[hex(r.nodeId)] = { seq: Number(r.seq), record: r.encodeText() }
  writeFileSync(join(d, 'nodes.json'), JSON.stringify(set, null, 4))
  writeFileSync(join(d, 'enrtree-info.json'), JSON.stringify({ seq, links }))
  return d
}

const info = (d: string) =>
  JSON.parse(readFileSync(join(d, 'enrtree-info.json'), 'utf8')) as {
    url: string
    seq: number
    signature: string
    links: string[]
  }

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'devp2p-dns-geth-'))
})
afterEach(async () => {
  await killAll()
  await dnsmasq?.stop()
  dnsmasq = undefined
})
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('DNS node lists with geth', () => {
  it("ours → geth: geth's dnsdisc syncs and iterates a tree we signed and served, and the tree it links to", async () => {
    const keyFile = join(dir, 'tree.key')
    writeFileSync(keyFile, hex(generatePrivateKey()))
    // a second list, linked from the first: geth's iterator follows the link
    const linkedRecords = [1, 2, 3].map((i) =>
      Enr.create(generatePrivateKey(), { ip: `127.0.1.${i}`, tcp: 31000 + i, udp: 31000 + i }),
    )
    const linked = definition('linked.test', 0, [], linkedRecords)
    expect((await ours('dns', 'sign', linked, keyFile)).code).toBe(0)
    const linkedTxt = await ours('dns', 'to-txt', linked)
    const d = definition('ours.test', 6, [info(linked).url])
    const signed = await ours('dns', 'sign', d, keyFile)
    expect(signed.code, signed.err).toBe(0)
    const meta = info(d)
    const txt = await ours('dns', 'to-txt', d)
    expect(txt.code, txt.err).toBe(0)

    // geth's own to-txt checks our signature over the same nodes and prints the same records
    const gethTxt = await runDevp2p(['dns', 'to-txt', d])
    expect(gethTxt.code, gethTxt.stderr).toBe(0)
    expect(gethTxt.stdout).toBe(txt.out)

    dnsmasq = await startDnsmasq({
      ...(JSON.parse(txt.out) as Record<string, string>),
      ...(JSON.parse(linkedTxt.out) as Record<string, string>),
    })
    const all = [...ids, ...linkedRecords.map((r) => hex(r.nodeId))].sort()
    const run = await runToEnd(
      DNSCLIENT,
      ['--server', dnsmasq.server, '--want', String(all.length), meta.url],
      60_000,
    )
    expect(run.code, run.stdout + run.stderr).toBe(0)
    const geth = JSON.parse(run.stdout) as {
      seq: number
      signature: string
      links: string[]
      records: string[]
      iterated: string[]
    }
    expect(geth.seq).toBe(7)
    expect(geth.signature).toBe(meta.signature)
    expect(geth.links).toEqual([info(linked).url])
    // SyncTree: this tree's records (links listed, not followed)
    expect(new Set(geth.records)).toEqual(texts)
    // the iterator: every node of both lists
    expect(geth.iterated).toEqual(all)
  })

  it("geth → ours: our dns sync and node stream read a tree geth's tool signed and exported", async () => {
    const d = definition('geth.test', 2)
    const keystore = join(dir, 'keystore.json')
    writeFileSync(keystore, JSON.stringify(vector.keystore))
    const signed = await runDevp2p(['dns', 'sign', d, keystore], 60_000, `${vector.password}\n`)
    expect(signed.code, signed.stdout + signed.stderr).toBe(0)
    const meta = info(d)
    expect(meta.seq).toBe(3)
    expect(meta.url).toMatch(/^enrtree:\/\/[A-Z2-7]{53}@geth\.test$/)
    const out = join(dir, 'geth-txt.json')
    const exported = await runDevp2p(['dns', 'to-txt', d, out])
    expect(exported.code, exported.stderr).toBe(0)
    const gethTxt = readFileSync(out, 'utf8')

    // our to-txt of geth's signed directory: geth's bytes (geth writes no newline to a file)
    const mine = await ours('dns', 'to-txt', d)
    expect(mine.code, mine.err).toBe(0)
    expect(mine.out).toBe(`${gethTxt}\n`)

    dnsmasq = await startDnsmasq(JSON.parse(gethTxt) as Record<string, string>)
    const synced = join(dir, 'synced')
    const sync = await ours('dns', 'sync', '--dns-servers', dnsmasq.server, meta.url, synced)
    expect(sync.code, sync.err).toBe(0)
    const got = info(synced)
    expect({ url: got.url, seq: got.seq, signature: got.signature, links: got.links }).toEqual({
      url: meta.url,
      seq: 3,
      signature: meta.signature,
      links: [LINK],
    })
    const nodes = JSON.parse(readFileSync(join(synced, 'nodes.json'), 'utf8')) as Record<
      string,
      { record: string }
    >
    expect(Object.keys(nodes)).toEqual(ids)
    expect(new Set(Object.values(nodes).map((n) => n.record))).toEqual(texts)

    // the dial-candidate stream a node's server reads
    const client = new DnsClient({ servers: [dnsmasq.server], rateLimitPerS: 100, rateBurst: 50 })
    const stop = new AbortController()
    const seen = new Set<string>()
    for await (const node of client.nodes([meta.url]).randomNodes({ signal: stop.signal })) {
      seen.add(node.idHex)
      if (seen.size === ids.length) stop.abort()
    }
    expect([...seen].sort()).toEqual(ids)
  })
})

describe("geth's devp2p dns sync command itself", () => {
  it('writes, in a namespace whose resolver is dnsmasq, the same files as our dns sync', async () => {
    const d = definition('ns.test', 0)
    const keyFile = join(dir, 'ns.key')
    writeFileSync(keyFile, hex(generatePrivateKey()))
    expect((await ours('dns', 'sign', d, keyFile)).code).toBe(0)
    const { url } = info(d)
    const txt = JSON.parse((await ours('dns', 'to-txt', d)).out) as Record<string, string>

    // ours, from dnsmasq on a free port of the host's loopback
    dnsmasq = await startDnsmasq(txt)
    const mine = join(dir, 'ns-ours')
    const sync = await ours('dns', 'sync', '--dns-servers', dnsmasq.server, url, mine)
    expect(sync.code, sync.err).toBe(0)

    // geth's, in a private network namespace (its own loopback, nothing else listening):
    // dnsmasq on 127.0.0.1:53 there, and the namespace's /etc/resolv.conf pointing at it
    const ns = join(dir, 'ns')
    mkdirSync(ns)
    writeFileSync(join(ns, 'dnsmasq.conf'), `${dnsmasqConfig(txt)}\n`)
    writeFileSync(join(ns, 'resolv.conf'), 'nameserver 127.0.0.1\n')
    const theirs = join(dir, 'ns-geth')
    const script = [
      'set -e',
      'PATH=/usr/sbin:/sbin:$PATH',
      'ip link set lo up',
      `mount --bind ${ns}/resolv.conf /etc/resolv.conf`,
      `trap 'kill $(cat ${ns}/dnsmasq.pid)' EXIT`,
      // daemon mode: it returns once its sockets are bound
      `${findDnsmasq()} --port=53 --listen-address=127.0.0.1 --bind-interfaces --no-resolv --no-hosts --local=/test/ --user=root --group=root --pid-file=${ns}/dnsmasq.pid --conf-file=${ns}/dnsmasq.conf`,
      `${DEVP2P} dns sync ${url} ${theirs}`,
    ].join('\n')
    const asRoot = process.getuid?.() === 0
    const run = await runToEnd('unshare', [asRoot ? '-nm' : '-rnm', 'sh', '-c', script], 60_000)
    expect(
      run.code,
      `unshare (util-linux) with network and mount namespaces is needed: ${run.stdout}${run.stderr}`,
    ).toBe(0)

    const gethInfo = JSON.parse(readFileSync(join(theirs, 'enrtree-info.json'), 'utf8'))
    const ourInfo = JSON.parse(readFileSync(join(mine, 'enrtree-info.json'), 'utf8'))
    expect({ ...gethInfo, lastModified: '' }).toEqual({ ...ourInfo, lastModified: '' })
    expect(gethInfo.seq).toBe(1)
    // geth writes no newline at the end of nodes.json; otherwise the same bytes
    const gethNodes = readFileSync(join(theirs, 'nodes.json'), 'utf8')
    expect(readFileSync(join(mine, 'nodes.json'), 'utf8')).toBe(`${gethNodes}\n`)
    expect(Object.keys(JSON.parse(gethNodes))).toEqual(ids)
  })
})
