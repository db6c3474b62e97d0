import { defineConfig, mergeConfig } from 'vitest/config'
import shared from '../vitest.shared.ts'

// Each test starts a chapter as its own tsx process (compiling on the fly): give a loaded
// machine more time than the shared 20 s.
export default mergeConfig(shared, defineConfig({ test: { testTimeout: 60_000 } }))
