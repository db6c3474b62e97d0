/**
 * The one place `classic-level` (LevelDB, a native module) is imported. It is an optional
 * peer dependency: an in-memory node database never loads it, so a package that only ever
 * runs in memory installs without it. Kept in its own module so tests can replace it.
 */
export type ClassicLevelModule = typeof import('classic-level')

/** Imports `classic-level`; rejects when it is not installed or its binary does not load. */
export function importClassicLevel(): Promise<ClassicLevelModule> {
  return import('classic-level')
}
