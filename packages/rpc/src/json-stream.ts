import { isAscii } from 'node:buffer'
import { INVALID_REQUEST, PARSE_ERROR, STREAM_BUFFER_KEEP_BYTES } from './constants.js'
import { RpcError } from './errors.js'

// Scanner modes. Between values; inside an object or array (depth > 0); inside a string
// (at any depth); right after a backslash in a string; in a bare top-level number or
// literal (`42`, `true`).
const TOP = 0
const NESTED = 1
const STRING = 2
const ESCAPE = 3
const SCALAR = 4

const SPACE = 0x20
const TAB = 0x09
const LF = 0x0a
const CR = 0x0d
const QUOTE = 0x22
const BACKSLASH = 0x5c
const OPEN_BRACE = 0x7b
const CLOSE_BRACE = 0x7d
const OPEN_BRACKET = 0x5b
const CLOSE_BRACKET = 0x5d

// A top-level number, as Go's scanner reads it: after `-`, after a leading `0`, in the
// integer digits, after `.`, in the fraction, after `e`, after the exponent's sign, in the
// exponent. A number ends at the first byte that cannot continue it (`42-1` is 42, then -1).
const NUM_MINUS = 1
const NUM_ZERO = 2
const NUM_INT = 3
const NUM_DOT = 4
const NUM_FRAC = 5
const NUM_E = 6
const NUM_E_SIGN = 7
const NUM_EXP = 8
/** A top-level literal (`true`, `false`, `null`), complete at its last letter. */
const LITERAL = 9
/** What a scalar's next byte did: it continues the value, ends it (not part of it), or is its last. */
const CONTINUES = 0
const ENDS_BEFORE = 1
const ENDS_WITH = 2

const isDigit = (c: number): boolean => c >= 0x30 && c <= 0x39
const isExponent = (c: number): boolean => c === 0x65 || c === 0x45 // e E
const DOT = 0x2e
const MINUS = 0x2d
const PLUS = 0x2b

/** The scalar state a byte starts, or 0 if it starts none. */
function scalarStart(c: number): number {
  if (c === MINUS) return NUM_MINUS
  if (c === 0x30) return NUM_ZERO
  if (isDigit(c)) return NUM_INT
  if (c === 0x74 || c === 0x66 || c === 0x6e) return LITERAL // t f n
  return 0
}

/** A byte as Go's encoding/json quotes it in an error message. */
function quoteByte(c: number): string {
  if (c === 0x27) return `'\\''`
  if (c === QUOTE) return `'"'`
  if (c >= 0x20 && c < 0x7f) return `'${String.fromCharCode(c)}'`
  return `'\\x${c.toString(16).padStart(2, '0')}'`
}

const EMPTY = Buffer.alloc(0)

/** Bytes of a string scanned byte by byte before the rest is searched natively. */
const SHORT_STRING_BYTES = 16

/** UTF-8 text of `buf[from, to)`; pure ASCII (most JSON-RPC) decodes faster as latin1. */
function decode(buf: Buffer, from: number, to: number): string {
  return isAscii(buf.subarray(from, to))
    ? buf.toString('latin1', from, to)
    : buf.toString('utf8', from, to)
}

/**
 * Splits a byte stream into its top-level JSON values, as geth's IPC codec reads with a
 * streaming `json.Decoder`: values may be split across chunks or share one, with or
 * without whitespace between them. It tracks only what decides where a value ends
 * (nesting depth, strings and their escapes), once per byte, keeping its state between
 * chunks; `JSON.parse` of each value checks the rest. A value inside one chunk is
 * decoded from that chunk; only a value that spans chunks is copied, into a buffer that
 * never grows past the size limit.
 *
 * Pull-based, so that a transport can stop taking values when it has enough work in
 * flight: {@link push} a chunk, then call {@link next} until it returns `undefined`.
 */
export class JsonStreamReader {
  private mode = TOP
  private depth = 0
  /** The chunk being scanned, and where scanning stands in it. */
  private chunk: Buffer = EMPTY
  private pos = 0
  // bounded: maxBytes (a value longer than that fails with TOO_LARGE before it is copied)
  private partial: Buffer = EMPTY
  private partialLength = 0
  private inValue = false
  /** Where the next backslash in `chunk` is (`chunk.length` if none), once searched; -1 before. */
  private backslashAt = -1
  private failure: RpcError | undefined
  /** In SCALAR mode: the number state, or LITERAL with the literal and how much of it was read. */
  private scalar = 0
  private literal = ''
  private literalAt = 0

  /** @param maxBytes the longest value accepted, in bytes (its text, leading whitespace excluded). */
  constructor(private readonly maxBytes: number) {
    if (!Number.isInteger(maxBytes) || maxBytes < 1)
      throw new RangeError(`maxBytes must be a positive integer, got ${maxBytes}`)
  }

  /** Bytes held for a value not yet complete (for tests and metrics). */
  get bufferedBytes(): number {
    return this.partialLength
  }

  /**
   * Adds bytes from the stream. The reader keeps a reference to `bytes` (no copy) until
   * {@link next} has scanned them, so the caller must not reuse the buffer.
   */
  push(bytes: Uint8Array): void {
    if (bytes.length === 0) return
    const chunk = Buffer.isBuffer(bytes)
      ? bytes
      : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
    if (this.pos >= this.chunk.length) {
      this.chunk = chunk
      this.pos = 0
      this.backslashAt = -1
      return
    }
    // rare: more bytes before the last chunk was read to its end (the caller paused).
    // `next` always stops between values, so the unread rest starts at `pos`.
    this.chunk = Buffer.concat([this.chunk.subarray(this.pos), chunk])
    this.pos = 0
    this.backslashAt = -1
  }

  /**
   * The text of the next complete value, or `undefined` until more bytes are pushed.
   *
   * @throws {RpcError} `PARSE_ERROR` (-32700) when a byte cannot start a JSON value (as
   *   geth's "invalid character 'x' looking for beginning of value"); `INVALID_REQUEST`
   *   (-32600) when a value is longer than `maxBytes`. The reader is then done: every later
   *   call throws the same error, and the connection should close.
   */
  next(): string | undefined {
    if (this.failure !== undefined) throw this.failure
    const chunk = this.chunk
    const end = chunk.length
    let pos = this.pos
    let mode = this.mode
    let depth = this.depth
    // where the current value starts in this chunk; -1 if it began in an earlier one
    let start = -1
    scan: while (pos < end) {
      const c = chunk[pos] as number
      switch (mode) {
        case TOP:
          if (c === SPACE || c === LF || c === CR || c === TAB) {
            pos++
            continue
          }
          start = pos
          this.inValue = true
          if (c === OPEN_BRACE || c === OPEN_BRACKET) {
            mode = NESTED
            depth = 1
          } else if (c === QUOTE) {
            mode = STRING
            depth = 0
          } else if (scalarStart(c) !== 0) {
            mode = SCALAR
            this.scalar = scalarStart(c)
            if (this.scalar === LITERAL) {
              this.literal = c === 0x74 ? 'true' : c === 0x66 ? 'false' : 'null'
              this.literalAt = 1
            }
          } else {
            this.pos = pos
            return this.fail(
              new RpcError(
                PARSE_ERROR,
                `invalid character ${quoteByte(c)} looking for beginning of value`,
              ),
            )
          }
          pos++
          continue
        case NESTED:
          // the hot loop: most bytes of a message are neither quotes nor brackets
          while (pos < end) {
            const b = chunk[pos++] as number
            if (b === QUOTE) {
              mode = STRING
              continue scan
            }
            if (b === OPEN_BRACE || b === OPEN_BRACKET) depth++
            else if (b === CLOSE_BRACE || b === CLOSE_BRACKET) {
              if (--depth === 0) {
                mode = TOP
                break scan
              }
            }
          }
          continue
        case STRING: {
          // short strings (keys) end within a few bytes: a plain loop
          const stop = Math.min(pos + SHORT_STRING_BYTES, end)
          while (pos < stop) {
            const b = chunk[pos++] as number
            if (b === BACKSLASH) {
              mode = ESCAPE
              continue scan
            }
            if (b === QUOTE) {
              mode = depth === 0 ? TOP : NESTED
              if (depth === 0) break scan
              continue scan
            }
          }
          if (pos >= end) continue
          // a long string (hex data): find its closing quote natively, stepping over
          // escapes; the next backslash is searched once per chunk, not once per string
          let backslash = this.backslashAt
          if (backslash < pos) {
            backslash = chunk.indexOf(BACKSLASH, pos)
            if (backslash < 0) backslash = end
            this.backslashAt = backslash
          }
          const quote = chunk.indexOf(QUOTE, pos)
          if (backslash < (quote < 0 ? end : quote)) {
            pos = backslash + 1
            mode = ESCAPE
            continue
          }
          if (quote < 0) {
            pos = end
            continue
          }
          pos = quote + 1
          mode = depth === 0 ? TOP : NESTED
          if (depth === 0) break scan
          continue
        }
        case ESCAPE:
          pos++
          mode = STRING
          continue
        default: {
          // SCALAR: top-level numbers and literals are rare (geth answers them -32600)
          this.pos = pos
          const step = this.stepScalar(c)
          if (step === CONTINUES) {
            pos++
            continue
          }
          if (step === ENDS_WITH) pos++
          mode = TOP
          break scan
        }
      }
    }
    this.mode = mode
    this.depth = depth
    this.pos = pos
    if (mode !== TOP || !this.inValue) {
      // the chunk ended inside a value (or between values): keep what the value has so far
      if (this.inValue) this.keep(chunk, Math.max(start, 0), end)
      this.chunk = EMPTY
      this.pos = 0
      this.backslashAt = -1
      return undefined
    }
    // a value ended at `pos`
    this.inValue = false
    const from = Math.max(start, 0)
    if (this.partialLength === 0) {
      if (pos - from > this.maxBytes) return this.tooLarge()
      return decode(chunk, from, pos)
    }
    this.keep(chunk, from, pos)
    const text = decode(this.partial, 0, this.partialLength)
    this.releasePartial()
    return text
  }

  /** One byte of a top-level number or literal, by Go's grammar and with its error messages. */
  private stepScalar(c: number): number {
    const syntax = (context: string): never =>
      this.fail(new RpcError(PARSE_ERROR, `invalid character ${quoteByte(c)} ${context}`))
    switch (this.scalar) {
      case LITERAL: {
        const want = this.literal.charCodeAt(this.literalAt)
        if (c !== want) syntax(`in literal ${this.literal} (expecting ${quoteByte(want)})`)
        return ++this.literalAt === this.literal.length ? ENDS_WITH : CONTINUES
      }
      case NUM_MINUS:
        if (!isDigit(c)) syntax('in numeric literal')
        this.scalar = c === 0x30 ? NUM_ZERO : NUM_INT
        return CONTINUES
      case NUM_DOT:
        if (!isDigit(c)) syntax('after decimal point in numeric literal')
        this.scalar = NUM_FRAC
        return CONTINUES
      case NUM_E:
        if (c === PLUS || c === MINUS) {
          this.scalar = NUM_E_SIGN
          return CONTINUES
        }
        if (!isDigit(c)) syntax('in exponent of numeric literal')
        this.scalar = NUM_EXP
        return CONTINUES
      case NUM_E_SIGN:
        if (!isDigit(c)) syntax('in exponent of numeric literal')
        this.scalar = NUM_EXP
        return CONTINUES
      case NUM_EXP:
        return isDigit(c) ? CONTINUES : ENDS_BEFORE
      default: {
        // NUM_ZERO, NUM_INT, NUM_FRAC
        if (this.scalar === NUM_INT && isDigit(c)) return CONTINUES
        if (this.scalar === NUM_FRAC && isDigit(c)) return CONTINUES
        if (c === DOT && this.scalar !== NUM_FRAC) {
          this.scalar = NUM_DOT
          return CONTINUES
        }
        if (isExponent(c)) {
          this.scalar = NUM_E
          return CONTINUES
        }
        return ENDS_BEFORE
      }
    }
  }

  /** Appends `chunk[from, to)` to the value held from earlier chunks, within the limit. */
  private keep(chunk: Buffer, from: number, to: number): void {
    const length = this.partialLength + (to - from)
    if (length > this.maxBytes) {
      this.tooLarge()
      return
    }
    if (length > this.partial.length) {
      const grown = Buffer.allocUnsafe(
        Math.min(this.maxBytes, Math.max(length, this.partial.length * 2, 1024)),
      )
      this.partial.copy(grown, 0, 0, this.partialLength)
      this.partial = grown
    }
    chunk.copy(this.partial, this.partialLength, from, to)
    this.partialLength = length
  }

  private releasePartial(): void {
    this.partialLength = 0
    // a large buffer is not kept for the connection's lifetime after one large value
    if (this.partial.length > STREAM_BUFFER_KEEP_BYTES) this.partial = EMPTY
  }

  private tooLarge(): never {
    return this.fail(new RpcError(INVALID_REQUEST, `message larger than ${this.maxBytes} bytes`))
  }

  private fail(err: RpcError): never {
    this.failure = err
    this.chunk = EMPTY
    this.partial = EMPTY
    this.partialLength = 0
    throw err
  }
}
