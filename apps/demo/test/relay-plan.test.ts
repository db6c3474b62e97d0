import { describe, expect, it } from 'vitest'
import { type Graph, hopCounts, planChat, xorPath } from '../src/relay-plan.js'

/** A node id whose first byte is `b` (the rest zero): XOR distances are decided by `b`. */
const id = (b: number): Uint8Array => {
  const out = new Uint8Array(32)
  out[0] = b
  return out
}
const graphOf = (n: number, edges: [number, number][]): Graph => {
  const graph: number[][] = Array.from({ length: n }, () => [])
  for (const [x, y] of edges) {
    graph[x]!.push(y)
    graph[y]!.push(x)
  }
  return graph
}

describe('the relay chat plan', () => {
  it('counts hops, Infinity for another component', () => {
    const graph = graphOf(5, [
      [0, 1],
      [1, 2],
      [3, 4],
    ])
    expect(hopCounts(graph, 0)).toEqual([0, 1, 2, Infinity, Infinity])
    expect(hopCounts(graph, 4)).toEqual([Infinity, Infinity, Infinity, 1, 0])
  })

  // the line 1 – 0 – 2 – 3, ids 0x70, 0x00, 0x10, 0x7f
  const line = graphOf(4, [
    [0, 1],
    [0, 2],
    [2, 3],
  ])
  const lineIds = [0x00, 0x70, 0x10, 0x7f].map(id)

  it('follows the XOR-closest peer, and dies at a dead end', () => {
    // from 0 to 3 (0x7f): 1 (0x70, distance 0x0f) is closer than 2 (0x10, 0x6f), and 1
    // has no peer but 0
    expect(xorPath(lineIds, line, 0, 3)).toBeUndefined()
    expect(xorPath(lineIds, line, 3, 0)).toEqual([3, 2, 0])
    // from an end of the line every node has one way on
    expect(xorPath(lineIds, line, 1, 3)).toEqual([1, 0, 2, 3])
    expect(xorPath(lineIds, line, 3, 1)).toEqual([3, 2, 0, 1])
  })

  it('picks a pair XOR routing serves both ways: on the line, its two ends', () => {
    // (0,3) fails 0 → 3 (above); (1,2) fails 2 → 1: 2 hands it to 3 (0x7f^0x70 = 0x0f
    // beats 0x00^0x70 = 0x70), a dead end
    expect(planChat(lineIds, line)).toEqual({
      a: 1,
      b: 3,
      hops: 3,
      routing: 'xor',
      predicted: [
        [1, 0, 2, 3],
        [3, 2, 0, 1],
      ],
    })
  })

  it('prefers a pair XOR routing serves over one further apart that it does not', () => {
    // 1 is the hub of 0, 2 and 3; 4 hangs off 3. ids 0x40, 0x10, 0x80, 0xc0, 0x20.
    // 0 → 4: 1 hands it to 2 (0x80^0x20 = 0xa0 beats 0xc0^0x20 = 0xe0), a dead end; 2 → 4
    // likewise dies at 0. 0 and 2, two hops apart through the hub, are served both ways.
    const graph = graphOf(5, [
      [0, 1],
      [1, 2],
      [1, 3],
      [3, 4],
    ])
    const ids = [0x40, 0x10, 0x80, 0xc0, 0x20].map(id)
    expect(planChat(ids, graph)).toEqual({
      a: 0,
      b: 2,
      hops: 2,
      routing: 'xor',
      predicted: [
        [0, 1, 2],
        [2, 1, 0],
      ],
    })
  })

  it('chats by flood when XOR routing serves no pair both ways, between the furthest nodes', () => {
    // the triangle 0 – 2 – 3 with the tail 3 – 1 – 4; ids 0xfa, 0x6a, 0xf9, 0x3f, 0x9f.
    // 1 → 0 and 1 → 2 go to 4 (a dead end); 3 → 4 and 2 → 4 go round the triangle back to
    // a node that has seen them; 0 → 4 goes 0, 2, 3 and then back to 0. Furthest: 0 and 4.
    const graph = graphOf(5, [
      [0, 2],
      [0, 3],
      [1, 3],
      [1, 4],
      [2, 3],
    ])
    const ids = [0xfa, 0x6a, 0xf9, 0x3f, 0x9f].map(id)
    expect(xorPath(ids, graph, 1, 0)).toBeUndefined()
    expect(xorPath(ids, graph, 0, 4)).toBeUndefined()
    expect(planChat(ids, graph)).toEqual({ a: 0, b: 4, hops: 3, routing: 'flood' })
  })

  it('has no plan when every two nodes are peers or cannot reach each other', () => {
    const graph = graphOf(5, [
      [0, 1],
      [1, 2],
      [0, 2],
      [3, 4],
    ])
    expect(planChat([1, 2, 3, 4, 5].map(id), graph)).toBeUndefined()
  })
})
