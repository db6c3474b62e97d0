/**
 * A real DNS server on loopback for the tests: Debian's dnsmasq (package dnsmasq-base),
 * serving TXT records from a generated config file on a free port of 127.0.0.1. Shared by
 * the DNS node list tests of discovery, the node, the `devp2p` command and interop/geth.
 *
 * dnsmasq has no "any free port" option, so a port is picked by binding UDP and TCP on
 * 127.0.0.1:0 and releasing them; when dnsmasq then finds the port taken (another
 * process got it in between) it exits with "Address already in use" and we try another.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { createSocket } from 'node:dgram'
import { accessSync, constants, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { delimiter, join } from 'node:path'

const ATTEMPTS = 8
const START_TIMEOUT_MS = 10_000
/** A DNS character-string holds at most 255 bytes; a longer TXT text is several of them. */
const TXT_STRING_BYTES = 255
/** The domains served by default (names under them without a record are NXDOMAIN). */
const DEFAULT_DOMAINS = ['test', 'example.org']

/** Options of {@link startDnsmasq}. */
export interface DnsmasqOptions {
  /**
   * The domains dnsmasq answers for alone (`--local`): a name under one of them that has
   * no record is NXDOMAIN, as from a real zone; without it dnsmasq, having no upstream,
   * answers REFUSED. Default `test` and `example.org`.
   */
  readonly domains?: readonly string[]
}

/** A running dnsmasq. */
export interface Dnsmasq {
  /** `127.0.0.1:<port>`, for `DnsClient({ servers: [server] })`. */
  readonly server: string
  stop(): Promise<void>
}

/** The dnsmasq binary, or an error that says how to install it. */
export function findDnsmasq(): string {
  const dirs = ['/usr/sbin', '/usr/local/sbin', ...(process.env.PATH ?? '').split(delimiter)]
  for (const dir of dirs) {
    const path = join(dir, 'dnsmasq')
    try {
      accessSync(path, constants.X_OK)
      return path
    } catch {}
  }
  throw new Error(
    'dnsmasq is not installed: the DNS node list tests run a real DNS server on loopback. ' +
      'Install it with `apt-get install -y dnsmasq-base` (Debian/Ubuntu; .ci/run does this).',
  )
}

/**
 * A TXT text as DNS character-strings of at most 255 bytes (dnsmasq joins nothing: the
 * resolver does). The texts of the tests are ASCII, so bytes are characters.
 */
function txtStrings(text: string): string[] {
  if (!/^[\x20-\x7e]*$/.test(text)) throw new Error(`not printable ASCII: ${text}`)
  const out: string[] = []
  for (let i = 0; i < text.length; i += TXT_STRING_BYTES)
    out.push(text.slice(i, i + TXT_STRING_BYTES))
  return out.length === 0 ? [''] : out
}

/** dnsmasq config lines serving `records` (name → text), texts split into 255-byte strings. */
export function dnsmasqConfig(records: Readonly<Record<string, string>>): string {
  return Object.entries(records)
    .map(([name, text]) => {
      if (/["\\\n]/.test(text) || /[,\s]/.test(name)) throw new Error(`cannot serve ${name}`)
      const strings = txtStrings(text)
        .map((s) => `"${s}"`)
        .join(',')
      return `txt-record=${name.replace(/\.$/, '')},${strings}`
    })
    .join('\n')
}

/**
 * Starts dnsmasq serving `records` (name → TXT text) on a free port of 127.0.0.1.
 * @throws Error when dnsmasq is not installed (never a skip) or does not start.
 */
export async function startDnsmasq(
  records: Readonly<Record<string, string>>,
  options: DnsmasqOptions = {},
): Promise<Dnsmasq> {
  const binary = findDnsmasq()
  const dir = mkdtempSync(join(tmpdir(), 'devp2p-dnsmasq-'))
  const conf = join(dir, 'dnsmasq.conf')
  writeFileSync(conf, `${dnsmasqConfig(records)}\n`)
  let lastError = ''
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    const port = await freePort()
    const child = spawn(
      binary,
      [
        '--no-daemon',
        `--port=${port}`,
        '--listen-address=127.0.0.1',
        '--bind-interfaces',
        '--no-resolv',
        '--no-hosts',
        '--log-facility=-',
        ...(options.domains ?? DEFAULT_DOMAINS).map((d) => `--local=/${d}/`),
        `--pid-file=${join(dir, 'dnsmasq.pid')}`,
        `--conf-file=${conf}`,
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    )
    const started = await whenStarted(child)
    if (started === true) {
      return {
        server: `127.0.0.1:${port}`,
        async stop() {
          if (child.exitCode === null && child.signalCode === null) {
            const exited = new Promise((resolve) => child.once('exit', resolve))
            child.kill('SIGTERM')
            await exited
          }
          rmSync(dir, { recursive: true, force: true })
        },
      }
    }
    lastError = started
    if (!/in use/i.test(started)) break
  }
  rmSync(dir, { recursive: true, force: true })
  throw new Error(`dnsmasq did not start: ${lastError}`)
}

/** `true` once dnsmasq logs that it started, or its output when it exits first. */
function whenStarted(child: ChildProcess): Promise<true | string> {
  return new Promise((resolve) => {
    let output = ''
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      resolve(`no "started" line within ${START_TIMEOUT_MS} ms: ${output}`)
    }, START_TIMEOUT_MS)
    child.stderr!.setEncoding('utf8')
    child.stderr!.on('data', (chunk: string) => {
      output += chunk
      if (/started, version/.test(output)) {
        clearTimeout(timer)
        resolve(true)
      }
    })
    child.once('exit', (code) => {
      clearTimeout(timer)
      resolve(`exit code ${code}: ${output.trim()}`)
    })
    child.once('error', (err) => {
      clearTimeout(timer)
      resolve(String(err))
    })
  })
}

/** A port of 127.0.0.1 that was free for both UDP and TCP a moment ago. */
async function freePort(): Promise<number> {
  const udp = createSocket('udp4')
  await new Promise<void>((resolve) => udp.bind(0, '127.0.0.1', resolve))
  const { port } = udp.address()
  const tcp = createServer()
  const ok = await new Promise<boolean>((resolve) => {
    tcp.once('error', () => resolve(false))
    tcp.listen(port, '127.0.0.1', () => resolve(true))
  })
  await new Promise<void>((resolve) => udp.close(() => resolve()))
  if (ok) await new Promise<void>((resolve) => tcp.close(() => resolve()))
  return ok ? port : freePort()
}
