// A module resolve hook (node:module `register`): resolves the workspace's packages to their
// TypeScript source, as `--conditions=@devp2p/source` would.
export async function resolve(specifier, context, nextResolve) {
  const conditions = context.conditions.includes('@devp2p/source')
    ? context.conditions
    : [...context.conditions, '@devp2p/source']
  return nextResolve(specifier, { ...context, conditions })
}
