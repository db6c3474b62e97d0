import { defineConfig, mergeConfig } from 'vitest/config'
import shared from '../../vitest.shared.ts'

/**
 * The shared configuration, with room for real processes: each file starts Rust peers on
 * real sockets, so files run one at a time (the machine may have two cores).
 */
export default mergeConfig(
  shared,
  defineConfig({
    test: { fileParallelism: false, testTimeout: 60_000, hookTimeout: 30_000 },
  }),
)
