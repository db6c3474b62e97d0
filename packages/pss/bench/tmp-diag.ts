import { runSimulation } from './simulation.ts'

for (const reservedPeers of (process.env.R ?? '0,5').split(',').map(Number)) {
  const r = runSimulation({ nodes: 1000, topology: 'mixed', churnPerMinute: 0, seed: Number(process.env.S ?? 3), reservedPeers })
  console.log(reservedPeers, r.full.ratio, r.meanDegree, r.minDegree, r.maxDegree, JSON.stringify(r.diagnosis))
}
