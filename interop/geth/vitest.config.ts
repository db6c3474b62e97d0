import { defineConfig, mergeConfig } from 'vitest/config'
import shared from '../../vitest.shared.ts'

/**
 * The shared configuration, with room for go-ethereum: each file starts Go processes
 * and real sockets, so files run one at a time (the machine may have two cores) and
 * a test may wait longer than a unit test.
 */
export default mergeConfig(
  shared,
  defineConfig({
    test: { fileParallelism: false, testTimeout: 90_000, hookTimeout: 60_000 },
  }),
)
