// State that must be one per extension host although the extension ships several bundles (the one
// that activates, and those loaded on first use): each bundle has its own copy of every module, so a
// module-level value would exist once per bundle. The first bundle to ask creates the value; the
// others find it under the same global symbol.

/** The value named `name`, created by `create` on first use and shared by every bundle of the extension. */
export function shared<T>(name: string, create: () => T): T {
  const slot = Symbol.for(`providerKeys.shared.${name}`);
  const holder = globalThis as unknown as Record<symbol, T | undefined>;
  return (holder[slot] ??= create());
}
