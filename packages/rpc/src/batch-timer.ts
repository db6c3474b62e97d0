import type { Clock } from '@devp2p/common'
import { REQUEST_TIMEOUT_ERROR } from './constants.js'
import type { JsonRpcErrorObject } from './errors.js'

/** What {@link BatchTimer.race} gives when the batch's time ran out first. */
export const TIMED_OUT: unique symbol = Symbol('timed out')

/** The answer of a call cut off by its batch's time limit (geth's `errcodeTimeout`). */
export const TIMEOUT_ERROR: JsonRpcErrorObject = {
  code: REQUEST_TIMEOUT_ERROR,
  message: 'request timed out',
}

/** The time limit of one batch, as geth runs a whole batch under one deadline. */
export interface BatchTimer {
  /** {@link TIMEOUT_ERROR} once the limit passed. */
  readonly expired: JsonRpcErrorObject | undefined
  /** `pending`, or {@link TIMED_OUT} if the limit passes first. */
  race<T>(pending: Promise<T>): Promise<T | typeof TIMED_OUT>
  cancel(): void
}

/** A {@link BatchTimer} of `ms` on `clock`; 0 is no limit. */
export function batchTimer(clock: Clock, ms: number): BatchTimer {
  let expired = false
  let wake: (() => void) | undefined
  const deadline =
    ms > 0
      ? clock.deadline(ms, () => {
          expired = true
          wake?.()
        })
      : undefined
  const timeout = new Promise<typeof TIMED_OUT>((resolve) => {
    wake = () => resolve(TIMED_OUT)
  })
  return {
    get expired() {
      return expired ? TIMEOUT_ERROR : undefined
    },
    race: (pending) => (deadline === undefined ? pending : Promise.race([pending, timeout])),
    cancel: () => deadline?.cancel(),
  }
}
