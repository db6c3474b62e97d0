import { fork } from 'node:child_process'
import { once } from 'node:events'
import { openCaller } from './callers.ts'

const kind = process.argv[2] ?? 'ours'
const transport = (process.argv[3] ?? 'http') as 'http'
const inflight = Number(process.argv[4] ?? 64)
const child = fork(new URL('./server.ts', import.meta.url), [kind, '/tmp/prof/x.ipc'], {
  execArgv: [...process.execArgv, '--expose-gc', '--cpu-prof', '--cpu-prof-dir=/tmp/prof'],
  stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
})
const [ready] = (await once(child, 'message')) as [{ endpoints: Record<string, string> }]
const caller = await openCaller(transport, ready.endpoints[transport]!, inflight)
let answered = 0
let stop = false
const issue = () =>
  caller.call(() => {
    answered++
    if (!stop) issue()
  })
for (let i = 0; i < inflight; i++) issue()
await new Promise((r) => setTimeout(r, 1000))
const a0 = answered
const t0 = performance.now()
await new Promise((r) => setTimeout(r, 4000))
console.log(
  kind,
  transport,
  inflight,
  Math.round(((answered - a0) * 1000) / (performance.now() - t0)),
  'calls/s',
)
stop = true
await new Promise((r) => setTimeout(r, 200))
caller.close()
child.disconnect()
await once(child, 'exit')
