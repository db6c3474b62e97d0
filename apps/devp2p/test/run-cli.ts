import { runCaptured } from '../src/cli.js'

/** Runs `devp2p argv…` in-process and collects what it wrote. */
export const cli = (...argv: string[]): ReturnType<typeof runCaptured> => runCaptured(argv)
