import { defineConfig } from 'vitest/config'

/**
 * The one vitest configuration every package extends. Tests run from source: the
 * `@devp2p/source` export condition points workspace imports at `src/*.ts`, so no build is
 * needed before `pnpm test`.
 */
export default defineConfig({
  resolve: { conditions: ['@devp2p/source', 'import', 'node', 'default'] },
  ssr: { resolve: { conditions: ['@devp2p/source', 'import', 'node', 'default'] } },
  test: {
    include: ['test/**/*.test.ts'],
    environment: 'node',
    testTimeout: 20_000,
    hookTimeout: 20_000,
    passWithNoTests: false,
    reporters: process.env.CI ? ['default', 'json'] : ['default'],
    outputFile: { json: '.turbo/vitest-report.json' },
  },
})
