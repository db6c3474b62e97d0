/**
 * The root's signature: secp256k1 over keccak256 of the root text before ` sig=`, by the
 * key in the tree's URL. It is the only signature in a tree; the hashes chain every other
 * entry to it.
 */
import { CryptoError, keccak256, sign, verify } from '@devp2p/crypto'
import { type RootEntry, rootSignedText } from './entries.js'

const utf8 = new TextEncoder()

/**
 * Signs a root: `seq` and the two subtree hashes, with the tree's private key.
 *
 * @throws RangeError when `privateKey` is not a valid secp256k1 key.
 */
export function signRoot(
  fields: Pick<RootEntry, 'eRoot' | 'lRoot' | 'seq'>,
  privateKey: Uint8Array,
): RootEntry {
  const { eRoot, lRoot, seq } = fields
  const signature = sign(keccak256(utf8.encode(rootSignedText(fields))), privateKey)
  return { type: 'root', eRoot, lRoot, seq, signature }
}

/**
 * Whether the root was signed by `publicKey` (33, 64 or 65 bytes). As geth, only the
 * 64 bytes r ‖ s count (the recovery byte is ignored) and a high-s signature does not
 * verify.
 */
export function verifyRoot(root: RootEntry, publicKey: Uint8Array): boolean {
  const digest = keccak256(utf8.encode(rootSignedText(root)))
  try {
    return verify(digest, root.signature.subarray(0, 64), publicKey)
  } catch (err) {
    if (err instanceof CryptoError) return false
    throw err
  }
}
