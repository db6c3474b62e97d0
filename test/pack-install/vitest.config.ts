import { defineConfig, mergeConfig } from 'vitest/config'
import shared from '../../vitest.shared.ts'

// npm install and child processes: give a loaded machine more than the shared 20 s.
export default mergeConfig(shared, defineConfig({ test: { testTimeout: 120_000 } }))
