import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { callContext, RpcServer, type ServiceSpec } from '../src/index.js'
import { fakeSession } from './support/fake-session.js'

/**
 * go-ethereum's own server transcripts (rpc/testdata/*.js, copied verbatim into
 * test/vectors/geth/ with their source line): each `-->` line is a request, each `<--`
 * line an answer geth writes, in order. Our server runs them against a port of geth's
 * test services and must write the same text, except where DIFFERENCES says why not.
 */

const VECTORS = join(import.meta.dirname, 'vectors', 'geth')

/** geth's `testService` (rpc/testservice_test.go), as a TypeScript service. */
class TestService {
  noArgsRets(): void {}
  echo(str: string, int: number, args?: { S: string }) {
    return { String: str, Int: int, Args: args ?? null }
  }
  echoWithCtx(str: string, int: number, args?: { S: string }) {
    return this.echo(str, int, args)
  }
  /** geth's MarshalErrObj: a result JSON cannot hold. */
  marshalError() {
    const cyclic: Record<string, unknown> = {}
    cyclic.self = cyclic
    return cyclic
  }
  /** geth's panicking method: the nearest thing is a throw of a non-Error. */
  panic(): never {
    throw 'method crashed'
  }
}

const echoParams = [
  { name: 'str', schema: { type: 'string' } },
  { name: 'int', schema: { type: 'integer' } },
  { name: 'args', schema: { type: 'object' }, required: false },
]
const testSpec: ServiceSpec = {
  methods: { echo: { params: echoParams }, echoWithCtx: { params: echoParams } },
}

/** geth's `notificationTestService`: `someSubscription(n, val)` sends val … val+n-1. */
class NotificationTestService {
  echo(i: number): number {
    return i
  }
  async *someSubscription(n: number, val: number): AsyncGenerator<number> {
    for (let i = 0; i < n; i++) yield val + i
    const signal = callContext().signal
    await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve()))
  }
}

/**
 * Where our answer differs from geth's, by `file:line` of geth's `<--` line: the text we
 * write instead, and why.
 */
const DIFFERENCES: Record<string, { ours: string; why: string }> = {
  'internal-error.txt:5': {
    ours: '{"jsonrpc":"2.0","id":1,"error":{"code":-32603,"message":"internal error"}}',
    why: "same code; geth's message is Go's marshaller error, ours does not describe the value",
  },
  'internal-error.txt:8': {
    ours: '{"jsonrpc":"2.0","id":2,"error":{"code":-32603,"message":"internal error"}}',
    why: 'same code; a thrown non-Error is our nearest thing to a Go panic',
  },
  'invalid-syntax.txt:5': {
    ours: '{"jsonrpc":"2.0","id":null,"error":{"code":-32700,"message":"parse error"}}',
    why: "same code and id; geth's message is Go's parser error, ours does not quote the input",
  },
  'reqresp-namedparam.txt:6': {
    ours: '{"jsonrpc":"2.0","id":3,"error":{"code":-32602,"message":"missing value for required argument 0"}}',
    why: 'same code; geth has no params by name, ours takes them for a method that declares its names (an extension of issue #17)',
  },
}

/** Transcripts of features we do not have: the server calling the client back. */
const NOT_APPLICABLE = new Set(['revcall.txt', 'revcall2.txt'])

interface Step {
  request: string
  answers: { text: string; line: number }[]
}

function parseTranscript(file: string): Step[] {
  const steps: Step[] = []
  readFileSync(join(VECTORS, file), 'utf8')
    .split('\n')
    .forEach((raw, i) => {
      const line = raw.trim()
      if (line.startsWith('--> ')) steps.push({ request: line.slice(4), answers: [] })
      else if (line.startsWith('<-- ')) {
        const step = steps.at(-1)
        if (step === undefined) throw new Error(`${file}:${i + 1}: answer before any request`)
        step.answers.push({ text: line.slice(4), line: i + 1 })
      } else if (line !== '' && !line.startsWith('//'))
        throw new Error(`${file}:${i + 1}: not a transcript line`)
    })
  return steps
}

function expected(file: string, answer: { text: string; line: number }): string {
  return DIFFERENCES[`${file}:${answer.line}`]?.ours ?? answer.text
}

function newTestServer(): RpcServer {
  // geth's transcripts run with SetBatchLimits(4, 100000)
  const server = new RpcServer({ maxBatchItems: 4, maxBatchResponseBytes: 100_000 })
  server.registerName('test', new TestService(), testSpec)
  server.registerName('nftest', new NotificationTestService())
  return server
}

/** Our subscription ids are random; geth's transcripts use a counter (0x1, 0x2, …). */
function withSequentialIds(texts: string[]): string[] {
  const ids = new Map<string, string>()
  return texts.map((t) =>
    t.replace(/"0x[0-9a-f]{32}"/g, (id) => {
      if (!ids.has(id)) ids.set(id, `"0x${ids.size + 1}"`)
      return ids.get(id) as string
    }),
  )
}

const files = readdirSync(VECTORS)
  .filter((f) => f.endsWith('.txt'))
  .sort()

describe("go-ethereum's rpc/testdata transcripts", () => {
  it('are all here, and each is either run or named as not applicable', () => {
    expect(files).toHaveLength(18)
    for (const f of NOT_APPLICABLE) expect(files).toContain(f)
    for (const key of Object.keys(DIFFERENCES)) {
      const [file, line] = key.split(':') as [string, string]
      const steps = parseTranscript(file)
      expect(steps.some((s) => s.answers.some((a) => a.line === Number(line)))).toBe(true)
    }
  })

  for (const file of files.filter((f) => !NOT_APPLICABLE.has(f))) {
    const steps = parseTranscript(file)

    it(`${file} over a two-way connection (session.receive)`, async () => {
      const server = newTestServer()
      const { session, transport } = fakeSession(server)
      const want: string[] = []
      for (const step of steps) {
        await session.receive(step.request)
        for (const answer of step.answers) want.push(expected(file, answer))
        // subscription notifications follow the answer asynchronously: wait for them
        await transport.waitFor(want.length)
        expect(withSequentialIds(transport.sent as string[])).toEqual(want)
      }
      session.close()
      server.stop()
    })

    if (!steps.some((s) => s.request.includes('_subscribe'))) {
      it(`${file} over HTTP (session.handleText)`, async () => {
        const server = newTestServer()
        const { session } = fakeSession(server, 'http', { noSend: true })
        for (const step of steps) {
          const answer = await session.handleText(step.request)
          const want = step.answers.map((a) => expected(file, a))
          expect(want.length).toBeLessThanOrEqual(1)
          expect(answer).toBe(want[0])
        }
        server.stop()
      })
    }
  }
})
