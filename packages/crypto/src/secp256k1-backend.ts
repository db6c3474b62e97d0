/**
 * The one interface both secp256k1 implementations (native libsecp256k1 and
 * @noble/curves) provide. Internal: the public functions in `secp256k1.ts` check
 * argument types, lengths and SEC1 prefixes first, so a backend only sees well-formed
 * arguments and only has to decide whether a point or signature is valid. A backend
 * returns `undefined` (or `false`) for invalid input from outside and never throws for it.
 */
export interface Secp256k1Backend {
  readonly name: 'native' | 'noble'

  /**
   * SEC1 public key of a valid private key (0 < k < n): 33 bytes compressed or 65
   * uncompressed; written into `out` (exactly that long) when given, which is returned.
   */
  publicKeyCreate(privateKey: Uint8Array, compressed: boolean, out?: Uint8Array): Uint8Array

  /**
   * Validates a SEC1 key (33 bytes with prefix 02/03 or 65 bytes with prefix 04) and
   * re-encodes it: on the curve, coordinates < p. `undefined` when invalid.
   */
  publicKeyConvert(sec1: Uint8Array, compressed: boolean): Uint8Array | undefined

  /** Whether a SEC1 key (prefix already checked) is a valid curve point. */
  publicKeyIsValid(sec1: Uint8Array): boolean

  /** Deterministic (RFC 6979), low-s recoverable signature: r ‖ s ‖ v, v ∈ {0, 1}. */
  sign(digest: Uint8Array, privateKey: Uint8Array): Uint8Array

  /**
   * The 65-byte SEC1 public key that made `signature` (64 bytes r ‖ s) with recovery id
   * `recid` (0–3) over `digest`; `undefined` when r or s is out of range or nothing
   * can be recovered.
   */
  recover(digest: Uint8Array, signature: Uint8Array, recid: number): Uint8Array | undefined

  /** ECDSA verification of r ‖ s (low s only) against a valid SEC1 key. */
  verify(digest: Uint8Array, signature: Uint8Array, sec1: Uint8Array): boolean

  /**
   * The x coordinate of privateKey × publicKey (32 bytes, not hashed), computed in
   * constant time; `undefined` when `sec1` is not a valid point.
   */
  ecdh(privateKey: Uint8Array, sec1: Uint8Array): Uint8Array | undefined

  /**
   * The shared point privateKey × publicKey in SEC1 compressed form (33 bytes: 02 or 03
   * by the parity of y, then x), computed in constant time; `undefined` when `sec1` is
   * not a valid point. discv5's handshake uses this form.
   */
  ecdhCompressed(privateKey: Uint8Array, sec1: Uint8Array): Uint8Array | undefined
}
